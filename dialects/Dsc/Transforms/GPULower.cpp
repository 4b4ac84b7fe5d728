//===- GPULower.cpp - kernels to PTX through MLIR's gpu dialect -----------===//

#include "Dsc/Transforms/GPULower.h"
#include "Dsc/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/InlinerInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_GPUTILEFLATLOOPS
#define GEN_PASS_DEF_GPUUNROLLLOOPS
#define GEN_PASS_DEF_GPUREVERSEPARALLELLOOPS
#define GEN_PASS_DEF_GPUCHECKHOSTACCESS
#define GEN_PASS_DEF_GPUUNIQUEKERNELNAMES
#define GEN_PASS_DEF_GPUKERNELSTOHOST
#define GEN_PASS_DEF_GPUHOSTKERNELENTRIES
#define GEN_PASS_DEF_GPULOWERSUBGROUPREDUCE
#define GEN_PASS_DEF_GPUNOLIBDEVICE
#define GEN_PASS_DEF_GPUINVARIANTLOADS
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;

namespace {

/// Whether every use of `v` (through address arithmetic) is a load's
/// address: the kernel only reads the buffer `v` points into.
bool onlyLoaded(Value v) {
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (auto gep = dyn_cast<LLVM::GEPOp>(user)) {
      if (gep.getBase() != v || !onlyLoaded(gep.getResult()))
        return false;
    } else if (!isa<LLVM::LoadOp>(user)) {
      return false;
    }
  }
  return true;
}

void markLoads(Value v) {
  for (Operation *user : v.getUsers()) {
    if (auto gep = dyn_cast<LLVM::GEPOp>(user))
      markLoads(gep.getResult());
    else if (auto load = dyn_cast<LLVM::LoadOp>(user))
      load.setInvariant(true);
  }
}

struct GPUUnrollLoopsPass : dsc::impl::GPUUnrollLoopsBase<GPUUnrollLoopsPass> {
  using GPUUnrollLoopsBase::GPUUnrollLoopsBase;
  void runOnOperation() override {
    if (factor < 1) {
      getOperation()->emitError("dsc-gpu-unroll-loops: factor must be at "
                                "least 1, not ")
          << static_cast<int64_t>(factor);
      return signalPassFailure();
    }
    // Inner loops first (post-order), so that a loop whose inner loops were
    // unrolled whole is innermost when its turn comes.
    // Kernels: gpu.func bodies, and the bodies of parallel loops before
    // outlining (the form the kernels' semantic checks run on the host).
    SmallVector<scf::ForOp> loops;
    getOperation()->walk<WalkOrder::PostOrder>([&](scf::ForOp loop) {
      if (loop->getParentOfType<gpu::GPUFuncOp>() ||
          loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) {
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (trips && trips->getZExtValue() <= uint64_t(2 * factor)) {
        // A short constant loop (a word's values): whole.
        if (failed(loopUnrollFull(loop))) {
          loop.emitError("dsc-gpu-unroll-loops: cannot unroll this loop");
          return signalPassFailure();
        }
        continue;
      }
      bool inner = true;
      loop.getBody()->walk([&](scf::ForOp) { inner = false; });
      if (inner && factor > 1 && failed(loopUnrollByFactor(loop, factor))) {
        loop.emitError("dsc-gpu-unroll-loops: cannot unroll this loop");
        return signalPassFailure();
      }
    }
  }
};

struct GPUInvariantLoadsPass
    : dsc::impl::GPUInvariantLoadsBase<GPUInvariantLoadsPass> {
  using GPUInvariantLoadsBase::GPUInvariantLoadsBase;
  void runOnOperation() override {
    getOperation().walk([](LLVM::LLVMFuncOp f) {
      if (!f->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()) ||
          f.isExternal())
        return;
      for (BlockArgument arg : f.getArguments())
        if (isa<LLVM::LLVMPointerType>(arg.getType()) && onlyLoaded(arg))
          markLoads(arg);
    });
  }
};

/// convert-gpu-to-nvvm turns math ops into calls of libdevice (__nv_sqrtf,
/// ...), which would need the CUDA toolkit's bitcode at compile time. The
/// ones with a PTX instruction become LLVM intrinsics instead (exp and the
/// like were expanded into polynomials before); any other is an error
/// naming it.
struct GPUNoLibdevicePass : dsc::impl::GPUNoLibdeviceBase<GPUNoLibdevicePass> {
  using GPUNoLibdeviceBase::GPUNoLibdeviceBase;
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      if (call.getCallee() && call.getCallee()->starts_with("__nv_"))
        calls.push_back(call);
    });
    for (LLVM::CallOp call : calls) {
      StringRef name = *call.getCallee();
      OpBuilder b(call);
      Value r;
      ValueRange a = call.getArgOperands();
      Location loc = call.getLoc();
      if (name == "__nv_sqrtf")
        r = LLVM::SqrtOp::create(b, loc, a[0]);
      else if (name == "__nv_rsqrtf") // RMSNorm's, as the CPU computes it
        r = LLVM::FDivOp::create(
            b, loc,
            LLVM::ConstantOp::create(b, loc, b.getF32Type(),
                                     b.getF32FloatAttr(1.0f)),
            LLVM::SqrtOp::create(b, loc, a[0]));
      else if (name == "__nv_fmaf")
        r = LLVM::FMAOp::create(b, loc, a[0], a[1], a[2]);
      else if (name == "__nv_fabsf")
        r = LLVM::FAbsOp::create(b, loc, a[0]);
      else if (name == "__nv_floorf") // in the exp polynomial
        r = LLVM::FFloorOp::create(b, loc, a[0]);
      if (!r) {
        call.emitOpError("needs libdevice's ")
            << name << ", which dsc does not link; use an op with a PTX "
            << "instruction or a polynomial";
        return signalPassFailure();
      }
      call.getResult().replaceAllUsesWith(r);
      call.erase();
    }
    module.walk([](LLVM::LLVMFuncOp f) {
      if (f.isExternal() && f.getName().starts_with("__nv_") &&
          f.symbolKnownUseEmpty(f->getParentOp()))
        f.erase();
    });
  }
};

