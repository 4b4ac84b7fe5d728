//===- ParallelWrite.h - quantizing and tiling weights on every core -*- C++ -*-===//
//
// The weight writer's work per tensor split into blocks of rows, run on a
// number of threads and written in order: the bytes are those of the serial
// quantizer and layout functions, whatever the thread count (each block is
// quantized and laid out by them, on its own rows).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_PARALLELWRITE_H
#define DSC_WEIGHTS_PARALLELWRITE_H

#include "Dsc/IR/DscAttrs.h"
#include "Dsc/IR/DscTypes.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace dsc {

/// Threads the weight writer uses; 0 (the default) means one per core.
void setWeightWriterThreads(unsigned threads);
unsigned getWeightWriterThreads();

/// How [0, n) is cut for `threads` threads: blocks of `size` items (a
/// multiple of `unit`, the last one shorter), `count` of them.
struct BlockPlan {
  int64_t size, count;
};
BlockPlan planBlocks(int64_t n, int64_t unit, unsigned threads);

/// Runs fn(i) for i in [0, count) on up to `threads` threads, each taking
/// the next i in turn.
void parallelFor(int64_t count, llvm::function_ref<void(int64_t)> fn,
                 unsigned threads);

/// Quantizes a weight of `type` (rows from `rowOf`, which must be safe to
/// call from several threads) and writes it in the plain layout or, with
/// `tileRows` (4 or 16), as tiles of that many rows (Layouts.h). Rows are
/// quantized in blocks on `threads` threads (0: getWeightWriterThreads()); per
/// tensor scales are quantized on one. `gptq` is quantizeRows's (rows are
/// rounded independently, so the blocks stay the serial bytes).
llvm::Error writeQuantized(mlir::dsc::QTensorType type,
                           llvm::function_ref<void(int64_t, float *)> rowOf,
                           llvm::ArrayRef<float> importance,
                           llvm::ArrayRef<float> gptq, int64_t tileRows,
                           llvm::raw_ostream &os, unsigned threads = 0);

/// writeTiles (Layouts.h) with blocks of tile rows laid out on `threads`
/// threads and written in one piece each.
void writeTilesParallel(const char *rowMajor, uint64_t rows, uint64_t cols,
                        uint64_t esize, mlir::dsc::TiledLayoutAttr layout,
                        llvm::raw_ostream &os, unsigned threads = 0);

} // namespace dsc

#endif
