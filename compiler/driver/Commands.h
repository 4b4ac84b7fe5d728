//===- Commands.h - dsc subcommands -----------------------------*- C++ -*-===//

#ifndef DSC_DRIVER_COMMANDS_H
#define DSC_DRIVER_COMMANDS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace dsc {

extern llvm::cl::SubCommand tokenizeCmd;
int runTokenize();
extern llvm::cl::SubCommand compileCmd;
int runCompile();
extern llvm::cl::SubCommand importCmd;
int runImport();
extern llvm::cl::SubCommand evalCmd;
int runEval();
extern llvm::cl::SubCommand adviseCmd;
int runAdvise();

extern llvm::cl::SubCommand targetsCmd;
int runTargets();

/// Prints "dsc: error: <message>" and returns the exit code 1.
int reportError(llvm::Error err);

} // namespace dsc

#endif
