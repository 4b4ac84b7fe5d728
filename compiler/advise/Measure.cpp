//===- Measure.cpp - a profile of this machine ----------------------------===//

#include "advise/Measure.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Threading.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

using namespace llvm;

namespace dsc::advise {

/// Sums 64-bit words in four explicit 32-byte vectors (GCC/Clang vector
/// extensions; two 16-byte registers each where 32-byte ones are absent).
/// A plain loop over an array of accumulators is what the compiler makes of
/// it: its vectorizer turned that into one vector and four scalar loads per
/// 64 bytes, which read memory 20-30% slower than bench/bandwidth.c's
/// 256-bit loads and the decode kernels, so every streaming efficiency came
/// out above 1.
typedef uint64_t Words4 __attribute__((vector_size(32)));
#define DSC_SUM_WORDS_BODY                                                     \
  Words4 a0 = {}, a1 = {}, a2 = {}, a3 = {};                                   \
  size_t i = 0;                                                                \
  for (; i + 16 <= n; i += 16) {                                               \
    Words4 x0, x1, x2, x3;                                                     \
    std::memcpy(&x0, p + i, 32);                                               \
    std::memcpy(&x1, p + i + 4, 32);                                           \
    std::memcpy(&x2, p + i + 8, 32);                                           \
    std::memcpy(&x3, p + i + 12, 32);                                          \
    a0 += x0;                                                                  \
    a1 += x1;                                                                  \
    a2 += x2;                                                                  \
    a3 += x3;                                                                  \
  }                                                                            \
  uint64_t s = 0;                                                              \
  for (; i < n; ++i)                                                           \
    s += p[i];                                                                 \
  Words4 t = a0 + a1 + a2 + a3;                                                \
  for (int k = 0; k < 4; ++k)                                                  \
    s += t[k];                                                                 \
  return s;

static uint64_t sumWordsBaseline(const uint64_t *p, size_t n) {
  DSC_SUM_WORDS_BODY
}

#if defined(__x86_64__)
// dsc itself is built for baseline x86-64 (16-byte loads); hosts with AVX2
// read with 32-byte loads, as the kernels do.
__attribute__((target("avx2"))) static uint64_t sumWordsAVX2(const uint64_t *p,
                                                             size_t n) {
  DSC_SUM_WORDS_BODY
}
#endif
#undef DSC_SUM_WORDS_BODY

static uint64_t sumWords(const uint64_t *p, size_t n) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2"))
    return sumWordsAVX2(p, n);
#endif
  return sumWordsBaseline(p, n);
}

double measureReadBandwidth(uint64_t bytes, unsigned threads, int passes) {
  threads = std::max(threads, 1u);
  size_t words = std::max<size_t>(bytes / 8, 8 * threads);
  std::unique_ptr<uint64_t[]> buf(new uint64_t[words]);
  // Touched first, so that page faults are not timed.
  std::memset(buf.get(), 1, words * 8);
  // A small buffer is summed several times per pass, so that starting the
  // threads (tens of microseconds) is not what is timed.
  int inner = static_cast<int>(
      std::clamp<uint64_t>((64ull << 20) / (words * 8), 1, 1000));
  std::atomic<uint64_t> sink{0};
  double best = 0;
  for (int pass = 0; pass < passes; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        size_t b = words * t / threads, e = words * (t + 1) / threads;
        uint64_t s = 0;
        for (int i = 0; i < inner; ++i) {
          // The buffer "may have changed": the sum is not hoisted.
          asm volatile("" : : "r"(buf.get()) : "memory");
          s += sumWords(buf.get() + b, e - b);
        }
        sink += s;
      });
    for (std::thread &th : pool)
      th.join();
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    best = std::max(best, static_cast<double>(words * 8) * inner / s / 1e9);
  }
  // The sum is used, or the loads could go.
  if (sink.load() == 42)
    best += 1e-12;
  return best;
}

/// The size of cpu0's cache at `wantLevel` (0: the largest level) from
/// sysfs (Linux); 0 when unknown.
static uint64_t cacheSize(int wantLevel = 0) {
  uint64_t best = 0;
  int bestLevel = 0;
  for (int i = 0; i < 8; ++i) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    auto level = MemoryBuffer::getFileAsStream(dir + "level");
    auto size = MemoryBuffer::getFileAsStream(dir + "size");
    if (!level || !size)
      break;
    int l = 0;
    StringRef sz = (*size)->getBuffer().trim();
    uint64_t v = 0;
    if (StringRef((*level)->getBuffer()).trim().getAsInteger(10, l))
      continue;
    uint64_t scale = 1;
    if (sz.consume_back("K"))
      scale = 1024;
    else if (sz.consume_back("M"))
      scale = 1 << 20;
    if (sz.getAsInteger(10, v))
      continue;
    if (wantLevel ? l == wantLevel : l >= bestLevel) {
      bestLevel = l;
      best = v * scale;
    }
  }
  return best;
}

