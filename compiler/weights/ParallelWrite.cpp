//===- ParallelWrite.cpp - quantizing and tiling weights on every core ----===//

#include "weights/ParallelWrite.h"
#include "weights/Layouts.h"
#include "weights/Quantizer.h"

#include "dsc/abi/quant_layout.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Threading.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace llvm;
using namespace mlir;
using namespace mlir::dsc;

namespace dsc {

static std::atomic<unsigned> writerThreads{0};

void setWeightWriterThreads(unsigned threads) { writerThreads = threads; }

unsigned getWeightWriterThreads() {
  unsigned t = writerThreads;
  return t ? t : std::max(1u, llvm::hardware_concurrency().compute_thread_count());
}

BlockPlan planBlocks(int64_t n, int64_t unit, unsigned threads) {
  if (n <= 0)
    return {0, 0};
  unit = std::max<int64_t>(unit, 1);
  int64_t units = (n + unit - 1) / unit;
  // A few blocks per thread even out blocks that cost more (rows of large
  // values search longer); no block is so small that its bookkeeping shows.
  int64_t want = threads <= 1 ? 1 : static_cast<int64_t>(threads) * 4;
  int64_t perBlock = std::max<int64_t>(1, (units + want - 1) / want);
  int64_t size = perBlock * unit;
  return {size, (n + size - 1) / size};
}

void parallelFor(int64_t count, llvm::function_ref<void(int64_t)> fn,
                 unsigned threads) {
  if (!threads)
    threads = getWeightWriterThreads();
  int64_t workers = std::min<int64_t>(threads, count);
  if (workers <= 1) {
    for (int64_t i = 0; i < count; ++i)
      fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  auto loop = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < count;)
      fn(i);
  };
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < workers; ++t)
    pool.emplace_back(loop);
  loop();
  for (std::thread &t : pool)
    t.join();
}

/// Rows that must stay in one block: a shared scale's rows, and tiles of 4.
static int64_t rowUnit(QTensorType type, int64_t tileRows) {
  QuantSchemeAttr s = type.getScheme();
  int64_t rows = type.getRows();
  int64_t unit = std::max<int64_t>(tileRows, 4);
  if (s.getGranularity() == Granularity::Tensor || rows % unit)
    return rows;
  if (s.getGranularity() == Granularity::Head)
    return std::lcm<int64_t>(unit, s.getBlockSize());
  return unit;
}

Error writeQuantized(QTensorType type,
                     llvm::function_ref<void(int64_t, float *)> rowOf,
                     ArrayRef<float> importance, ArrayRef<float> gptq,
                     int64_t tileRows, raw_ostream &os, unsigned threads) {
  if (!threads)
    threads = getWeightWriterThreads();
  int64_t rows = type.getRows(), cols = type.getCols();
  BlockPlan plan = planBlocks(rows, rowUnit(type, tileRows), threads);
  // The blocks' types, made here: threads only read them.
  std::vector<QTensorType> blockType(plan.count);
  for (int64_t i = 0; i < plan.count; ++i) {
    int64_t n = std::min(plan.size, rows - i * plan.size);
    blockType[i] = n == rows ? type
                             : QTensorType::get(type.getContext(), {n, cols},
                                                type.getElementType(),
                                                type.getScheme());
  }
  // IQ4_NL blocks are row by row: the blocks' bytes concatenate as tiles do,
  // and so do the plain layout's values (its scales follow all of them).
  bool ggml = type.getScheme().isGGML();
  std::vector<std::optional<QuantizedTensor>> parts(plan.count);
  std::vector<SmallVector<char, 0>> bytes(plan.count);
  std::vector<std::string> errors(plan.count);
  // Tiles are ordered by blocks of 4 rows: the blocks' bytes concatenate,
  // and go out in order as they are done, written by one thread at a time
  // (the one that finds the next block in line done) while the others
  // quantize, so that writing overlaps quantizing.
  std::mutex m;
  std::vector<char> done(plan.count, 0);
  int64_t nextOut = 0;
  bool writing = false;
  auto flush = [&](int64_t i) {
    {
      std::lock_guard<std::mutex> lock(m);
      done[i] = 1;
      if (writing)
        return;
      writing = true;
    }
    for (;;) {
      int64_t j;
      {
        std::lock_guard<std::mutex> lock(m);
        if (nextOut == plan.count || !done[nextOut] ||
            !errors[nextOut].empty()) {
          writing = false;
          return;
        }
        j = nextOut;
      }
      os.write(bytes[j].data(), bytes[j].size());
      SmallVector<char, 0>().swap(bytes[j]);
      std::lock_guard<std::mutex> lock(m);
      ++nextOut;
    }
  };
  parallelFor(
      plan.count,
      [&](int64_t i) {
        int64_t first = i * plan.size;
        auto q = quantizeRows(
            blockType[i],
            [&](int64_t r, float *out) { rowOf(first + r, out); }, importance,
            gptq);
        if (!q) {
          errors[i] = toString(q.takeError());
        } else {
          raw_svector_ostream bos(bytes[i]);
          if (ggml) {
            writeIQ4NLBlocks(*q, bos);
          } else if (tileRows) {
            writeTiledQuantized(*q, tileRows, bos);
          } else {
            writePlainValues(*q, bos);
            // The rest is written after every block's values.
            std::vector<uint8_t>().swap(q->u);
            parts[i] = std::move(*q);
          }
        }
        flush(i);
      },
      threads);
  for (const std::string &e : errors)
    if (!e.empty())
      return createStringError(inconvertibleErrorCode(), e);
  if (ggml || tileRows)
    return Error::success();
  // The plain layout's scales (and zero points, codes) after all values:
  // the blocks' per-row arrays joined in row order.
  QuantizedTensor all = *parts[0];
  all.rows = type.getRows();
  for (size_t i = 1; i < parts.size(); ++i) {
    const QuantizedTensor &p = *parts[i];
    all.scale.insert(all.scale.end(), p.scale.begin(), p.scale.end());
    all.zero.insert(all.zero.end(), p.zero.begin(), p.zero.end());
    all.code.insert(all.code.end(), p.code.begin(), p.code.end());
    all.superScale.insert(all.superScale.end(), p.superScale.begin(),
                          p.superScale.end());
  }
  writePlainScales(all, all.rows * dsc_qplain_row_bytes(all.cols, all.bits),
                   os);
  return Error::success();
}

void writeTilesParallel(const char *rowMajor, uint64_t rows, uint64_t cols,
                        uint64_t esize, TiledLayoutAttr layout,
                        raw_ostream &os, unsigned threads) {
  if (!threads)
    threads = getWeightWriterThreads();
  uint64_t tr = layout.getRows();
  BlockPlan plan = planBlocks(static_cast<int64_t>(rows / tr), 1, threads);
  std::vector<SmallVector<char, 0>> bytes(plan.count);
  parallelFor(
      plan.count,
      [&](int64_t i) {
        uint64_t first = i * plan.size * tr;
        uint64_t n = std::min<uint64_t>(plan.size * tr, rows - first);
        bytes[i].reserve(n * cols * esize);
        raw_svector_ostream bos(bytes[i]);
        writeTiles(rowMajor + first * cols * esize, n, cols, esize, layout,
                   bos);
      },
      threads);
  for (const SmallVector<char, 0> &b : bytes)
    os.write(b.data(), b.size());
}

} // namespace dsc
