//===- TargetsCmd.cpp - dsc targets ---------------------------------------===//
//
// Lists the target registry (targets/registry): what `--target` takes.
//
//===----------------------------------------------------------------------===//

#include "driver/Commands.h"
#include "pipeline/Target.h"
#include "registry/CUDATargets.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace dsc {

cl::SubCommand targetsCmd("targets",
                          "List the targets --target takes, with their CPU "
                          "and features");

int runTargets() {
  auto native = lookupTarget("native");
  std::string nativeName = native ? native->name : "";
  if (!native)
    consumeError(native.takeError());
  for (const TargetDesc &t : mlir::dsc::getTargetRegistry()) {
    std::string name = t.name;
    if (!t.aliases.empty())
      name += " (" + join(t.aliases, ", ") + ")";
    outs() << name << (t.name == nativeName ? "  [native here]" : "") << "\n"
           << "    " << t.description << "\n"
           << "    triple " << t.triple << ", -mcpu=" << t.cpu;
    if (!t.features.empty())
      outs() << ", -mattr=" << t.features;
    const mlir::dsc::CUDADevice *gpu = mlir::dsc::getCUDADevice(t);
    if (gpu)
      outs() << "; device cuda " << gpu->chip << " (PTX " << gpu->ptxVersion()
             << ")";
    outs() << "\n    needs "
           << (t.hostFeatures.empty() ? std::string("no CPU extension")
                                      : join(t.hostFeatures, " "))
           << (gpu ? " and an NVIDIA GPU" : "") << "; weights "
           << join(t.weightTypes, " ") << ", int";
    for (size_t i = 0; i < t.quantBits.size(); ++i)
      outs() << (i ? "/" : "") << t.quantBits[i];
    if (!t.ggmlFormats.empty())
      outs() << "; GGUF blocks " << join(t.ggmlFormats, " ");
    outs() << "; runs here: " << (hostCanRun(t) ? "yes" : "no") << "\n";
  }
  return 0;
}

} // namespace dsc