/// MemAvailable from /proc/meminfo, or 0.
static uint64_t memAvailable() {
  auto text = MemoryBuffer::getFileAsStream("/proc/meminfo");
  if (!text)
    return 0;
  SmallVector<StringRef> lines;
  (*text)->getBuffer().split(lines, '\n');
  for (StringRef line : lines)
    if (line.consume_front("MemAvailable:")) {
      uint64_t kb = 0;
      if (!line.trim().drop_back(2).trim().getAsInteger(10, kb))
        return kb * 1024;
    }
  return 0;
}

/// The clock of the first CPU in /proc/cpuinfo, GHz; 2 when unknown.
static double cpuGHz() {
  auto text = MemoryBuffer::getFileAsStream("/proc/cpuinfo");
  if (!text)
    return 2.0;
  SmallVector<StringRef> lines;
  (*text)->getBuffer().split(lines, '\n');
  for (StringRef line : lines)
    if (line.starts_with("cpu MHz")) {
      double mhz = 0;
      if (!line.split(':').second.trim().getAsDouble(mhz) && mhz > 0)
        return mhz / 1000;
    }
  return 2.0;
}

DeviceProfile measureHost(unsigned threads,
                          function_ref<void(StringRef)> status) {
  DeviceProfile p;
  p.name = "host";
  p.description = sys::getHostCPUName().str() + ", " +
                  Triple(sys::getProcessTriple()).getArchName().str();
  p.target = "native";
  p.kind = "cpu";
  if (threads == 0)
    threads = std::max(1u, llvm::hardware_concurrency().compute_thread_count());
  p.cores = static_cast<int>(threads);
  for (const auto &f : sys::getHostCPUFeatures())
    if (f.second)
      p.features.push_back(f.first().str());
  llvm::sort(p.features);
  p.memBytes = memAvailable();
  p.cacheBytes = cacheSize();
  p.l2Bytes = cacheSize(2);
  // Four times the last-level cache (the DRAM figure), at least 256 MiB,
  // and at most a quarter of what is available.
  uint64_t big = std::max<uint64_t>(4 * p.cacheBytes, 256ull << 20);
  if (p.memBytes)
    big = std::min<uint64_t>(big, p.memBytes / 4);
  big = std::min<uint64_t>(big, 1ull << 30);
  status("measuring the memory bandwidth (" + std::to_string(big >> 20) +
         " MiB, " + std::to_string(threads) + " threads)");
  p.bandwidthGBs = measureReadBandwidth(big, threads, 5);
  if (p.cacheBytes) {
    // A quarter of the cache, at most 8 MiB (where the cache shared with
    // other cores is largest, some of it is theirs), read many times: what
    // weights that stay in it are read at.
    uint64_t small = std::clamp<uint64_t>(p.cacheBytes / 4, 64 << 10, 8 << 20);
    status("measuring the cache bandwidth");
    p.cacheBandwidthGBs = measureReadBandwidth(small, threads, 10);
    // A virtual machine's share of a large shared cache can be far less
    // than sysfs says: halve the buffer from half the cache until it reads
    // nearer the cache's rate than memory's; twice that is the cache
    // counted (the cost model counts half of it).
    double mid = (p.bandwidthGBs + p.cacheBandwidthGBs) / 2;
    uint64_t fits = small;
    for (uint64_t b = std::min<uint64_t>(p.cacheBytes / 2, big / 2);
         b > small && p.cacheBandwidthGBs > p.bandwidthGBs; b /= 2) {
      status("measuring the cache's size (" + std::to_string(b >> 20) +
             " MiB)");
      if (measureReadBandwidth(b, threads, 3) >= mid) {
        fits = b;
        break;
      }
    }
    p.cacheBytes = std::min<uint64_t>(p.cacheBytes, 2 * fits);
  }
  if (p.l2Bytes) {
    // Half of each thread's L2, read many times.
    uint64_t l2buf = p.l2Bytes / 2 * threads;
    status("measuring the L2 bandwidth");
    p.l2BandwidthGBs = measureReadBandwidth(l2buf, threads, 10);
  }
  // Sustained compute as the built-in profiles count it: half the peak
  // FMA rate of the widest vectors the features name, at the clock
  // /proc/cpuinfo reports.
  bool has512 = llvm::is_contained(p.features, "avx512f");
  bool has256 = llvm::is_contained(p.features, "avx2") &&
                llvm::is_contained(p.features, "fma");
  bool hasNeon = llvm::is_contained(p.features, "neon");
  double flopsPerCycle = has512 ? 64 : has256 ? 32 : hasNeon ? 16 : 8;
  p.gflops = 0.5 * flopsPerCycle * cpuGHz() * threads;
  p.source = "dsc advise --measure";
  return p;
}

} // namespace dsc::advise
