// RUN: dsc-opt %s --dsc-weights-pack=target=rpi5 | FileCheck %s --check-prefix=TILES
// RUN: dsc-opt %s "--dsc-weights-pack=target=x86_64-avx2 interleave=false" | FileCheck %s --check-prefix=TILES
// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64-avx2 | FileCheck %s --check-prefix=BLOCKS
// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64-avx512 | FileCheck %s --check-prefix=BLOCKS

// IR laid out for x86_64-avx2 or -avx512 (dsc compile --emit=mlir) compiled again for
// a target without row-interleaved kernels: its blocks go back to 4-row
// tiles (the same bytes; the payload is written from the sources), and
// other layouts stay as they are.
// TILES-LABEL: module
// TILES: dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>, offset = 0 : i64}
// TILES: dsc.global @wk : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>, offset = 1152 : i64}
// BLOCKS-LABEL: module
// BLOCKS: dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>, offset = 0 : i64}
// BLOCKS: dsc.global @wk : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>, offset = 1152 : i64}
module {
  dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>, offset = 0 : i64}
  dsc.global @wk : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>, offset = 1152 : i64}
}
