//===- OutlineLoops.cpp - one function per distinct loop nest -------------===//
//
// The forward function of an N-layer model holds N copies of each layer's
// element-wise and reduction loops; LLVM's time grows with them. Each
// top-level loop nest becomes a call of a private function, and identical
// nests share one, which is kept out of line where it is called from
// several places.
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_CODEGENOUTLINELOOPS
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;

namespace {
/// What a nest takes from outside it: values to pass (in first-use order,
/// so that identical nests get the same signature) and operations to clone
/// into its function (no operands, no memory effects).
struct Captures {
  llvm::SetVector<Value> args;
  llvm::SetVector<Operation *> clones;
};
} // namespace

static bool isClonable(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         op->getNumResults() == 1 && isMemoryEffectFree(op);
}

static Captures capturesOf(Operation *nest) {
  Captures c;
  nest->walk<WalkOrder::PreOrder>([&](Operation *op) {
    for (Value v : op->getOperands()) {
      Region *r = v.getParentRegion();
      if (r && nest->isProperAncestor(r->getParentOp()))
        continue;
      if (r && r->getParentOp() == nest)
        continue; // the loop's own block arguments
      Operation *def = v.getDefiningOp();
      if (def && isClonable(def))
        c.clones.insert(def);
      else
        c.args.insert(v);
    }
  });
  return c;
}

/// Functions with the same type and body (locations aside).
static bool sameFunction(func::FuncOp a, func::FuncOp b) {
  return a.getFunctionType() == b.getFunctionType() &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(), OperationEquivalence::IgnoreLocations);
}

namespace {
struct OutlineLoopsPass : dsc::impl::CodegenOutlineLoopsBase<OutlineLoopsPass> {
  using CodegenOutlineLoopsBase::CodegenOutlineLoopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (minCalls == 0) {
      module.emitError() << "dsc-codegen-outline-loops: min-calls must be at "
                            "least 1, not 0";
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    OpBuilder b(module.getContext());

    SmallVector<func::FuncOp> bodies;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal())
        bodies.push_back(fn);

    // The functions made so far, bucketed by signature, and their calls.
    DenseMap<Type, SmallVector<func::FuncOp>> bySignature;
    DenseMap<Operation *, unsigned> callsOf;
    for (func::FuncOp fn : bodies) {
      SmallVector<scf::ForOp> nests;
      for (Operation &op : fn.getBody().getOps())
        if (auto loop = dyn_cast<scf::ForOp>(op))
          if (loop->getNumResults() == 0)
            nests.push_back(loop);
      unsigned k = 0;
      for (scf::ForOp nest : nests) {
        Captures c = capturesOf(nest);
        SmallVector<Type> argTypes;
        for (Value v : c.args)
          argTypes.push_back(v.getType());
        auto type = b.getFunctionType(argTypes, {});

        b.setInsertionPoint(fn);
        auto outlined = func::FuncOp::create(
            b, nest.getLoc(), (fn.getName() + "_loop" + Twine(k)).str(), type);
        outlined.setPrivate();
        Block *entry = outlined.addEntryBlock();
        IRMapping map;
        for (auto [v, arg] : llvm::zip(c.args, entry->getArguments()))
          map.map(v, arg);
        b.setInsertionPointToStart(entry);
        for (Operation *op : c.clones)
          b.clone(*op, map);
        b.clone(*nest, map);
        func::ReturnOp::create(b, nest.getLoc());

        // An identical function made before takes the call instead.
        func::FuncOp callee = outlined;
        for (func::FuncOp other : bySignature[type])
          if (sameFunction(other, outlined)) {
            callee = other;
            break;
          }
        if (callee == outlined) {
          ++k;
          symbols.insert(outlined);
          bySignature[type].push_back(outlined);
        } else {
          outlined.erase();
        }
        b.setInsertionPoint(nest);
        func::CallOp::create(b, nest.getLoc(), callee,
                             SmallVector<Value>(c.args.begin(), c.args.end()));
        ++callsOf[callee];
        nest.erase();
      }
    }
    for (auto [fn, calls] : callsOf)
      if (calls >= minCalls)
        fn->setAttr("passthrough",
                    b.getArrayAttr({b.getStringAttr("noinline")}));
  }
};

} // namespace
