// RMSNorm of x [rows, dim]: y[r, i] = x[r, i] * w[i] / sqrt(mean(x[r]^2) + eps).
// Not written here: dsc-gpu-derive-kernels gives these declarations the
// body of the CPU path's lowering (lower::rmsNorm: the sum of squares as a
// row reduction, the rows' rsqrt as a map, the scaling), a warp a row: lane
// l takes columns l, l + 32, ... (a warp's loads consecutive), the lanes'
// sums are added by gpu.subgroup_reduce (shuffles: every lane gets the
// row's), and each lane scales the same columns. A thread per row summing
// its whole row alone took about a millisecond per call on an H200 (2048
// loads one after another); partial sums through global memory and a
// second kernel cost a launch and a thread's 32 loads in a row.
func.func private @dsc_cuda_rms_norm(%x: memref<?xf32>, %w: memref<?xf32>,
                                     %y: memref<?xf32>, %rows: index,
                                     %dim: index, %eps: f32)

// The same reading 16 bytes a lane: lane l takes the row's 4-value vectors
// l, l + 32, ..., so that a lane has a quarter of the loads in flight one
// after another (TinyLlama's 2048 values: 16 vectors a lane). For rows of
// whole vectors (dim % 4 == 0: every row starts 16-byte aligned).
func.func private @dsc_cuda_rms_norm_v(%x: memref<?xf32>, %w: memref<?xf32>,
                                       %y: memref<?xf32>, %rows: index,
                                       %dim: index, %eps: f32)
