//===- Measure.h - a profile of this machine --------------------*- C++ -*-===//
//
// `dsc advise --measure`: the streaming read bandwidth of all cores (as
// bench/bandwidth.c measures it: each thread sums its share of a buffer
// larger than the caches, best of several passes), the same from a buffer
// that fits the last-level cache, the memory available, the cores and the
// CPU's features.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ADVISE_MEASURE_H
#define DSC_ADVISE_MEASURE_H

#include "advise/DeviceProfile.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace dsc::advise {

/// Best streaming read bandwidth, 10^9 bytes/s, of `threads` threads
/// summing a `bytes` buffer `passes` times.
double measureReadBandwidth(uint64_t bytes, unsigned threads, int passes);

/// The host's profile with `threads` threads (0: all the CPUs available):
/// everything but layerOverheadUs, which needs a compiled model (the driver
/// measures it). `status` is told what is being measured.
DeviceProfile measureHost(unsigned threads,
                          llvm::function_ref<void(llvm::StringRef)> status);

} // namespace dsc::advise

#endif
