// RUN: dsc-opt %s --split-input-file --dsc-gpu-kernels-to-host | FileCheck %s

// A kernel becomes a host function with the grid and block sizes appended,
// looping over blocks (z, y, x) then threads (z, y, x); the ids are the
// loops' indices, the dimensions the appended arguments. The launcher and
// the GPU module go.
// CHECK-LABEL: func.func @dsc_cuda_scale_kernel
// CHECK-SAME: (%[[A:.*]]: memref<256xf32>, %[[S:.*]]: f32, %[[GX:.*]]: index, %[[GY:.*]]: index, %[[GZ:.*]]: index, %[[BX:.*]]: index, %[[BY:.*]]: index, %[[BZ:.*]]: index)
// CHECK-SAME: attributes {dsc.host_kernel}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[GZ]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[GY]]
// CHECK: scf.for %[[BID:.*]] = %{{.*}} to %[[GX]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[BZ]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[BY]]
// CHECK: scf.for %[[TID:.*]] = %{{.*}} to %[[BX]]
// CHECK: %[[I0:.*]] = arith.muli %[[BID]], %[[BX]]
// CHECK: %[[I:.*]] = arith.addi %[[I0]], %[[TID]]
// CHECK: memref.load %[[A]][%[[I]]]
// CHECK-NOT: gpu.
// CHECK-NOT: func.func @dsc_cuda_scale(
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @dsc_cuda_scale_kernel(%a: memref<256xf32>, %s: f32) kernel {
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %n = gpu.block_dim x
      %i0 = arith.muli %b, %n : index
      %i = arith.addi %i0, %t : index
      %v = memref.load %a[%i] : memref<256xf32>
      %w = arith.mulf %v, %s : f32
      memref.store %w, %a[%i] : memref<256xf32>
      gpu.return
    }
  }
  func.func @dsc_cuda_scale(%a: memref<256xf32>, %s: f32) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c128 = arith.constant 128 : index
    gpu.launch_func @m::@dsc_cuda_scale_kernel blocks in (%c2, %c1, %c1) threads in (%c128, %c1, %c1) args(%a : memref<256xf32>, %s : f32)
    return
  }
}

// -----

// The grid dimension op reads the appended grid size.
// CHECK-LABEL: func.func @grid_kernel
// CHECK-SAME: %[[GX:[a-z0-9]+]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[GX]]]
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @grid_kernel(%a: memref<8xindex>) kernel {
      %g = gpu.grid_dim x
      memref.store %g, %a[%g] : memref<8xindex>
      gpu.return
    }
  }
}

// -----

// A warp reduction cuts the body into phases. A warp (32 consecutive
// linear thread ids) at a time runs them all: the first phase stores the
// value reduced per linear thread id; the reduction copies the warp's
// values and combines each pair t < t ^ offset within it for offsets 1 to
// 16 (every lane of the warp gets the sum); the second phase reads the
// sums back. The constant and the ids are computed again (the ids from
// the linear id), not kept.
// CHECK-LABEL: func.func @sum_kernel
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<64xf32>, %[[Y:[a-z0-9]+]]: memref<2xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[BX:[a-z0-9]+]]: index, %[[BY:[a-z0-9]+]]: index, %[[BZ:[a-z0-9]+]]: index)
// CHECK: %[[N0:.*]] = arith.muli %[[BX]], %[[BY]]
// CHECK: %[[N:.*]] = arith.muli %[[N0]], %[[BZ]]
// CHECK: %[[KV:.*]] = memref.alloc(%[[N]]) : memref<?xf32>
// CHECK: %[[KS:.*]] = memref.alloc(%[[N]]) : memref<?xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %[[B:.*]] = %{{.*}} to
// CHECK: %[[W31:.*]] = arith.addi %[[N]], %c31
// CHECK: %[[WARPS:.*]] = arith.divui %[[W31]], %c32
// CHECK: scf.for %[[W:.*]] = %{{.*}} to %[[WARPS]]
// CHECK: %[[LO:.*]] = arith.muli %[[W]], %c32
// CHECK: %[[END:.*]] = arith.addi %[[LO]], %c32
// CHECK: %[[HI:.*]] = arith.minui %[[END]], %[[N]]
// CHECK: scf.for %[[T:.*]] = %[[LO]] to %[[HI]]
// CHECK: %[[TX:.*]] = arith.remui %[[T]], %[[BX]]
// CHECK: %[[V:.*]] = memref.load %[[A]]
// CHECK: memref.store %[[V]], %[[KV]][%[[T]]]
// CHECK: scf.for %[[C:.*]] = %[[LO]] to %[[HI]]
// CHECK: %[[X:.*]] = memref.load %[[KV]][%[[C]]]
// CHECK: memref.store %[[X]], %[[KS]][%[[C]]]
// CHECK: scf.for %[[P:.*]] = %[[LO]] to %[[HI]]
// CHECK: %[[U:.*]] = arith.xori %[[P]], %c1
// CHECK: arith.cmpi ult, %[[P]], %[[U]]
// CHECK: arith.cmpi ult, %[[U]], %[[HI]]
// CHECK: scf.if
// CHECK: %[[S:.*]] = arith.addf
// CHECK: memref.store %[[S]], %[[KS]][%[[P]]]
// CHECK: memref.store %[[S]], %[[KS]][%[[U]]]
// CHECK: arith.xori %{{.*}}, %c2
// CHECK: arith.xori %{{.*}}, %c4
// CHECK: arith.xori %{{.*}}, %c8
// CHECK: arith.xori %{{.*}}, %c16
// CHECK-NOT: arith.xori
// CHECK: scf.for %[[T2:.*]] = %[[LO]] to %[[HI]]
// CHECK: %[[TX2:.*]] = arith.remui %[[T2]], %[[BX]]
// CHECK: %[[RS:.*]] = memref.load %[[KS]][%[[T2]]]
// CHECK: arith.cmpi eq, %[[TX2]], %c0
// CHECK: memref.store %[[RS]], %[[Y]][%[[B]]]
// CHECK: memref.dealloc %[[KV]]
// CHECK: memref.dealloc %[[KS]]
// CHECK-NOT: gpu.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @sum_kernel(%a: memref<64xf32>, %y: memref<2xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c32 = arith.constant 32 : index
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %r = arith.muli %b, %c32 : index
      %i = arith.addi %r, %t : index
      %v = memref.load %a[%i] : memref<64xf32>
      %s = gpu.subgroup_reduce add %v uniform : (f32) -> f32
      %first = arith.cmpi eq, %t, %c0 : index
      scf.if %first {
        memref.store %s, %y[%b] : memref<2xf32>
      }
      gpu.return
    }
  }
}

