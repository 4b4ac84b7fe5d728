//===- dsc.cpp - the dsc compiler driver ----------------------------------===//

#include "driver/Commands.h"
#include "pipeline/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Config/llvm-config.h"
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

static void printVersion(raw_ostream &os) {
  os << "dsc " << DSC_VERSION << " (LLVM " << LLVM_VERSION_STRING << ")\n";
  auto native = dsc::lookupTarget("native");
  if (native)
    os << "  --target native: " << native->name << "\n";
  else
    consumeError(native.takeError());
}

/// The dsc subcommands, each with the category its options are listed under.
struct DscSubcommand {
  cl::SubCommand *sub;
  cl::OptionCategory *category;
};

static std::vector<DscSubcommand> &dscSubcommands() {
  static cl::OptionCategory compileCat("dsc compile options"),
      evalCat("dsc eval options"), adviseCat("dsc advise options"),
      importCat("dsc import options"),
      tokenizeCat("dsc tokenize options"), targetsCat("dsc targets options");
  static std::vector<DscSubcommand> subs = {{&dsc::compileCmd, &compileCat},
                                            {&dsc::evalCmd, &evalCat},
                                            {&dsc::adviseCmd, &adviseCat},
                                            {&dsc::importCmd, &importCat},
                                            {&dsc::tokenizeCmd, &tokenizeCat},
                                            {&dsc::targetsCmd, &targetsCat}};
  return subs;
}

/// `dsc --help` lists dsc's options, not the hundreds LLVM's libraries
/// register (`--amdgpu-...`); those stay reachable with `--help-hidden`.
static void organizeHelp() {
  for (DscSubcommand &s : dscSubcommands())
    for (auto &entry : cl::getRegisteredOptions(*s.sub))
      if (llvm::is_contained(entry.second->Categories,
                             &cl::getGeneralCategory()))
        entry.second->addCategory(*s.category);
  // --help, --help-list and --version are in LLVM's generic category,
  // which is not exported: take it from --help.
  auto &top = cl::getRegisteredOptions();
  cl::Option *help = top.lookup("help");
  if (!help)
    return;
  const cl::OptionCategory *generic = help->Categories.front();
  for (auto &entry : top) {
    cl::Option *o = entry.second;
    if (!llvm::is_contained(o->Categories, generic) &&
        o->getOptionHiddenFlag() == cl::NotHidden)
      o->setHiddenFlag(cl::Hidden);
  }
}

/// The subcommand argv names (the top level when none).
static cl::SubCommand *subcommandOf(int argc, char **argv) {
  if (argc < 2)
    return &cl::SubCommand::getTopLevel();
  for (DscSubcommand &s : dscSubcommands())
    if (s.sub->getName() == argv[1])
      return s.sub;
  return &cl::SubCommand::getTopLevel();
}

/// LLVM answers an option of another subcommand with a guess among this
/// one's ("Did you mean '--quiet=external'?" for `dsc eval
/// --weights=external`); say instead which command takes it.
static bool checkForeignOptions(int argc, char **argv) {
  cl::SubCommand *sub = subcommandOf(argc, argv);
  auto &own = cl::getRegisteredOptions(*sub);
  auto &top = cl::getRegisteredOptions();
  StringRef cmd = sub == &cl::SubCommand::getTopLevel() ? "" : sub->getName();
  for (int i = sub == &cl::SubCommand::getTopLevel() ? 1 : 2; i < argc; ++i) {
    StringRef arg = argv[i];
    if (arg == "--")
      break;
    if (!arg.starts_with("-") || arg == "-")
      continue;
    StringRef name = arg.ltrim('-').split('=').first;
    if (cl::Option *o = own.lookup(name)) {
      // A value in the next argument (`-o -`, `--max-seq-len -5`).
      if (!arg.contains('=') && o->getValueExpectedFlag() == cl::ValueRequired)
        ++i;
      continue;
    }
    if (top.count(name))
      continue;
    std::string takers;
    for (DscSubcommand &s : dscSubcommands())
      if (s.sub != sub && cl::getRegisteredOptions(*s.sub).count(name))
        takers += (takers.empty() ? "'dsc " : ", 'dsc ") +
                  s.sub->getName().str() + "'";
    if (takers.empty())
      continue; // unknown everywhere: LLVM's message and guess
    WithColor::error(errs(), "dsc")
        << (name.size() == 1 ? "-" : "--") << name << " is an option of "
        << takers << ", not of 'dsc" << (cmd.empty() ? "" : " ") << cmd
        << "'; see 'dsc" << (cmd.empty() ? "" : " ") << cmd << " --help'\n";
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  organizeHelp();
  cl::SetVersionPrinter(printVersion);
  if (!checkForeignOptions(argc, argv))
    return 1;
  cl::ParseCommandLineOptions(argc, argv,
                              "dsc: ahead-of-time compiler for transformer "
                              "language models\n");
  if (versionCmd) {
    printVersion(outs());
    return 0;
  }
  if (dsc::compileCmd)
    return dsc::runCompile();
  if (dsc::importCmd)
    return dsc::runImport();
  if (dsc::evalCmd)
    return dsc::runEval();
  if (dsc::adviseCmd)
    return dsc::runAdvise();
  if (dsc::tokenizeCmd)
    return dsc::runTokenize();
  if (dsc::targetsCmd)
    return dsc::runTargets();
  errs() << "dsc: no subcommand given; see 'dsc --help'\n";
  return 1;
}
