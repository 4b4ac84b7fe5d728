//===- SanitizeBuild.h - the error for a dsc without ASan runtimes -*- C++ -*-===//

#ifndef DSC_PIPELINE_SANITIZEBUILD_H
#define DSC_PIPELINE_SANITIZEBUILD_H

#include "llvm/Support/Error.h"

namespace dsc {

/// dsc compile --sanitize needs kernels and a runtime built with the
/// sanitizers; a dsc configured without them says how to get them.
inline llvm::Error noSanitizeBuild() {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "--sanitize: this dsc was built without the "
                                 "sanitizer runtime (configure with "
                                 "-DDSC_SANITIZE_RUNTIME=ON; needs "
                                 "libclang-rt-22-dev)");
}

} // namespace dsc

#endif
