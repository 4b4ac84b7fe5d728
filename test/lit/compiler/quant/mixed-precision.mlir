// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %src/test/lib/calib_stats.py floats %t/w.bin 7168
// RUN: %python %src/test/lib/calib_stats.py stats %t/s.bin --cols 64 --outlier 5
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --dsc-quant-mixed-precision="stats=%t/s.bin budget=1MiB measure=output" | FileCheck %s --check-prefix=ROOMY
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --dsc-quant-mixed-precision="stats=%t/s.bin budget=2240 measure=output" | FileCheck %s --check-prefix=TIGHT
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --dsc-quant-mixed-precision="stats=%t/s.bin budget=6KiB measure=output" | FileCheck %s --check-prefix=MID
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --dsc-quant-mixed-precision="stats=%t/s.bin budget=6KiB measure=output" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --dsc-quant-mixed-precision="stats=%t/s.bin budget=6KiB group=64 measure=output" | FileCheck %s --check-prefix=G64
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --dsc-quant-mixed-precision="stats=%t/s.bin budget=12KiB measure=output" --dsc-quant-apply | FileCheck %s --check-prefix=APPLY

// The embedding table (16x64, looked up), q (64x64) and k (32x64) read
// one activation; the unread weight is left alone.
// With room for everything, every matrix stays float.
// ROOMY-LABEL: dsc.global @emb : tensor<16x64xf32> = #dsc.file<{{[^>]*}}> {dsc.quantize = false}
// ROOMY: dsc.global @wq : tensor<64x64xf32> = #dsc.file<{{[^>]*}}> {dsc.quantize = false}
// ROOMY: dsc.global @wk : tensor<32x64xf32> = #dsc.file<{{[^>]*}}> {dsc.quantize = false}
// ROOMY: dsc.global @unread : tensor<4x64xf32> = #dsc.file<{{[^>]*}}>{{$}}
// At the smallest size, 2240 bytes (2 bits per weight and an f16 scale
// per 32: 320 + 1280 + 640 bytes, each a multiple of 64), every matrix is
// int2:group=32.
// TIGHT-LABEL: dsc.global @emb : tensor<16x64xf32> = #dsc.file<{{[^>]*}}> {dsc.quantize = #dsc.quant<i2, group = 32, symmetric
// TIGHT: dsc.global @wq : {{.*}} {dsc.quantize = #dsc.quant<i2, group = 32, symmetric
// TIGHT: dsc.global @wk : {{.*}} {dsc.quantize = #dsc.quant<i2, group = 32, symmetric
// Between the two, the budget buys precision where it saves most error:
// some weights get 8 bits (or stay float), some fewer.
// MID-DAG: {dsc.quantize = #dsc.quant<i{{[2-6]}}, group = 32
// MID-DAG: {dsc.quantize = {{false|#dsc.quant<i8}}
// REPORT: mixed precision for 6.0 KiB (6144 bytes): {{.*}}; weights {{.*}} ({{[0-9]+}} bytes), summed relative output error
// G64: #dsc.quant<i{{[2-8]}}, {{channel = 0|group = 64|group = 128}}
// G64-NOT: group = 32
// dsc-quant-apply then gives each weight the type its attribute says.
// APPLY-DAG: dsc.global @wq : {{tensor<64x64xf32>|!dsc.qtensor<64x64xf32, #dsc.quant<i[48]}}
// APPLY-DAG: dsc.global @emb : {{tensor<16x64xf32>|!dsc.qtensor<16x64xf32, #dsc.quant<i[48]}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 128, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  dsc.global @emb : tensor<16x64xf32> = #dsc.file<path = "@W@", offset = 0, size = 4096, encoding = f32>
  dsc.global @wq : tensor<64x64xf32> = #dsc.file<path = "@W@", offset = 4096, size = 16384, encoding = f32>
  dsc.global @wk : tensor<32x64xf32> = #dsc.file<path = "@W@", offset = 20480, size = 8192, encoding = f32>
  dsc.global @unread : tensor<4x64xf32> = #dsc.file<path = "@W@", offset = 0, size = 1024, encoding = f32>
  func.func @forward(%tokens: tensor<?xi32>) -> tensor<?x32xf32> {
    %e = dsc.weight @emb : tensor<16x64xf32>
    %wq = dsc.weight @wq : tensor<64x64xf32>
    %wk = dsc.weight @wk : tensor<32x64xf32>
    %x = dsc.embedding %e[%tokens] : tensor<16x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
    %q = dsc.linear %x, %wq : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    %k = dsc.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
    %s = dsc.add %q, %q : tensor<?x64xf32>
    return %k : tensor<?x32xf32>
  }
}