/// A parallel loop that is neither nested in one nor has one nested is one
/// level of parallelism (an element-wise op, rows of a norm): split it into
/// blocks of block-size iterations, so that the mapping gives it blocks of
/// threads rather than blocks of one thread. Nested loops (the GEMV's rows
/// and lanes) say their mapping themselves.
struct GPUTileFlatLoopsPass
    : dsc::impl::GPUTileFlatLoopsBase<GPUTileFlatLoopsPass> {
  using GPUTileFlatLoopsBase::GPUTileFlatLoopsBase;
  void runOnOperation() override {
    if (blockSize < 1) {
      getOperation().emitError("dsc-gpu-tile-flat-loops: block-size must be "
                               "at least 1, not ")
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> flat;
    getOperation().walk([&](scf::ParallelOp op) {
      bool nested = op->getParentOfType<scf::ParallelOp>();
      op.getBody()->walk([&](scf::ParallelOp) { nested = true; });
      if (!nested)
        flat.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp op : flat) {
      if (op.getNumLoops() > 1) {
        // One dimension: the collapsed loop replaces `op` just before the
        // op that followed it.
        auto dims = llvm::seq<unsigned>(0, op.getNumLoops());
        std::vector<unsigned> all(dims.begin(), dims.end());
        Operation *next = op->getNextNode();
        Location loc = op.getLoc();
        rewriter.setInsertionPoint(op);
        collapseParallelLoops(rewriter, op, {all});
        op = dyn_cast_or_null<scf::ParallelOp>(next->getPrevNode());
        if (!op || op.getNumLoops() != 1) {
          emitError(loc, "dsc-gpu-tile-flat-loops: collapsing a parallel "
                         "loop did not leave one loop in its place");
          return signalPassFailure();
        }
      }
      scf::tileParallelLoop(op, {static_cast<int64_t>(blockSize)},
                            /*noMinMaxBounds=*/true);
    }
  }
};

/// For the host semantics tests (test/lit/targets/cuda/semantics.test):
/// every parallel loop visits its iterations in reverse. The GPU runs
/// iterations in any order and at once; the CPU lowering runs them in one
/// order. Running a kernel in both orders shows a result that depends on it
/// (a thread reading what another writes in the same kernel, which on the
/// GPU would need a barrier): iteration i of a dimension becomes
/// lb + (count - 1 - (i - lb) / step) * step.
/// Whether `op` holds an mma.sync, itself or in a function it calls.
static bool reachesMma(Operation *op, SymbolTableCollection &symbols,
                       DenseSet<Operation *> &seen) {
  WalkResult r = op->walk([&](Operation *inner) {
    if (isa<NVVM::MmaOp>(inner))
      return WalkResult::interrupt();
    if (auto call = dyn_cast<func::CallOp>(inner)) {
      Operation *callee =
          symbols.lookupNearestSymbolFrom(call, call.getCalleeAttr());
      if (callee && seen.insert(callee).second &&
          reachesMma(callee, symbols, seen))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

struct GPUReverseParallelLoopsPass
    : dsc::impl::GPUReverseParallelLoopsBase<GPUReverseParallelLoopsPass> {
  using GPUReverseParallelLoopsBase::GPUReverseParallelLoopsBase;
  void runOnOperation() override {
    SymbolTableCollection symbols;
    getOperation().walk([&](scf::ParallelOp op) {
      // A warp's lanes around an mma.sync (the innermost loop) are the
      // places of its fragments, not an order: kept. The fake driver runs
      // them as coroutines that meet at each mma.sync.
      DenseSet<Operation *> seen;
      bool inner =
          !op.getBody()
               ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
               .wasInterrupted();
      if (inner && reachesMma(op, symbols, seen))
        return;
      OpBuilder b = OpBuilder::atBlockBegin(op.getBody());
      Location loc = op.getLoc();
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      for (unsigned d = 0; d < op.getNumLoops(); ++d) {
        Value iv = op.getInductionVars()[d];
        Value lb = op.getLowerBound()[d], ub = op.getUpperBound()[d],
              step = op.getStep()[d];
        Value span = arith::SubIOp::create(b, loc, ub, lb);
        Value count = arith::CeilDivUIOp::create(b, loc, span, step);
        Value last = arith::SubIOp::create(b, loc, count, one);
        Value off = arith::SubIOp::create(b, loc, iv, lb);
        Value k = arith::DivUIOp::create(b, loc, off, step);
        Value rk = arith::SubIOp::create(b, loc, last, k);
        Value scaled = arith::MulIOp::create(b, loc, rk, step);
        Value rev = arith::AddIOp::create(b, loc, lb, scaled);
        iv.replaceUsesWithIf(rev, [&](OpOperand &use) {
          return use.getOwner() != off.getDefiningOp();
        });
      }
    });
  }
};

/// The memref argument of `f` that `v` views (through subviews, casts and
/// the like), if any.
static std::optional<unsigned> argumentViewed(func::FuncOp f, Value v) {
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner()->isEntryBlock() &&
                     arg.getOwner()->getParentOp() == f.getOperation()
                 ? std::optional<unsigned>(arg.getArgNumber())
                 : std::nullopt;
    auto view = v.getDefiningOp<ViewLikeOpInterface>();
    if (!view)
      return std::nullopt;
    v = view.getViewSource();
  }
}

struct GPUCheckHostAccessPass
    : dsc::impl::GPUCheckHostAccessBase<GPUCheckHostAccessPass> {
  using GPUCheckHostAccessBase::GPUCheckHostAccessBase;
  void runOnOperation() override {
    for (func::FuncOp f : getOperation().getOps<func::FuncOp>()) {
      WalkResult r = f.walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (isa<gpu::LaunchOp>(op))
          return WalkResult::skip(); // not outlined: a kernel's own body
        // A launch passes its buffers to the device, where they are read.
        auto effects = dyn_cast<MemoryEffectOpInterface>(op);
        if (!effects || isa<gpu::LaunchFuncOp>(op))
          return WalkResult::advance();
        SmallVector<MemoryEffects::EffectInstance> list;
        effects.getEffects(list);
        for (const MemoryEffects::EffectInstance &e : list) {
          Value m = e.getValue();
          if (!m ||
              !isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect()))
            continue;
          if (std::optional<unsigned> arg = argumentViewed(f, m)) {
            op->emitOpError("runs on the host, which launches ")
                << f.getName() << "'s kernels, but accesses argument " << *arg
                << ", device memory: read it in the kernels";
            return WalkResult::interrupt();
          }
        }
        return WalkResult::advance();
      });
      if (r.wasInterrupted())
        return signalPassFailure();
    }
  }
};

/// Outlining names a function's kernels after it, in GPU modules named
/// uniquely in the whole module: which suffix the second kernel of
/// dsc_cuda_gemv_q8 gets depends on the other sources compiled with it. The
/// k-th kernel a function launches is named <function>_kernel_<k> instead
/// (the first <function>_kernel), whatever is compiled with it, so that a
/// kernel's name alone says which it is: the PTX entry, and the host form
/// the fake driver of the tests finds for it.
struct GPUUniqueKernelNamesPass
    : dsc::impl::GPUUniqueKernelNamesBase<GPUUniqueKernelNamesPass> {
  using GPUUniqueKernelNamesBase::GPUUniqueKernelNamesBase;
  void runOnOperation() override {
    ModuleOp m = getOperation();
    DenseSet<Operation *> done;
    for (func::FuncOp f : m.getOps<func::FuncOp>()) {
      int k = 0;
      f.walk([&](gpu::LaunchFuncOp l) {
        std::string name = (f.getName() + "_kernel").str();
        if (k)
          name += "_" + std::to_string(k);
        ++k;
        auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
            l, l.getKernel());
        if (!kernel || !done.insert(kernel).second || kernel.getName() == name)
          return;
        kernel.setName(name);
        l.setKernelAttr(
            SymbolRefAttr::get(l.getKernelModuleName(),
                               {FlatSymbolRefAttr::get(&getContext(), name)}));
      });
    }
  }
};

/// Warp reductions as butterfly shuffles over 32 lanes (NVIDIA's warp).
struct GPULowerSubgroupReducePass
    : dsc::impl::GPULowerSubgroupReduceBase<GPULowerSubgroupReducePass> {
  using GPULowerSubgroupReduceBase::GPULowerSubgroupReduceBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateGpuLowerSubgroupReduceToShufflePatterns(patterns,
                                                    /*subgroupSize=*/32,
                                                    /*shuffleBitwidth=*/32);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation().walk([](gpu::SubgroupReduceOp r) {
      r.emitOpError("cannot be lowered to 32-bit shuffles");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

/// Ops a later phase of a kernel's host form computes again instead of
/// reading them from the scratch buffers: constants and the ids, which
/// that phase's loops give again.
static bool rematerializable(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumResults() == 1 &&
         isMemoryEffectFree(op) && op->getNumRegions() == 0;
}

/// In a kernel's host form, the gpu dialect's sizes and ids become `ids`:
/// grid x, y, z, block x, y, z, block id x, y, z, thread id x, y, z. Any
/// other gpu operation has no host form.
static LogicalResult replaceIds(Block *body, ArrayRef<Value> ids) {
  assert(ids.size() == 12 && "sizes and ids, x, y and z each");
  SmallVector<std::pair<Operation *, Value>> found;
  bool unknown = false;
  body->walk([&](Operation *op) {
    auto at = [&](int first, gpu::Dimension d) {
      found.push_back({op, ids[first + static_cast<int>(d)]});
    };
    if (auto o = dyn_cast<gpu::GridDimOp>(op))
      at(0, o.getDimension());
    else if (auto o = dyn_cast<gpu::BlockDimOp>(op))
      at(3, o.getDimension());
    else if (auto o = dyn_cast<gpu::BlockIdOp>(op))
      at(6, o.getDimension());
    else if (auto o = dyn_cast<gpu::ThreadIdOp>(op))
      at(9, o.getDimension());
    else if (isa<gpu::GPUDialect>(op->getDialect())) {
      op->emitOpError("has no host form");
      unknown = true;
    }
  });
  for (auto [op, v] : found) {
    op->getResult(0).replaceAllUsesWith(v);
    op->erase();
  }
  return failure(unknown);
}

/// The one warp-wide NVVM operation the host form emulates: mma.sync
/// m16n8k16 with f16 A (row-major) and B (column-major) and f32 C and D,
/// the tensor-core GEMM's (PTX ISA, "Matrix Fragments for mma.m16n8k16").
static LogicalResult checkEmulatedMma(NVVM::MmaOp mma) {
  NVVM::MMAShapeAttr s = mma.getShape();
  auto f16x2 = VectorType::get({2}, Float16Type::get(mma.getContext()));
  auto isF32 = [](Value v) { return v.getType().isF32(); };
  bool ok = s.getM() == 16 && s.getN() == 8 && s.getK() == 16 &&
            mma.getLayoutA() == NVVM::MMALayout::row &&
            mma.getLayoutB() == NVVM::MMALayout::col &&
            mma.getOperandA().size() == 4 && mma.getOperandB().size() == 2 &&
            mma.getOperandC().size() == 4 &&
            llvm::all_of(mma.getOperandA(),
                         [&](Value v) { return v.getType() == f16x2; }) &&
            llvm::all_of(mma.getOperandB(),
                         [&](Value v) { return v.getType() == f16x2; }) &&
            llvm::all_of(mma.getOperandC(), isF32);
  if (!ok)
    return mma.emitOpError("has no host form: only m16n8k16 with f16 A "
                           "(row) and B (col) and f32 C is emulated");
  for (Operation *user : mma->getUsers())
    if (!isa<LLVM::ExtractValueOp>(user))
      return mma.emitOpError("has no host form: its result is used other "
                             "than by llvm.extractvalue");
  return success();
}

/// For the tests without a GPU (test/lit/targets/cuda/fake-driver.test):
/// each outlined kernel (gpu.func) becomes a host function of the same name
/// and arguments, plus the launch's grid and block sizes, that runs its body
/// for every block and thread in turn, the ids the loops' indices. The dsc
/// kernels use no shared memory, so one thread after another computes what
/// the GPU computes at once, but for gpu.subgroup_reduce and gpu.barrier: a
/// kernel's body is cut at each one (they must be in the body itself, not
/// in a loop or branch), into phases; the phases up to a barrier (a
/// segment) run for every thread of the block before the next segment's,
/// and a warp (32 consecutive linear thread ids) at a time runs a
/// segment's phases, its threads in turn in each. A
/// value a later phase uses is kept per thread in a scratch buffer; the
/// reduction combines the warp's values in the butterfly order of its
/// GPU lowering (offsets 1, 2, ..., 16), so that every lane gets the same
/// result, bit for bit the GPU's. A kernel with mma.sync (tensor cores),
/// whose operands are spread over the warp and which may sit in a loop,
/// gets a host form for one thread instead (convertLanes). The launchers
/// (functions with gpu.launch_func) and the GPU modules go.
struct GPUKernelsToHostPass
    : dsc::impl::GPUKernelsToHostBase<GPUKernelsToHostPass> {
  using GPUKernelsToHostBase::GPUKernelsToHostBase;

  LogicalResult convert(ModuleOp m, gpu::GPUFuncOp f) {
    MLIRContext *ctx = &getContext();
    if (!f.getBody().hasOneBlock())
      return f.emitOpError("has more than one block: no host form");
    Block &body = f.getBody().front();
    // The phases: the body's ops between its subgroup reductions and
    // barriers; cuts[p - 1] is the one before phase p.
    SmallVector<SmallVector<Operation *>> phases(1);
    SmallVector<gpu::SubgroupReduceOp> reductions;
    SmallVector<Operation *> cuts;
    bool barriers = false;
    DenseMap<Operation *, unsigned> phaseOf;
    for (Operation &op : body.without_terminator()) {
      if (auto r = dyn_cast<gpu::SubgroupReduceOp>(op)) {
        if (r.getClusterSize() || !r.getType().isIntOrIndexOrFloat())
          return r.emitOpError("of a vector or in clusters has no host form");
        reductions.push_back(r);
      } else if (isa<gpu::BarrierOp>(op)) {
        barriers = true;
      } else {
        WalkResult nested = op.walk([](Operation *inner) {
          if (!isa<gpu::SubgroupReduceOp, gpu::BarrierOp>(inner))
            return WalkResult::advance();
          inner->emitOpError("inside a loop or branch has no host form");
          return WalkResult::interrupt();
        });
        if (nested.wasInterrupted())
          return failure();
        phaseOf[&op] = phases.size() - 1;
        phases.back().push_back(&op);
        continue;
      }
      cuts.push_back(&op);
      phaseOf[&op] = phases.size();
      phases.emplace_back();
    }
    // Values a later phase uses (or a reduction reads) are kept per thread.
    SetVector<Value> kept;
    for (Operation &op : body.without_terminator()) {
      if (rematerializable(&op))
        continue;
      for (Value v : op.getResults()) {
        // A reduction's phase is the one after it, where its result is
        // read; a value it reduces is one of an earlier phase.
        bool later = isa<gpu::SubgroupReduceOp>(op);
        for (Operation *user : v.getUsers())
          later |= phaseOf[body.findAncestorOpInBlock(*user)] > phaseOf[&op];
        if (!later)
          continue;
        if (!v.getType().isIntOrIndexOrFloat())
          return op.emitOpError("has a result of type ")
                 << v.getType()
                 << " used across a subgroup reduction or barrier: no "
                 << "host form";
        kept.insert(v);
      }
    }

    OpBuilder b = OpBuilder::atBlockEnd(m.getBody());
    Location loc = f.getLoc();
    SmallVector<Type> types(f.getArgumentTypes());
    types.append(6, b.getIndexType());
    auto fn = func::FuncOp::create(b, loc, f.getName(),
                                   FunctionType::get(ctx, types, {}));
    fn->setAttr("dsc.host_kernel", UnitAttr::get(ctx));
    Block *entry = fn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    unsigned n = f.getNumArguments();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value dims[6];
    for (int d = 0; d < 6; ++d)
      dims[d] = entry->getArgument(n + d);
    // Scratch: one value per thread of a block, for each kept value.
    DenseMap<Value, Value> scratch;
    Value threads;
    if (!reductions.empty() || barriers) {
      threads = arith::MulIOp::create(b, loc, dims[3], dims[4]);
      threads = arith::MulIOp::create(b, loc, threads, dims[5]);
    }
    if (!kept.empty()) {
      for (gpu::SubgroupReduceOp r : reductions)
        if (!kept.contains(r.getValue()))
          return r.emitOpError("reduces a value that does not depend on the "
                               "thread: no host form");
      for (Value v : kept)
        scratch[v] = memref::AllocOp::create(
            b, loc, MemRefType::get({ShapedType::kDynamic}, v.getType()),
            ValueRange{threads});
    }
    // Blocks z, y, x.
    Value blockIv[3];
    for (int d = 2; d >= 0; --d) {
      auto loop = scf::ForOp::create(b, loc, zero, dims[d], one);
      blockIv[d] = loop.getInductionVar();
      b.setInsertionPointToStart(loop.getBody());
    }
    // With reductions or barriers, the body runs in segments, each up to
    // the next barrier (a barrier's meaning: every thread of the block
    // reaches it before any goes on), and a warp (32 consecutive linear
    // thread ids) at a time runs all the phases of a segment, its
    // reductions over its own threads: a thread reading what another warp
    // writes in the same segment sees it written or not by the order of
    // the warps, which the tests reverse (dsc-gpu-reverse-parallel-loops),
    // as on a GPU, where it would need a barrier.
    bool warpwise = !reductions.empty() || barriers;
    OpBuilder::InsertPoint inBlock = b.saveInsertionPoint(), inSegment;
    Value lo, hi;
    bool bad = false;
    for (unsigned p = 0; p < phases.size(); ++p) {
      if (warpwise && (p == 0 || isa<gpu::BarrierOp>(cuts[p - 1]))) {
        // A segment: a loop over the block's warps, after the last one's.
        b.restoreInsertionPoint(inBlock);
        Value c31 = arith::ConstantIndexOp::create(b, loc, 31);
        Value c32 = arith::ConstantIndexOp::create(b, loc, 32);
        Value warps = arith::DivUIOp::create(
            b, loc, arith::AddIOp::create(b, loc, threads, c31), c32);
        auto warp = scf::ForOp::create(b, loc, zero, warps, one);
        b.setInsertionPointToStart(warp.getBody());
        lo = arith::MulIOp::create(b, loc, warp.getInductionVar(), c32);
        hi = arith::MinUIOp::create(
            b, loc, arith::AddIOp::create(b, loc, lo, c32), threads);
        inSegment = b.saveInsertionPoint();
        b.restoreInsertionPoint(inBlock);
      }
      b.restoreInsertionPoint(warpwise ? inSegment : inBlock);
      auto r = p > 0 ? dyn_cast<gpu::SubgroupReduceOp>(cuts[p - 1])
                     : gpu::SubgroupReduceOp();
      if (r) {
        // The reduction before this phase, over the warp's kept values.
        Value in = scratch[r.getValue()], out = scratch[r.getResult()];
        auto copy = scf::ForOp::create(b, loc, lo, hi, one);
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(copy.getBody());
          Value t = copy.getInductionVar();
          Value v = memref::LoadOp::create(b, loc, in, t);
          memref::StoreOp::create(b, loc, v, out, t);
        }
        for (int64_t off = 1; off < 32; off *= 2) {
          auto loop = scf::ForOp::create(b, loc, lo, hi, one);
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(loop.getBody());
          Value t = loop.getInductionVar();
          Value offv = arith::ConstantIndexOp::create(b, loc, off);
          Value u = arith::XOrIOp::create(b, loc, t, offv);
          // Each pair once, from its lower thread, both partners present
          // (the kernels' blocks are whole warps).
          Value lower =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, t, u);
          Value inside =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, u, hi);
          Value both = arith::AndIOp::create(b, loc, lower, inside);
          auto ifOp = scf::IfOp::create(b, loc, both, false);
          b.setInsertionPointToStart(ifOp.thenBlock());
          Value x = memref::LoadOp::create(b, loc, out, t);
          Value y = memref::LoadOp::create(b, loc, out, u);
          Value c = vector::makeArithReduction(
              b, loc, gpu::convertReductionKind(r.getOp()), x, y);
          memref::StoreOp::create(b, loc, c, out, t);
          memref::StoreOp::create(b, loc, c, out, u);
        }
      }
      // Threads z, y, x; with reductions or barriers, the warp's linear
      // ids.
      Value threadIv[3], linear;
      if (!warpwise) {
        for (int d = 2; d >= 0; --d) {
          auto loop = scf::ForOp::create(b, loc, zero, dims[3 + d], one);
          threadIv[d] = loop.getInductionVar();
          b.setInsertionPointToStart(loop.getBody());
        }
      } else {
        auto loop = scf::ForOp::create(b, loc, lo, hi, one);
        b.setInsertionPointToStart(loop.getBody());
        linear = loop.getInductionVar();
        Value xy = arith::MulIOp::create(b, loc, dims[3], dims[4]);
        threadIv[0] = arith::RemUIOp::create(b, loc, linear, dims[3]);
        threadIv[1] = arith::RemUIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, linear, dims[3]), dims[4]);
        threadIv[2] = arith::DivUIOp::create(b, loc, linear, xy);
      }
      Block *threadBody = b.getInsertionBlock();
      IRMapping map;
      for (unsigned i = 0; i < n; ++i)
        map.map(f.getArgument(i), entry->getArgument(i));
      // Earlier phases' thread-independent values computed again, the
      // kept ones read back.
      for (unsigned q = 0; q < p; ++q)
        for (Operation *op : phases[q])
          if (rematerializable(op))
            b.clone(*op, map);
      for (Value v : kept) {
        Operation *def = v.getDefiningOp();
        if (phaseOf[def] < p ||
            (phaseOf[def] == p && isa<gpu::SubgroupReduceOp>(def)))
          map.map(v, memref::LoadOp::create(b, loc, scratch[v], linear));
      }
      for (Operation *op : phases[p])
        b.clone(*op, map);
      // This phase's kept values stored for the next ones.
      for (Operation *op : phases[p])
        for (Value v : op->getResults())
          if (kept.contains(v))
            memref::StoreOp::create(b, loc, map.lookup(v), scratch[v], linear);
      // The ids: this phase's loop indices and the appended sizes.
      bad |= failed(
          replaceIds(threadBody, {dims[0], dims[1], dims[2], dims[3], dims[4],
                                  dims[5], blockIv[0], blockIv[1], blockIv[2],
                                  threadIv[0], threadIv[1], threadIv[2]}));
    }
    b.setInsertionPointToEnd(entry);
    for (Value v : kept)
      memref::DeallocOp::create(b, loc, scratch[v]);
    func::ReturnOp::create(b, loc);
    return failure(bad);
  }

  /// A kernel with mma.sync: `<name>(args..., grid and block sizes, block
  /// and thread ids)` runs its body for one thread, the ids arguments; each
  /// mma.sync calls dsc_host_mma_m16n8k16_f16_f32 (the tests' fake driver),
  /// which the warp's 32 threads, run as coroutines by
  /// dsc_host_run_lanes, all reach before any goes on, as on a GPU (the
  /// entries of dsc-gpu-host-kernel-entries call that).
  LogicalResult convertLanes(ModuleOp m, gpu::GPUFuncOp f) {
    MLIRContext *ctx = &getContext();
    if (!f.getBody().hasOneBlock())
      return f.emitOpError("has more than one block: no host form");
    WalkResult bad = f.walk([&](Operation *op) {
      if (auto mma = dyn_cast<NVVM::MmaOp>(op))
        return failed(checkEmulatedMma(mma)) ? WalkResult::interrupt()
                                             : WalkResult::advance();
      if (isa<gpu::SubgroupReduceOp, gpu::BarrierOp>(op)) {
        op->emitOpError("in a kernel with mma.sync has no host form");
        return WalkResult::interrupt();
      }
      if (isa<NVVM::NVVMDialect>(op->getDialect())) {
        op->emitOpError("has no host form: of the NVVM operations, only "
                        "mma.sync is emulated");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (bad.wasInterrupted())
      return failure();
    OpBuilder b = OpBuilder::atBlockEnd(m.getBody());
    Location loc = f.getLoc();
    Type f32 = b.getF32Type();
    auto outType = MemRefType::get({4}, f32);
    StringRef emulator = "dsc_host_mma_m16n8k16_f16_f32";
    if (!m.lookupSymbol(emulator)) {
      SmallVector<Type> in(16, f32);
      in.push_back(b.getI64Type());
      in.push_back(outType);
      auto decl = func::FuncOp::create(b, loc, emulator,
                                       FunctionType::get(ctx, in, {}));
      decl.setPrivate();
    }
    SmallVector<Type> types(f.getArgumentTypes());
    types.append(12, b.getIndexType());
    auto fn = func::FuncOp::create(b, loc, f.getName(),
                                   FunctionType::get(ctx, types, {}));
    fn->setAttr("dsc.host_kernel", UnitAttr::get(ctx));
    fn->setAttr("dsc.host_lanes", UnitAttr::get(ctx));
    Block *entry = fn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    unsigned n = f.getNumArguments();
    // The emulator's results, one buffer for every mma.sync of the thread.
    Value out = memref::AllocaOp::create(b, loc, outType);
    IRMapping map;
    for (unsigned i = 0; i < n; ++i)
      map.map(f.getArgument(i), entry->getArgument(i));
    for (Operation &op : f.getBody().front().without_terminator())
      b.clone(op, map);
    func::ReturnOp::create(b, loc);
    // The sizes and ids are the appended arguments.
    SmallVector<Value> ids(entry->getArguments().take_back(12));
    bool unknown = failed(replaceIds(entry, ids));
    SmallVector<NVVM::MmaOp> mmas;
    fn.walk([&](NVVM::MmaOp mma) { mmas.push_back(mma); });
    // Each call names its mma.sync (its place in the kernel), so that the
    // fake driver can tell lanes that meet at different ones; the results
    // are read back at once, before any other mma.sync reuses the buffer.
    for (auto [site, mma] : llvm::enumerate(mmas)) {
      OpBuilder mb(mma);
      SmallVector<Value> args;
      for (Value v : llvm::concat<Value>(mma.getOperandA(), mma.getOperandB()))
        for (int64_t i = 0; i < 2; ++i)
          args.push_back(arith::ExtFOp::create(
              mb, loc, f32,
              vector::ExtractOp::create(mb, loc, v, i).getResult()));
      llvm::append_range(args, mma.getOperandC());
      args.push_back(arith::ConstantIntOp::create(mb, loc, site, 64));
      args.push_back(out);
      func::CallOp::create(mb, loc, emulator, TypeRange{}, args);
      Value d[4];
      for (int64_t i = 0; i < 4; ++i)
        d[i] = memref::LoadOp::create(
            mb, loc, out,
            ValueRange{arith::ConstantIndexOp::create(mb, loc, i)});
      for (Operation *user : llvm::make_early_inc_range(mma->getUsers())) {
        auto ev = cast<LLVM::ExtractValueOp>(user);
        ev.getResult().replaceAllUsesWith(d[ev.getPosition()[0]]);
        ev.erase();
      }
      mma.erase();
    }
    return failure(unknown);
  }

  void runOnOperation() override {
    ModuleOp m = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(m.getOps<gpu::GPUModuleOp>());
    for (gpu::GPUModuleOp gm : gpuModules)
      for (gpu::GPUFuncOp f : gm.getOps<gpu::GPUFuncOp>()) {
        if (!f.isKernel())
          continue;
        bool nvvm = false;
        f.walk([&](Operation *op) {
          nvvm |= isa<NVVM::NVVMDialect>(op->getDialect());
        });
        if (failed(nvvm ? convertLanes(m, f) : convert(m, f)))
          return signalPassFailure();
      }
    SmallVector<Operation *> dead(gpuModules.begin(), gpuModules.end());
    // The launchers go; the mma.sync emulator's declaration stays.
    for (func::FuncOp f : m.getOps<func::FuncOp>())
      if (!f->hasAttr("dsc.host_kernel") &&
          f.getName() != "dsc_host_mma_m16n8k16_f16_f32")
        dead.push_back(f);
    for (Operation *op : dead)
      op->erase();
    m->removeAttr("gpu.container_module");
  }
};

/// After the host lowering of dsc-gpu-kernels-to-host's functions: for each,
/// `<name>_dsc_launch(void **params, int64_t dims[6])`, which calls it with
/// the values params[i] point to (cuLaunchKernel's kernelParams, in the
/// order gpu-to-llvm passes them) and the grid and block sizes, and
/// `<name>_dsc_param_bytes`, the byte size of each parameter then 0, so
/// that a driver recording a launch for later (a CUDA graph) can copy the
/// values.
struct GPUHostKernelEntriesPass
    : dsc::impl::GPUHostKernelEntriesBase<GPUHostKernelEntriesPass> {
  using GPUHostKernelEntriesBase::GPUHostKernelEntriesBase;
  void runOnOperation() override {
    ModuleOp m = getOperation();
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    SmallVector<LLVM::LLVMFuncOp> kernels;
    for (LLVM::LLVMFuncOp f : m.getOps<LLVM::LLVMFuncOp>())
      if (f->hasAttr("dsc.host_kernel") && !f.isExternal())
        kernels.push_back(f);
    auto voidType = LLVM::LLVMVoidType::get(ctx);
    for (LLVM::LLVMFuncOp f : kernels) {
      OpBuilder b = OpBuilder::atBlockEnd(m.getBody());
      Location loc = f.getLoc();
      // A kernel with mma.sync runs one thread a call: its entry takes the
      // ids too (a third array), and the launch's entry hands it to the
      // fake driver's dsc_host_run_lanes, which runs a warp's threads as
      // coroutines.
      bool lanes = f->hasAttr("dsc.host_lanes");
      if (f.getFunctionType().getNumParams() < (lanes ? 12u : 6u)) {
        f.emitOpError("has fewer parameters than the ")
            << (lanes ? "12 sizes and ids" : "6 sizes")
            << " a host kernel ends with";
        return signalPassFailure();
      }
      SmallVector<Type> entryParams(lanes ? 3 : 2, ptr);
      auto entry = LLVM::LLVMFuncOp::create(
          b, loc, (f.getName() + (lanes ? "_dsc_lane" : "_dsc_launch")).str(),
          LLVM::LLVMFunctionType::get(voidType, entryParams));
      Block *body = entry.addEntryBlock(b);
      b.setInsertionPointToStart(body);
      ArrayRef<Type> params = f.getFunctionType().getParams();
      unsigned n = params.size() - (lanes ? 12 : 6);
      SmallVector<Value> args;
      for (unsigned i = 0; i < params.size(); ++i) {
        // Parameters, then the sizes from the second array, the ids from
        // the third.
        unsigned from = i < n ? 0 : i < n + 6 ? 1 : 2;
        int32_t at = from == 0 ? i : from == 1 ? i - n : i - n - 6;
        Value base = body->getArgument(from);
        auto addr =
            LLVM::GEPOp::create(b, loc, ptr, from ? Type(i64) : Type(ptr), base,
                                ArrayRef<LLVM::GEPArg>{at});
        Value v = addr;
        if (!from)
          v = LLVM::LoadOp::create(b, loc, ptr, addr);
        args.push_back(LLVM::LoadOp::create(b, loc, params[i], v));
      }
      LLVM::CallOp::create(b, loc, f, args);
      LLVM::ReturnOp::create(b, loc, ValueRange{});
      if (lanes) {
        StringRef runner = "dsc_host_run_lanes";
        auto runnerType =
            LLVM::LLVMFunctionType::get(voidType, {ptr, ptr, ptr});
        if (!m.lookupSymbol(runner)) {
          b.setInsertionPointToEnd(m.getBody());
          LLVM::LLVMFuncOp::create(b, loc, runner, runnerType);
        }
        b.setInsertionPointToEnd(m.getBody());
        auto launch = LLVM::LLVMFuncOp::create(
            b, loc, (f.getName() + "_dsc_launch").str(),
            LLVM::LLVMFunctionType::get(voidType, {ptr, ptr}));
        Block *lb = launch.addEntryBlock(b);
        b.setInsertionPointToStart(lb);
        Value lane = LLVM::AddressOfOp::create(b, loc, entry);
        LLVM::CallOp::create(
            b, loc, runnerType, runner,
            ValueRange{lane, lb->getArgument(0), lb->getArgument(1)});
        LLVM::ReturnOp::create(b, loc, ValueRange{});
      }

      SmallVector<int32_t> bytes;
      for (Type t : params.take_front(n)) {
        if (isa<LLVM::LLVMPointerType>(t))
          bytes.push_back(8);
        else if (t.isIntOrFloat())
          bytes.push_back((t.getIntOrFloatBitWidth() + 7) / 8);
        else {
          f.emitOpError("has a parameter of type ")
              << t << " that a launch cannot pass";
          return signalPassFailure();
        }
      }
      bytes.push_back(0);
      b.setInsertionPointToEnd(m.getBody());
      auto i32 = IntegerType::get(ctx, 32);
      auto type = LLVM::LLVMArrayType::get(i32, bytes.size());
      LLVM::GlobalOp::create(
          b, loc, type, /*isConstant=*/true, LLVM::Linkage::External,
          (f.getName() + "_dsc_param_bytes").str(),
          DenseElementsAttr::get(
              RankedTensorType::get({static_cast<int64_t>(bytes.size())}, i32),
              ArrayRef<int32_t>(bytes)));
    }
  }
};

} // namespace

void dsc::buildCUDALowerPipeline(OpPassManager &pm, const CUDALowerOptions &o) {
  // The scales' type first, while the helpers that read them are still
  // functions of their own (the inliner below removes them).
  GPURetypeScalesOptions scales;
  scales.type = o.scales;
  pm.addPass(dsc::createGPURetypeScales(scales));
  // The kernels the sources declare, from the CPU path's lowering: a
  // declaration left would be an undefined call.
  pm.addPass(dsc::createGPUDeriveKernels());
  // One GPU block per iteration of an outer parallel loop, one thread per
  // iteration of the loop nested in it (gpu-map-parallel-loops' mapping).
  // Kernels derived from the CPU path's lowering are linalg on buffers.
  // Private helpers the kernel sources call, inlined (and gone), so that
  // their loads are the kernels' own (dsc-gpu-invariant-loads marks those)
  // and their loops unrolled with the kernels'. No canonicalization in
  // between: it would merge the nested parallel loops (blocks and threads)
  // into one.
  pm.addPass(createInlinerPass({}, [](OpPassManager &) {}));
  pm.addPass(createSymbolDCEPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(dsc::createGPUTileFlatLoops());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // Constants into the kernels, so that dsc-gpu-unroll-loops sees constant
  // trip counts (outlining would otherwise pass them as arguments).
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(dsc::createGPUCheckHostAccess());
  pm.addPass(dsc::createGPUUniqueKernelNames());
  // Before the host form too, so that the fake driver and the semantic
  // checks run the unrolled loops the GPU runs.
  pm.addNestedPass<gpu::GPUModuleOp>(dsc::createGPUUnrollLoops());
  if (o.format == "cpu") {
    pm.addPass(dsc::createGPUKernelsToHost());
    // The kernels' 16-byte loads (the CPU path itself has no vector ops).
    pm.addPass(createConvertVectorToLLVMPass());
    buildLowerToLLVMPipeline(pm);
    pm.addPass(dsc::createGPUHostKernelEntries());
    return;
  }
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = o.chip;
  target.features = o.features;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // exp as the CPU path computes it (a polynomial); fma and sqrt as PTX
  // instructions, where convert-gpu-to-nvvm calls libdevice, which dsc
  // does not link.
  pm.addNestedPass<gpu::GPUModuleOp>(createCodegenApproximateMath());
  pm.addNestedPass<gpu::GPUModuleOp>(dsc::createGPULowerSubgroupReduce());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(dsc::createGPUNoLibdevice());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // Folds the memref descriptors, so that loads address kernel arguments.
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(dsc::createGPUInvariantLoads());
  if (o.format == "nvvm")
    return;
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (o.format != "host")
    return;
  // The host side: launches as calls of MLIR's GPU runtime functions
  // (mgpuLaunchKernel, ...; runtime/cuda/mgpu.c), the PTX as globals
  // loaded at start-up, the rest as the CPU path lowers it.
  pm.addPass(createGpuToLLVMConversionPass());
  buildLowerToLLVMPipeline(pm);
}

void dsc::registerCUDALowerDependencies(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, cf::ControlFlowDialect,
                  func::FuncDialect, gpu::GPUDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, NVVM::NVVMDialect,
                  scf::SCFDialect, vector::VectorDialect>();
  // The kernels' helpers are inlined (func.call into gpu.func).
  func::registerInlinerExtension(registry);
  // Helpers holding LLVM and NVVM operations (the tensor-core GEMMs'
  // mma.sync and its results) are inlined like any other.
  LLVM::registerInlinerInterface(registry);
  NVVM::registerInlinerInterface(registry);
  // convert-gpu-to-nvvm converts the other dialects through their
  // ConvertToLLVM interfaces.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  // #gpu.select_object: the host code embeds the PTX and loads it at start.
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

namespace {
struct CUDALowerPipelineOptions
    : PassPipelineOptions<CUDALowerPipelineOptions> {
  Option<std::string> chip{*this, "chip", llvm::cl::desc("NVPTX chip"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{*this, "features",
                               llvm::cl::desc("PTX version feature"),
                               llvm::cl::init("+ptx80")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("nvvm (NVVM dialect), isa (gpu.binary with PTX), "
                     "host (isa, and the host side in the LLVM dialect) or "
                     "cpu (the kernels as host functions, for tests)"),
      llvm::cl::init("isa")};
  Option<std::string> scales{
      *this, "scales",
      llvm::cl::desc("the quantized weights' scales as the kernels read "
                     "them: f16 or f32"),
      llvm::cl::init("f16")};
};
} // namespace

void dsc::registerCUDALowerPasses() {
  // dsc-cuda-lower's first step, for tests that lower the kernels derived
  // from the CPU path (linalg on buffers) step by step.
  registerConvertLinalgToParallelLoopsPass();
  PassPipelineRegistration<CUDALowerPipelineOptions>(
      "dsc-cuda-lower",
      "Maps the parallel loops of functions on memrefs to GPU kernels and "
      "compiles them through NVVM to PTX (docs/cuda.md)",
      [](OpPassManager &pm, const CUDALowerPipelineOptions &p) {
        CUDALowerOptions o;
        o.chip = p.chip;
        o.features = p.features;
        o.format = p.format;
        o.scales = p.scales;
        buildCUDALowerPipeline(pm, o);
      });
}

llvm::Expected<std::vector<std::string>> dsc::collectPTX(ModuleOp module) {
  std::vector<std::string> ptx;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute a : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(a))
        ptx.push_back(object.getObject().getValue().str());
  });
  if (ptx.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the CUDA kernels compiled to no PTX");
  return ptx;
}
