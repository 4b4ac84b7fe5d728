//===- Errors.h - user-facing errors ----------------------------*- C++ -*-===//
//
// Every error about user input names the file (and the field) it concerns:
// "<file>: <field>: <what is wrong>".
//
//===----------------------------------------------------------------------===//

#ifndef DSC_SUPPORT_ERRORS_H
#define DSC_SUPPORT_ERRORS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace dsc {

inline llvm::Error fileError(const llvm::Twine &file, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (file + ": " + what).str());
}

} // namespace dsc

#endif
