//===- ByteSize.cpp - sizes as people write them --------------------------===//

#include "quant/ByteSize.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace dsc {

std::string formatByteSize(uint64_t bytes) {
  if (bytes < (1u << 20))
    return formatv("{0:F1} KiB", bytes / 1024.0).str();
  if (bytes < (1ull << 30))
    return formatv("{0:F1} MiB", bytes / 1048576.0).str();
  return formatv("{0:F2} GiB", bytes / 1073741824.0).str();
}

Expected<uint64_t> parseByteSize(StringRef text) {
  auto error = [](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(), msg);
  };
  StringRef t = text.trim();
  size_t digits = t.find_first_not_of("0123456789.");
  StringRef num = t.substr(0, digits), unit = t.substr(digits).trim();
  double v;
  if (num.empty() || num.getAsDouble(v) || v < 0)
    return error("'" + text + "' is not a size (e.g. 600MiB, 1.5GB, 4096)");
  static const std::pair<const char *, double> units[] = {
      {"", 1},         {"b", 1},           {"k", 1e3},           {"kb", 1e3},
      {"m", 1e6},      {"mb", 1e6},        {"g", 1e9},           {"gb", 1e9},
      {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}};
  std::string u = unit.lower();
  for (auto &[name, scale] : units)
    if (u == name)
      return static_cast<uint64_t>(v * scale);
  return error("'" + text + "': unknown unit '" + unit +
               "' (B, KB, MB, GB, KiB, MiB, GiB)");
}

} // namespace dsc
