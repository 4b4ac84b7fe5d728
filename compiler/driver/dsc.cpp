//===- dsc.cpp - the dsc compiler driver ----------------------------------===//

#include "driver/Commands.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::SubCommand versionCmd("version", "Print the dsc and LLVM versions");

int dsc::reportError(Error err) {
  handleAllErrors(std::move(err), [](const ErrorInfoBase &e) {
    WithColor::error(errs(), "dsc") << e.message() << "\n";
  });
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "dsc: ahead-of-time compiler for transformer "
                              "language models\n");
  if (versionCmd) {
    outs() << "dsc " << DSC_VERSION << " (LLVM " << LLVM_VERSION_STRING
           << ")\n";
    return 0;
  }
  if (dsc::compileCmd)
    return dsc::runCompile();
  if (dsc::importCmd)
    return dsc::runImport();
  if (dsc::evalCmd)
    return dsc::runEval();
  if (dsc::tokenizeCmd)
    return dsc::runTokenize();
  errs() << "dsc: no subcommand given; see 'dsc --help'\n";
  return 1;
}