// -----

// A kernel with mma.sync (tensor cores) runs one thread a call: the ids are
// arguments after the sizes, the body is the kernel's (its loop kept), and
// each mma.sync calls the fake driver's emulator with A's and B's halves as
// floats, C, its place in the kernel (0: the first), and a buffer the
// results are read back from at once.
// CHECK-LABEL: func.func private @dsc_host_mma_m16n8k16_f16_f32
// CHECK-SAME: (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, i64, memref<4xf32>)
// CHECK-LABEL: func.func @mma_kernel
// CHECK-SAME: (%[[X:.*]]: memref<?xf16>, %[[Y:.*]]: memref<?xf32>,
// CHECK-SAME: %[[GX:[^:]*]]: index, %{{[^:]*}}: index, %{{[^:]*}}: index,
// CHECK-SAME: %{{[^:]*}}: index, %{{[^:]*}}: index, %{{[^:]*}}: index,
// CHECK-SAME: %[[BID:[^:]*]]: index, %{{[^:]*}}: index, %{{[^:]*}}: index,
// CHECK-SAME: %[[TID:[^:]*]]: index, %{{[^:]*}}: index, %{{[^:]*}}: index)
// CHECK-SAME: attributes {dsc.host_kernel, dsc.host_lanes}
// CHECK: %[[OUT:.*]] = memref.alloca() : memref<4xf32>
// CHECK: memref.load %[[X]][%[[TID]]]
// CHECK: scf.for
// CHECK: %[[A0:.*]] = vector.extract %{{.*}}[0] : f16 from vector<2xf16>
// CHECK: %[[F0:.*]] = arith.extf %[[A0]] : f16 to f32
// CHECK-COUNT-11: arith.extf
// CHECK: %[[SITE:.*]] = arith.constant 0 : i64
// CHECK: call @dsc_host_mma_m16n8k16_f16_f32(%[[F0]], {{.*}}, %[[SITE]], %[[OUT]])
// CHECK-NEXT: arith.constant 0 : index
// CHECK-NEXT: %[[D0:.*]] = memref.load %[[OUT]]
// CHECK: memref.load %[[OUT]]
// CHECK: memref.load %[[OUT]]
// CHECK: arith.constant 3 : index
// CHECK-NEXT: %[[D3:.*]] = memref.load %[[OUT]]
// CHECK: scf.yield %[[D0]], %[[D3]]
// CHECK: memref.store %{{.*}}, %[[Y]][%[[BID]]]
// CHECK-NOT: nvvm.
// CHECK-NOT: gpu.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @mma_kernel(%x: memref<?xf16>, %y: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %zero = arith.constant 0.0 : f32
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %h = memref.load %x[%t] : memref<?xf16>
      %v = vector.from_elements %h, %h : vector<2xf16>
      %acc:2 = scf.for %i = %c0 to %c4 step %c1
          iter_args(%a0 = %zero, %a3 = %zero) -> (f32, f32) {
        %d = nvvm.mma.sync A[%v, %v, %v, %v] B[%v, %v] C[%a0, %zero, %zero, %a3]
            {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
             shape = #nvvm.shape<m = 16, n = 8, k = 16>}
            : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
        %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
        %d3 = llvm.extractvalue %d[3] : !llvm.struct<(f32, f32, f32, f32)>
        scf.yield %d0, %d3 : f32, f32
      }
      %s = arith.addf %acc#0, %acc#1 : f32
      memref.store %s, %y[%b] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// A barrier cuts the body too: the body runs in segments up to each
// barrier, every thread of the block through one segment before any runs
// the next, a warp (32 consecutive linear ids) at a time within it (a
// reduction, below, is warp-wide only). A value the segment after the
// barrier reads (the thread's own sum) is kept per thread.
// CHECK-LABEL: func.func @barrier_kernel
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<64xf32>, %[[B:[a-z0-9]+]]: memref<64xf32>, %[[GX:[a-z0-9]+]]: index, %{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %[[BX:[a-z0-9]+]]: index, %[[BY:[a-z0-9]+]]: index, %[[BZ:[a-z0-9]+]]: index)
// CHECK: %[[XY:.*]] = arith.muli %[[BX]], %[[BY]]
// CHECK: %[[N:.*]] = arith.muli %[[XY]], %[[BZ]]
// CHECK: %[[KEPT:.*]] = memref.alloc(%[[N]]) : memref<?xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[GX]]
// The segment before the barrier: every warp's threads store their value
// and keep it.
// CHECK: scf.for %[[W0:.*]] = %{{.*}} to %[[WARPS0:.*]] step
// CHECK: %[[LO0:.*]] = arith.muli %[[W0]], %{{.*}}
// CHECK: %[[HI0:.*]] = arith.minui %{{.*}}, %[[N]]
// CHECK: scf.for %[[T0:.*]] = %[[LO0]] to %[[HI0]]
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK: memref.store %{{.*}}, %[[KEPT]][%[[T0]]]
// CHECK: }
// CHECK: }
// The one after, in a loop of its own: every thread reads its neighbour's.
// CHECK: scf.for %[[W1:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[LO1:.*]] = arith.muli %[[W1]], %{{.*}}
// CHECK: scf.for %[[T1:.*]] = %[[LO1]] to
// CHECK: memref.load %[[KEPT]][%[[T1]]]
// CHECK: memref.load %[[A]]
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK: }
// CHECK-NOT: gpu.barrier
// CHECK: memref.dealloc %[[KEPT]]
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @barrier_kernel(%a: memref<64xf32>, %b: memref<64xf32>) kernel {
      %c1 = arith.constant 1 : index
      %c64 = arith.constant 64 : index
      %t = gpu.thread_id x
      %v = memref.load %b[%t] : memref<64xf32>
      %twice = arith.addf %v, %v : f32
      memref.store %twice, %a[%t] : memref<64xf32>
      gpu.barrier
      %t1 = arith.addi %t, %c1 : index
      %next = arith.remui %t1, %c64 : index
      %w = memref.load %a[%next] : memref<64xf32>
      %s = arith.addf %w, %twice : f32
      memref.store %s, %b[%t] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

// A reduction and a barrier: in the first segment's loop over warps, the
// phase before the reduction, the warp's butterfly, the phase after; then
// the second segment's loop over warps.
// CHECK-LABEL: func.func @barrier_reduce_kernel
// CHECK-SAME: %[[GX:[a-z0-9]+]]: index, %{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %[[BX:[a-z0-9]+]]: index, %[[BY:[a-z0-9]+]]: index, %[[BZ:[a-z0-9]+]]: index)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[GX]] step
// CHECK: scf.for %[[W:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[LO:.*]] = arith.muli %[[W]], %{{.*}}
// CHECK: %[[HI:.*]] = arith.minui
// CHECK: scf.for %{{.*}} = %[[LO]] to %[[HI]] step
// CHECK: memref.load
// CHECK: }
// CHECK: arith.xori
// CHECK: scf.for %{{.*}} = %[[LO]] to %[[HI]] step
// CHECK: memref.store
// CHECK: }
// CHECK: }
// CHECK: scf.for %[[W2:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for
// CHECK: memref.store
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @barrier_reduce_kernel(%a: memref<64xf32>, %b: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %t = gpu.thread_id x
      %v = memref.load %b[%t] : memref<64xf32>
      %s = gpu.subgroup_reduce add %v uniform : (f32) -> f32
      memref.store %s, %a[%t] : memref<64xf32>
      gpu.barrier
      %w = memref.load %a[%c0] : memref<64xf32>
      memref.store %w, %b[%t] : memref<64xf32>
      gpu.return
    }
  }
}
