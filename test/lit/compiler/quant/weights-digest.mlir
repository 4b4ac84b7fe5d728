// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %src/test/lib/calib_stats.py floats %t/w.bin 64
// RUN: cp %t/w.bin %t/copy.bin
// RUN: sed 's|@W@|%t|g' %s | not dsc-opt --split-input-file --dsc-weights-digest 2>/dev/null > %t/out.mlir; FileCheck %s < %t/out.mlir
// RUN: %python -c "import re; d = dict(re.findall(r'@(\w+) : \S+ {dsc.digest = \"(\w+)\"}', open('%t/out.mlir').read())); assert d['a'] == d['same'] and len({d['a'], d['other'], d['t']}) == 3, d; print('digests ok')" | FileCheck %s --check-prefix=SAME
// SAME: digests ok
// RUN: sed 's|@W@|%t|g' %s | not dsc-opt --split-input-file --dsc-weights-digest 2>&1 | FileCheck %s --check-prefix=ERR

// Each source becomes the digest of the bytes the writer stores: the same
// values in another file digest alike, other bytes or a transform (here a
// transpose) differently; the tokenizer reference goes.
// CHECK-LABEL: module {
// CHECK-NEXT: dsc.global @a : tensor<4x8xf32> {dsc.digest = "[[A:0x[0-9a-f]+]]"}
// CHECK-NEXT: dsc.global @same : tensor<4x8xf32> {dsc.digest = "[[A]]"}
// CHECK-NEXT: dsc.global @other : tensor<4x8xf32> {dsc.digest = "{{0x[0-9a-f]+}}"}
// CHECK-NEXT: dsc.global @t : tensor<8x4xf32> {dsc.digest = "{{0x[0-9a-f]+}}"}
// CHECK-NOT: dsc.tokenizer
module attributes {dsc.tokenizer = {kind = "llama2c", path = "@W@/tok.bin"}} {
  dsc.global @a : tensor<4x8xf32> = #dsc.file<path = "@W@/w.bin", offset = 0, size = 128, encoding = f32>
  dsc.global @same : tensor<4x8xf32> = #dsc.file<path = "@W@/copy.bin", offset = 0, size = 128, encoding = f32>
  dsc.global @other : tensor<4x8xf32> = #dsc.file<path = "@W@/w.bin", offset = 128, size = 128, encoding = f32>
  dsc.global @t : tensor<8x4xf32> = #dsc.transpose<#dsc.file<path = "@W@/w.bin", offset = 0, size = 128, encoding = f32>>
}

// -----

// A weight that cannot be read is an error naming its file.
// ERR: error: {{.*}}missing.bin
module {
  dsc.global @m : tensor<4x8xf32> = #dsc.file<path = "@W@/missing.bin", offset = 0, size = 128, encoding = f32>
}
