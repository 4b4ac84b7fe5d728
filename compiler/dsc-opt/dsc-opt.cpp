//===- dsc-opt.cpp - dsc optimizer driver ---------------------------------===//
//
// mlir-opt for the dsc dialect: runs dsc and upstream passes on .mlir files,
// and --dsc-compile, the pipeline of dsc compile.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscDialect.h"
#include "Dsc/Transforms/GPULower.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "pipeline/Pipelines.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::dsc::DscDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::math::MathDialect, mlir::LLVM::LLVMDialect,
                  mlir::vector::VectorDialect,
                  // Input of dsc-gpu-map-row-chains' tests.
                  mlir::linalg::LinalgDialect>();
  mlir::dsc::registerCUDALowerDependencies(registry);
  mlir::registerTransformsPasses();
  mlir::dsc::registerCUDALowerPasses();
  mlir::dsc::registerDscPasses();
  mlir::dsc::registerDscPipelines();
  // dsc-compile and the passes outside the dialect it runs.
  dsc::registerCompilePipeline();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dsc optimizer driver\n", registry));
}
