//===- Advise.cpp - measuring the variants and choosing one ---------------===//

#include "driver/Advise.h"
#include "advise/Measure.h"
#include "driver/Evaluate.h"
#include "frontend/Synthetic.h"
#include "pipeline/Codegen.h"
#include "pipeline/HostRun.h"
#include "pipeline/Pipelines.h"
#include "pipeline/Target.h"
#include "pipeline/TempFiles.h"
#include "pipeline/TextInput.h"
#include "quant/ByteSize.h"
#include "support/Errors.h"
#include "support/Progress.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"

#include <algorithm>
#include <map>
#include <tuple>

using namespace llvm;
using namespace dsc::advise;

namespace dsc {

static Error usageError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

namespace {
/// A candidate: what compile is given for it.
struct Spec {
  const char *id;
  const char *quantize; // "" for the stored precision
  const char *prune;    // "" for none
};
} // namespace

// Pruning ratios as docs/pruning.md measured them: 10% of the FFN loses
// little, 25% of FFN and heads is the middle, 40% of the FFN and half the
// heads the most a model survives without retraining.
static const Spec kSpecs[] = {
    {"full", "", ""},
    {"int8", "int8:channel", ""},
    {"int4-g128", "int4:group=128", ""},
    {"int4-g32", "int4:group=32", ""},
    {"prune-10", "", "ffn=0.1"},
    {"prune-25", "", "ffn=0.25,heads=0.25"},
    {"prune-40", "", "ffn=0.4,heads=0.5"},
    {"prune-10+int8", "int8:channel", "ffn=0.1"},
    {"prune-10+int4-g32", "int4:group=32", "ffn=0.1"},
    {"prune-25+int4-g32", "int4:group=32", "ffn=0.25,heads=0.25"},
};
// Mixed precision at the device's budget: one per distinct budget.
static constexpr StringLiteral kAutoId = "auto";

std::vector<std::string> candidateIds() {
  std::vector<std::string> ids;
  for (const Spec &s : kSpecs)
    ids.push_back(s.id);
  ids.push_back(kAutoId.str());
  return ids;
}

Expected<std::vector<std::string>> parseCandidateIds(StringRef list,
                                                     StringRef option) {
  std::vector<std::string> out;
  SmallVector<StringRef> ids;
  list.split(ids, ',', -1, false);
  std::vector<std::string> known = candidateIds();
  for (StringRef id : ids) {
    if (!llvm::is_contained(known, id.trim()))
      return usageError(option + ": unknown candidate '" + id.trim() +
                        "' (known: " + join(known, ", ") + ")");
    out.push_back(id.trim().str());
  }
  if (!out.empty() && !llvm::is_contained(out, "full"))
    return usageError(option + " must include full: the other candidates "
                               "are measured against it");
  return out;
}

/// The flags that compile a candidate ("" for the stored precision).
static std::string flagsOf(StringRef quantize, StringRef prune,
                           StringRef budget) {
  std::string f;
  if (!prune.empty())
    f += "--prune " + prune.str();
  if (!quantize.empty())
    f += (f.empty() ? "" : " ") + ("--quantize " + quantize).str();
  if (!budget.empty())
    f += " --mem-budget " + budget.str();
  if (!f.empty())
    f += " --calib TEXT";
  return f;
}

Expected<uint64_t> parseMemOption(StringRef option, StringRef value) {
  if (value.trim().starts_with("-"))
    return usageError("--" + option + " " + value +
                      ": memory must be a positive size, e.g. 4GiB");
  auto b = parseByteSize(value);
  if (!b)
    return usageError("--" + option + ": " + toString(b.takeError()));
  if (*b == 0)
    return usageError("--" + option + " " + value +
                      ": memory must be a positive size, e.g. 4GiB");
  return *b;
}

Expected<DeviceProfile> resolveDevice(StringRef name,
                                      std::optional<uint64_t> mem,
                                      double bandwidth, StringRef target) {
  if (name == "custom") {
    DeviceProfile p;
    p.name = "custom";
    p.description = "given on the command line";
    if (!mem)
      return usageError("--device custom needs --mem SIZE");
    if (bandwidth <= 0)
      return usageError("--device custom needs --bandwidth GB/S (a positive "
                        "number: the memory's streaming read rate)");
    if (target.empty())
      return usageError("--device custom needs --target T (the dsc target "
                        "that compiles for it; see 'dsc targets')");
    p.memBytes = *mem;
    p.bandwidthGBs = bandwidth;
    p.target = target.str();
    // Unknown: the laptop profile's per-layer cost and compute per GB/s.
    const DeviceProfile *laptop = findBuiltinProfile("x86-laptop");
    p.layerOverheadUs = laptop->layerOverheadUs;
    p.gflops = laptop->gflops / laptop->bandwidthGBs * bandwidth;
    p.source = "--device custom";
    if (Error e = checkProfile(p, "--device custom"))
      return std::move(e);
    return p;
  }
  if (bandwidth > 0 || !target.empty())
    return usageError(Twine(bandwidth > 0 ? "--bandwidth" : "--target") +
                      " needs --device custom (a built-in or measured "
                      "profile has its own)");
  if (const DeviceProfile *p = findBuiltinProfile(name))
    return *p;
  if (name.ends_with(".json") || sys::fs::exists(name)) {
    auto buf = MemoryBuffer::getFile(name, /*IsText=*/true);
    if (!buf)
      return fileError(name, buf.getError().message());
    return profileFromJSON((*buf)->getBuffer(), name);
  }
  return usageError("--device " + name + ": unknown device (built-in: " +
                    DeviceProfile::builtinNames() +
                    "; or custom, or a profile .json from 'dsc advise "
                    "--measure')");
}

namespace {
/// What an executable's timing line says (tokens/s).
struct Rates {
  double prefill = 0, decode = 0;
};
} // namespace

/// The median rates of `runs` runs of `exe` with `args` (and -t
/// `threads`), the runs generating `minGenerated` tokens at least.
static Expected<Rates> timeRuns(StringRef exe, ArrayRef<std::string> args,
                                int threads, int64_t minGenerated,
                                StringRef errFile, int runs = 3) {
  std::vector<double> pre, gen;
  for (int run = 0; run < runs; ++run) {
    std::vector<std::string> all = {exe.str(), "--temp", "0"};
    all.insert(all.end(), args.begin(), args.end());
    if (threads > 0)
      all.insert(all.end(), {"-t", std::to_string(threads)});
    SmallVector<StringRef> argv(all.begin(), all.end());
    std::optional<StringRef> redirects[] = {StringRef(""), StringRef(""),
                                            StringRef(errFile)};
    std::string err;
    bool failed = false;
    sys::ProcessInfo pi = sys::ExecuteNoWait(exe, argv, std::nullopt, redirects,
                                             0, &err, &failed);
    if (failed)
      return createStringError(inconvertibleErrorCode(),
                               exe + ": cannot run: " + err);
    registerChildProcess(pi.Pid);
    sys::ProcessInfo done = sys::Wait(pi, std::nullopt, &err);
    unregisterChildProcess(pi.Pid);
    auto text = MemoryBuffer::getFile(errFile, /*IsText=*/true);
    std::string out = text ? (*text)->getBuffer().str() : "";
    SmallVector<StringRef> m;
    if (done.ReturnCode != 0 ||
        !Regex("prompt ([0-9]+) tokens ([0-9.]+) tok/s \\| generation "
               "([0-9]+) tokens ([0-9.]+) tok/s")
             .match(out, &m))
      return createStringError(
          inconvertibleErrorCode(),
          exe + ": timing run failed: " + StringRef(out).trim());
    double p = 0, r = 0;
    int64_t generated = 0;
    m[2].getAsDouble(p);
    m[3].getAsInteger(10, generated);
    m[4].getAsDouble(r);
    // Too few tokens (an early end of text) time the start, not decoding.
    if (generated < minGenerated || !(r > 0))
      return createStringError(inconvertibleErrorCode(),
                               exe + ": the timing run generated " +
                                   Twine(generated) +
                                   " tokens (an end of text); too few to time");
    pre.push_back(p);
    gen.push_back(r);
  }
  llvm::sort(pre);
  llvm::sort(gen);
  return Rates{pre[pre.size() / 2], gen[gen.size() / 2]};
}

/// Decode tokens/s of a compiled executable on this host: the median of
/// `runs` runs generating from BOS to `positions` positions.
static Expected<double> timeDecode(StringRef exe, int64_t positions,
                                   int threads, StringRef errFile,
                                   int runs = 3) {
  auto r = timeRuns(exe, {"-n", std::to_string(positions)}, threads,
                    std::min<int64_t>(16, positions - 1), errFile, runs);
  if (!r)
    return r.takeError();
  return r->decode;
}

/// The cost model's view of a laid-out module.
static VariantLayout layoutOf(mlir::ModuleOp m, const TargetDesc &target,
                              uint64_t codeBytes) {
  VariantLayout v;
  auto c = mlir::dsc::getModelConfig(m);
  v.shape =
      ModelShape{c.getNLayers(),   c.getDim(),       c.getHiddenDim(),
                 c.getNHeads(),    c.getNKvHeads(),  c.getHeadDim(),
                 c.getVocabSize(), c.getMaxSeqLen(), c.getTieEmbeddings()};
  v.weightsBytes = static_cast<uint64_t>(
      m->getAttrOfType<mlir::IntegerAttr>(mlir::dsc::kWeightsSizeAttr)
          .getInt());
  v.codeBytes = codeBytes;
  v.kvElemBytes = target.kvCacheType == "f16" ? 2 : 4;
  std::vector<std::pair<uint64_t, WeightInfo>> byOffset;
  for (auto g : m.getOps<mlir::dsc::GlobalOp>()) {
    WeightInfo w;
    w.name = g.getSymName().str();
    auto type = g.getShapedType();
    w.elements = type.getNumElements();
    w.embedding = w.name == "token_embd";
    if (type.getRank() == 2) {
      w.rows = type.getDimSize(0);
      w.cols = type.getDimSize(1);
    }
    if (auto q = dyn_cast<mlir::dsc::QTensorType>(g.getType())) {
      auto s = q.getScheme();
      w.format = s.isGGML()         ? WeightFormat::Other
                 : s.getBits() == 8 ? WeightFormat::Int8
                 : s.getBits() == 4 ? WeightFormat::Int4
                                    : WeightFormat::Other;
      // The kernels' group is the tile's width (CodegenLowerKernels).
      if (auto tiled = g.getLayoutAttr())
        w.group = tiled.getCols();
    }
    byOffset.push_back({g.getOffset().value_or(0), std::move(w)});
  }
  llvm::sort(byOffset, [](auto &a, auto &b) { return a.first < b.first; });
  for (size_t i = 0; i < byOffset.size(); ++i) {
    uint64_t end =
        i + 1 < byOffset.size() ? byOffset[i + 1].first : v.weightsBytes;
    byOffset[i].second.bytes = end - byOffset[i].first;
    v.weights.push_back(std::move(byOffset[i].second));
  }
  return v;
}

namespace {
/// A candidate measured on this host.
struct Measured {
  std::string id, flags, quantize, prune;
  uint64_t budget = 0; // auto's
  Quality quality;
  StringMap<VariantLayout> layouts; // by target name
  double measuredTokS = 0;
};

/// State shared by the candidates' measurements.
class Session {
public:
  Session(const AdviseRequest &req) : req(req), status(!req.base.quiet) {}
  Error init();
  Expected<Measured> measure(StringRef id, StringRef quantize, StringRef prune,
                             uint64_t budget);
  /// The reports, auto candidates measured as the devices need them.
  Expected<std::vector<DeviceReport>> decideAll();

  const AdviseRequest &req;
  ProgressLine status;
  int calibrations = 0; // calibration runs (statistics collected)

private:
  mlir::MLIRContext ctx;
  TargetDesc host;
  std::vector<TargetDesc> targets; // the devices' targets dsc has
  TempPath dir;
  std::string calibHalf, heldOut, refExe;
  std::vector<int32_t> ids;
  int64_t vocab = 0, window = 0, ctxTokens = 0;
  int built = 0;
  // Pruned models (after pruneModel), by --prune spec, with the files of
  // their refitted weights: each ratio is pruned once and quantized from
  // there as the candidates ask.
  std::map<std::string, std::pair<mlir::OwningOpRef<mlir::ModuleOp>, TempPath>>
      pruned;
  std::vector<Measured> measured;
  // Calibration statistics by --prune spec ("": none), as files.
  std::map<std::string, std::string> calibStats;
  // By the budget, and the device's memory and target that the
  // measurement was fitted to (below).
  using AutoKey = std::tuple<uint64_t, uint64_t, std::string>;
  std::map<AutoKey, Measured> autos;
  std::map<AutoKey, std::string> autoErrors;
  std::vector<std::string> notes;
};
} // namespace

/// Splits the text's lines in two halves (at a space when it is one line).
static Error splitText(StringRef path, StringRef first, StringRef second) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return fileError(path, buf.getError().message());
  StringRef text = (*buf)->getBuffer();
  if (Error e = checkIsText(path, text))
    return e;
  // At the line break nearest the middle after it, else before it, else
  // at a space; a cut that leaves either half empty is no cut.
  size_t mid = text.size() / 2;
  auto usable = [&](size_t at) {
    return at != StringRef::npos && at > 0 && at + 1 < text.rtrim().size();
  };
  size_t cut = StringRef::npos;
  for (size_t at : {text.find('\n', mid), text.rfind('\n', mid),
                    text.find(' ', mid), text.rfind(' ', mid)})
    if (!usable(cut) && usable(at))
      cut = at;
  if (!usable(cut))
    return fileError(path, "too short to split into a calibration and a "
                           "held-out half");
  for (auto [file, part] : {std::pair{first, text.substr(0, cut + 1)},
                            std::pair{second, text.substr(cut + 1)}}) {
    std::error_code ec;
    raw_fd_ostream os(file, ec);
    if (ec)
      return fileError(file, ec.message());
    os << part;
  }
  return Error::success();
}

Error Session::init() {
  auto h = lookupTarget("native");
  if (!h)
    return h.takeError();
  host = *h;
  for (const DeviceProfile &d : req.devices) {
    auto t = lookupTarget(d.target == "native" ? StringRef(host.name)
                                               : StringRef(d.target));
    if (!t) {
      consumeError(t.takeError());
      continue;
    }
    if (llvm::none_of(targets,
                      [&](const TargetDesc &x) { return x.name == t->name; }))
      targets.push_back(*t);
  }
  auto d = createTempDirectory("dsc-advise");
  if (!d)
    return d.takeError();
  dir = std::move(*d);
  calibHalf = dir.child("calib.txt");
  heldOut = dir.child("heldout.txt");
  if (!req.predictOnly)
    if (Error e = splitText(req.calib, calibHalf, heldOut))
      return e;
  // Quiet: the notes of loading (the tokenizer found) would be said once
  // per candidate.
  ModelSettings quiet = req.base;
  quiet.quiet = true;
  auto loaded = loadModel(ctx, req.input, quiet);
  if (!loaded)
    return loaded.takeError();
  auto config = mlir::dsc::getModelConfig(**loaded);
  vocab = config.getVocabSize();
  window = std::min<int64_t>(req.evalCtx, config.getMaxSeqLen());
  ctxTokens = req.ctx > 0 ? req.ctx : config.getMaxSeqLen();
  if (req.predictOnly)
    return Error::success();
  auto tokens = tokenizeTextFile(**loaded, heldOut, 2,
                                 "advise (the second half of --calib)");
  if (!tokens)
    return tokens.takeError();
  ids = std::move(*tokens);
  if (req.evalTokens > 0 && static_cast<int64_t>(ids.size()) > req.evalTokens)
    ids.resize(req.evalTokens);
  if (window < 2)
    return fileError(req.input, "a context of " + Twine(window) +
                                    " tokens; advise needs windows of at "
                                    "least 2");
  return Error::success();
}

Expected<Measured> Session::measure(StringRef id, StringRef quantize,
                                    StringRef prune, uint64_t budget) {
  Measured r;
  r.id = id.str();
  r.quantize = quantize.str();
  r.prune = prune.str();
  r.budget = budget;
  ModelSettings s = req.base;
  setSchemeWithTableDefaults(s.quant, r.quantize);
  s.prune = r.prune;
  s.pruneMethod = "teacher";
  // Predictions need the layout only, which calibration does not change.
  if ((!quantize.empty() || !prune.empty()) && !req.predictOnly)
    s.calib = calibHalf;
  if (budget) {
    s.memBudget = std::to_string(budget);
    s.budgetBytes = budget;
    // What auto measures does not depend on the budget: the devices'
    // budgets share one measurement.
    if (!req.predictOnly)
      s.autoCache = dir.child("auto-measurements.bin");
  }
  s.quiet = true; // the table says what each candidate is
  r.flags = flagsOf(r.quantize, r.prune, budget ? s.memBudget : "");
  std::string what = "measuring " + r.id + " (" +
                     (r.flags.empty() ? std::string("as stored") : r.flags) +
                     ")";
  status.show(what + ": preparing");
  mlir::OwningOpRef<mlir::ModuleOp> owned;
  if (!r.prune.empty() && pruned.count(r.prune)) {
    owned = pruned[r.prune].first->clone();
  } else {
    auto loaded = loadModel(ctx, req.input, s);
    if (!loaded)
      return loaded.takeError();
    owned = std::move(*loaded);
    if (!r.prune.empty()) {
      auto pruneDir = placePruneWeights(s);
      if (!pruneDir)
        return pruneDir.takeError();
      status.show(what + ": pruning");
      if (Error e = pruneModel(*owned, s, host))
        return std::move(e);
      pruned[r.prune] = {owned->clone(), std::move(*pruneDir)};
    }
  }
  mlir::ModuleOp m = *owned;
  // Calibration statistics serve quantization only: a float candidate (the
  // pruning, which needed the text, is done) collects none.
  if (r.quantize.empty())
    s.calib.clear();
  // The statistics calibration collects depend on the (pruned) model, not
  // on the scheme: the quantized candidates of one pruning share them
  // (auto too, whose measurements then serve every budget).
  std::string statsKey;
  if (!s.calib.empty() && !r.quantize.empty()) {
    statsKey = r.prune;
    auto it = calibStats.find(statsKey);
    if (it != calibStats.end()) {
      s.calib.clear();
      s.calibStats = it->second;
    } else {
      s.saveCalibStats =
          dir.child("stats" + std::to_string(calibStats.size()) + ".bin");
    }
  }
  status.show(what + (s.calib.empty() ? ": preparing" : ": calibrating"));
  if (!s.calib.empty())
    ++calibrations;
  if (Error e = quantizeModel(m, s, host))
    return std::move(e);
  if (!s.saveCalibStats.empty())
    calibStats[statsKey] = s.saveCalibStats;
  // Each device's target lays the weights out its own way (tiles,
  // alignment, the KV cache's element type).
  for (const TargetDesc &t : targets) {
    if (t.name == host.name)
      continue;
    mlir::OwningOpRef<mlir::ModuleOp> copy = m.clone();
    CompileSettings phases;
    phases.target = t.name;
    if (Error e = runPhase(*copy, phases, Phase::Layout))
      return std::move(e);
    r.layouts[t.name] = layoutOf(*copy, t, 0);
  }
  CompileSettings phases;
  phases.target = host.name;
  if (Error e = runPhase(m, phases, Phase::Layout))
    return std::move(e);
  if (req.predictOnly) {
    r.layouts[host.name] = layoutOf(m, host, 0);
    return r;
  }
  status.show(what + ": compiling");
  std::string exe = dir.child("candidate" + std::to_string(built++));
  ExecutableStats stats;
  if (Error e = buildExecutable(m, host, exe, false, false, stats))
    return std::move(e);
  // The model as stored is the reference every candidate is compared with,
  // itself included (a copy, for a distinct name in the run).
  bool isReference = refExe.empty();
  if (isReference) {
    refExe = dir.child("reference");
    if (std::error_code ec = sys::fs::copy_file(exe, refExe))
      return fileError(refExe, ec.message());
    if (std::error_code ec =
            sys::fs::setPermissions(refExe, sys::fs::perms::owner_all))
      return fileError(refExe, ec.message());
  }
  r.layouts[host.name] = layoutOf(m, host, stats.codeBytes);
  // The code of other targets is about as large as the host's.
  for (auto &entry : r.layouts)
    entry.second.codeBytes = stats.codeBytes;
  auto run = HostRun::create("dsc-advise-eval");
  if (!run)
    return run.takeError();
  auto tokFile = (*run)->writeTokens("tokens.bin", ids);
  if (!tokFile)
    return tokFile.takeError();
  status.show(what + ": evaluating");
  auto st = compareLogits(**run, refExe, exe, *tokFile, ids, vocab, window,
                          req.threads, heldOut, status);
  if (!st)
    return st.takeError();
  r.quality = Quality{st->kldMean, st->kldP99, st->ppl,
                      st->pplRef,  st->top1,   st->tokens};
  if (req.validate) {
    status.show(what + ": timing its decoding");
    auto t = timeDecode(exe, ctxTokens, req.threads, exe + ".timing");
    if (!t)
      return t.takeError();
    r.measuredTokS = *t;
  }
  sys::fs::remove(exe);
  return r;
}

/// The candidate's figures on device `d`.
static CandidateResult resultOn(const Measured &m, const DeviceProfile &d,
                                StringRef targetName, StringRef hostName,
                                bool compilable, int64_t ctx) {
  CandidateResult c;
  c.id = m.id;
  c.scheme = m.flags;
  c.quantize = m.quantize;
  c.prune = m.prune;
  c.memBudget = m.budget;
  c.quality = m.quality;
  auto it = m.layouts.find(targetName);
  const VariantLayout &v =
      it != m.layouts.end() ? it->second : m.layouts.find(hostName)->second;
  c.memory = estimateMemory(v, ctx);
  c.speed = estimateSpeed(v, d, ctx);
  c.compilable = compilable;
  if (targetName == hostName && d.kind == "cpu")
    c.measuredDecodeTokS = m.measuredTokS;
  return c;
}

Expected<std::vector<DeviceReport>> Session::decideAll() {
  size_t n = std::size(kSpecs), at = 0;
  auto wanted = [&](StringRef id) {
    return req.only.empty() || llvm::is_contained(req.only, id);
  };
  for (const Spec &s : kSpecs) {
    ++at;
    if (!wanted(s.id))
      continue;
    status.show(formatv("candidate {0}/{1}", at, n).str());
    auto m = measure(s.id, s.quantize, s.prune, 0);
    if (!m) {
      // The reference as stored must work; a variant the model does not
      // allow (a pruning ratio too large for it) is left out, said so.
      if (StringRef(s.id) == "full")
        return m.takeError();
      notes.push_back(std::string(s.id) +
                      " left out: " + toString(m.takeError()));
      continue;
    }
    measured.push_back(std::move(*m));
  }
  const Measured *full = nullptr;
  for (const Measured &m : measured)
    if (m.id == "full")
      full = &m;
  std::vector<DeviceReport> reports;
  for (const DeviceProfile &d : req.devices) {
    DeviceReport r;
    r.device = d;
    r.ctx = ctxTokens;
    r.constraints.memBytes = req.memBytes ? *req.memBytes : d.memBytes;
    r.constraints.minTokS = req.minTokS;
    r.constraints.maxKld = req.maxKld;
    r.notes = notes;
    std::string tname = d.target == "native" ? host.name : d.target;
    bool compilable = llvm::any_of(
        targets, [&](const TargetDesc &t) { return t.name == tname; });
    if (!compilable) {
      auto t = lookupTarget(tname);
      if (t)
        tname = t->name;
      compilable = static_cast<bool>(t);
      if (!t)
        consumeError(t.takeError());
    }
    // The cuda targets run the forward pass on the GPU (docs/cuda.md), but
    // no GPU has measured them yet: their speed is the datasheet's.
    if (compilable && d.kind == "gpu")
      r.notes.push_back("the speed on '" + d.target +
                        "' is predicted from its datasheet bandwidth and an "
                        "assumed kernel efficiency; dsc's GPU kernels have "
                        "not been measured on one");
    if (!compilable)
      r.notes.push_back("dsc cannot compile for '" + d.target +
                        "' yet (see 'dsc targets'): its memory is predicted "
                        "from the host's layout");
    std::vector<const Measured *> here;
    for (const Measured &m : measured)
      here.push_back(&m);
    // Mixed precision at what the device leaves for the weights: its
    // memory less the KV cache and the runtime, and no more than decoding
    // at --min-tokens-per-s can stream.
    if (full && wanted(kAutoId) && req.predictOnly) {
      r.notes.push_back("auto left out: --predict-only does not calibrate");
    } else if (full && wanted(kAutoId)) {
      auto it = full->layouts.find(tname);
      const VariantLayout &v = it != full->layouts.end()
                                   ? it->second
                                   : full->layouts.find(host.name)->second;
      MemoryEstimate fm = estimateMemory(v, ctxTokens);
      // The runtime of a quantized model has the integer kernels' code
      // too: the largest measured candidate's code is counted.
      uint64_t code = v.codeBytes;
      for (const Measured &m : measured)
        for (auto &entry : m.layouts)
          code = std::max(code, entry.second.codeBytes);
      uint64_t rest = fm.kvCache + fm.runtime + (code - v.codeBytes);
      uint64_t budget =
          r.constraints.memBytes > rest ? r.constraints.memBytes - rest : 0;
      budget =
          std::min(budget, weightsBudgetForSpeed(v, d, ctxTokens, req.minTokS));
      if (budget >= v.weightsBytes) {
        r.notes.push_back("auto left out: the budget (" +
                          formatByteSize(budget) +
                          ") holds the full model, which it would be");
      } else if (budget == 0) {
        r.notes.push_back("auto left out: the KV cache and runtime alone "
                          "exceed the memory, or no weights decode at the "
                          "speed asked");
      } else {
        Session::AutoKey key{budget, r.constraints.memBytes,
                             std::string(tname)};
        if (!autos.count(key) && !autoErrors.count(key)) {
          status.show("measuring auto for " + d.name);
          auto m = measure(kAutoId, "auto", "", budget);
          // Its code (the kernels of every width it mixes) can exceed the
          // largest single candidate's counted above, and the mix chosen
          // at a smaller budget can bring in another width's kernels: so
          // measured again at the budget less what it overshot the
          // device's memory by, until what it chooses fits (a few rounds
          // at most; what still does not fit is reported as not fitting,
          // and a round that fails leaves the last result).
          uint64_t at = budget;
          for (int round = 0; m && round < 4; ++round) {
            auto lit = m->layouts.find(tname);
            const VariantLayout &av = lit != m->layouts.end()
                                          ? lit->second
                                          : m->layouts.find(host.name)->second;
            uint64_t total = estimateMemory(av, ctxTokens).total();
            if (total <= r.constraints.memBytes ||
                at <= total - r.constraints.memBytes)
              break;
            at -= total - r.constraints.memBytes;
            status.show("measuring auto for " + d.name + " again");
            auto next = measure(kAutoId, "auto", "", at);
            if (!next) {
              consumeError(next.takeError());
              break;
            }
            m = std::move(next);
          }
          if (m)
            autos.emplace(key, std::move(*m));
          else
            autoErrors[key] = toString(m.takeError());
        }
        if (autos.count(key))
          here.push_back(&autos.at(key));
        else
          r.notes.push_back("auto left out: " + autoErrors[key]);
      }
    }
    for (const Measured *m : here)
      r.candidates.push_back(
          resultOn(*m, d, tname, host.name, compilable, ctxTokens));
    // What a GPU would do, for the advice when nothing is fast enough.
    std::string hint;
    if (d.kind != "gpu") {
      const DeviceProfile *gpu = findBuiltinProfile("cuda-sm80");
      double best = 0;
      std::string bestId;
      for (const Measured *m : here) {
        CandidateResult c =
            resultOn(*m, *gpu, gpu->target, host.name, false, ctxTokens);
        if (c.memory.total() <= gpu->memBytes && c.speed.decodeTokS > best) {
          best = c.speed.decodeTokS;
          bestId = c.id;
        }
      }
      if (!bestId.empty())
        hint = formatv("a GPU: cuda-sm80 predicts {0:F0} tok/s for {1}", best,
                       bestId)
                   .str();
    }
    r.decision = decide(toPoints(r.candidates), r.constraints, d.name, hint);
    r.predictOnly = req.predictOnly;
    if (req.predictOnly) {
      r.decision.chosen = -1;
      r.decision.reason = "--predict-only: quality not measured, nothing "
                          "recommended";
    }
    reports.push_back(std::move(r));
  }
  status.clear();
  for (DeviceReport &r : reports)
    r.calibrations = calibrations;
  return reports;
}

Expected<std::vector<DeviceReport>> runAdvice(const AdviseRequest &req) {
  Session s(req);
  auto fail = [&](Error e) -> Error {
    s.status.clear();
    return e;
  };
  if (Error e = s.init())
    return fail(std::move(e));
  auto r = s.decideAll();
  if (!r)
    return fail(r.takeError());
  return r;
}

ModelSettings recommendedSettings(const DeviceReport &report,
                                  const ModelSettings &base, StringRef calib) {
  ModelSettings s = base;
  const CandidateResult &c = report.candidates[report.decision.chosen];
  setSchemeWithTableDefaults(s.quant, c.quantize);
  s.prune = c.prune;
  if (c.memBudget) {
    s.memBudget = std::to_string(c.memBudget);
    s.budgetBytes = c.memBudget;
  }
  if (!s.prune.empty())
    s.pruneMethod = "teacher";
  if (!s.quant.scheme.empty() || !s.prune.empty())
    s.calib = calib.str();
  return s;
}

namespace {
/// A synthetic model compiled for the host, to time.
struct Probe {
  std::string exe;
  VariantLayout layout;
};
} // namespace

/// Compiles the checkpoint `ckpt` quantized as `quantize` ("": as stored)
/// into `exe`, without its tokenizer: random weights would stop at an end
/// of text, and every timed position must be decoded.
static Expected<Probe> buildProbe(StringRef ckpt, StringRef quantize,
                                  const TargetDesc &host, StringRef exe) {
  mlir::MLIRContext ctx;
  ModelSettings s;
  s.quiet = true;
  setSchemeWithTableDefaults(s.quant, quantize.str());
  auto loaded = loadModel(ctx, ckpt, s);
  if (!loaded)
    return loaded.takeError();
  mlir::ModuleOp m = **loaded;
  m->removeAttr(mlir::dsc::DscDialect::getTokenizerAttrName());
  if (Error e = quantizeModel(m, s, host))
    return std::move(e);
  CompileSettings phases;
  phases.target = host.name;
  if (Error e = runPhase(m, phases, Phase::Layout))
    return std::move(e);
  ExecutableStats stats;
  if (Error e = buildExecutable(m, host, exe, false, false, stats))
    return std::move(e);
  return Probe{exe.str(), layoutOf(m, host, stats.codeBytes)};
}

/// Seconds per decoded token of `probe` over positions 0..n-1: the median
/// of 7 runs (they are short, a few milliseconds: a scheduling delay would
/// swing one).
static Expected<double> decodeSeconds(const Probe &probe, int64_t n,
                                      int threads) {
  auto r = timeDecode(probe.exe, n, threads, probe.exe + ".timing", 7);
  if (!r)
    return r.takeError();
  return 1.0 / *r;
}

Expected<DeviceProfile> measureHostProfile(bool quiet, int threads,
                                           bool skipLarge) {
  ProgressLine status(!quiet);
  DeviceProfile p =
      measureHost(threads, [&](StringRef what) { status.show(what); });
  auto host = lookupTarget("native");
  if (!host)
    return host.takeError();
  auto dir = createTempDirectory("dsc-advise-measure");
  if (!dir)
    return dir.takeError();
  auto checkpoint = [&](StringRef name,
                        const SyntheticOptions &so) -> Expected<std::string> {
    std::string sub = dir->child(name);
    if (std::error_code ec = sys::fs::create_directory(sub))
      return fileError(sub, ec.message());
    return writeSyntheticCheckpoint(sub, so);
  };
  auto fail = [&](Error e) -> Error {
    status.clear();
    return e;
  };

  // Small probes, whose weights stay in the L2 cache: their time is the
  // fixed costs and attention. Eight layers of 64-wide rows, the FFN 128
  // wide (every kernel takes its fast path), 8 heads of 8 values.
  SyntheticOptions tiny;
  tiny.dim = 64;
  tiny.hidden = 128;
  tiny.layers = 8;
  tiny.heads = 8;
  tiny.kvHeads = 4;
  tiny.vocab = 256;
  tiny.seqLen = 256;
  // One head of 64 values: attention's cost per element of a head.
  SyntheticOptions wide = tiny;
  wide.heads = wide.kvHeads = 1;
  // An FFN 144 wide: its down projection's rows are not a multiple of 32
  // and go through the portable kernel.
  SyntheticOptions odd = tiny;
  odd.hidden = 144;
  struct Job {
    const char *name, *quantize;
    const SyntheticOptions *shape;
  };
  const Job jobs[] = {{"tiny", "", &tiny},
                      {"wide", "", &wide},
                      {"tiny-int8", "int8:channel", &tiny},
                      {"tiny-int4", "int4:group=32", &tiny},
                      {"odd-int8", "int8:channel", &odd}};
  StringMap<std::string> ckpts;
  StringMap<Probe> probes;
  for (const Job &j : jobs) {
    std::string key = j.shape == &tiny   ? "tiny"
                      : j.shape == &wide ? "wide"
                                         : "odd";
    if (!ckpts.count(key)) {
      auto c = checkpoint(key, *j.shape);
      if (!c)
        return fail(c.takeError());
      ckpts[key] = *c;
    }
    status.show(std::string("compiling a probe model (") + j.name + ")");
    auto pr = buildProbe(ckpts[key], j.quantize, *host,
                         dir->child(std::string(j.name) + ".exe"));
    if (!pr)
      return fail(pr.takeError());
    probes[j.name] = std::move(*pr);
  }
  // Attention: the same probes decoding 32 and 256 positions; the
  // difference is attention over the extra positions.
  const int64_t shortN = 32, longN = tiny.seqLen;
  StringMap<double> shortT;
  double perHead[2] = {0, 0};
  for (auto [i, name] : {std::pair{0, "tiny"}, std::pair{1, "wide"}}) {
    status.show(std::string("timing the probe models (") + name + ")");
    auto ts = decodeSeconds(probes[name], shortN, threads);
    if (!ts)
      return fail(ts.takeError());
    auto tl = decodeSeconds(probes[name], longN, threads);
    if (!tl)
      return fail(tl.takeError());
    shortT[name] = *ts;
    const ModelShape &sh = probes[name].layout.shape;
    // Mean positions n/2: per query head and cached position (ns).
    perHead[i] = std::max(0.0, *tl - *ts) / ((longN - shortN) / 2.0) /
                 (sh.layers * sh.heads) * 1e9;
  }
  // ns = a + b x head_dim, from head dims 8 and 64.
  double dimA = tiny.dim / tiny.heads, dimB = wide.dim / wide.heads;
  double b = (perHead[1] - perHead[0]) / (dimB - dimA);
  if (b < 0)
    b = 0;
  p.attentionNsPerDim = b;
  p.attentionNs = std::max(0.0, perHead[0] - b * dimA);
  if (p.attentionNs == 0 && b == 0)
    p.attentionNs = 1e-3; // measured as free: not "unmeasured"
  for (const char *name : {"tiny-int8", "tiny-int4", "odd-int8"}) {
    status.show(std::string("timing the probe models (") + name + ")");
    auto t = decodeSeconds(probes[name], shortN, threads);
    if (!t)
      return fail(t.takeError());
    shortT[name] = *t;
  }

  std::vector<int> largeRuns = {0, 1, 2};
  if (skipLarge)
    largeRuns.clear();
  // Large probe: weights well beyond the cache (twice what the cost model
  // counts as cached, int4 at least 128 MiB), streamed from memory; its
  // decoding gives the kernels' efficiency per format and its prompt the
  // matrix multiplies' rate. Rows of 1024 and 4096 values, 16 heads of 64.
  SyntheticOptions big;
  big.dim = 1024;
  big.hidden = 4096;
  big.heads = 16;
  big.kvHeads = 4;
  big.vocab = 256;
  big.seqLen = 256;
  double perLayer = 2.0 * big.dim * big.dim +
                    2.0 * big.dim * (big.dim / big.heads) * big.kvHeads +
                    3.0 * big.dim * big.hidden;
  // int4 with a 2-byte scale per 32 values: 0.5625 bytes per weight.
  double want = std::max<double>(2.0 * p.cacheBytes, 128.0 * (1 << 20));
  big.layers = static_cast<int>(
      std::clamp(std::ceil(want / (perLayer * 0.5625)), 2.0,
                 // At most 2 GiB of f32 checkpoint.
                 std::floor(2.0 * (1ull << 30) / (perLayer * 4))));
  std::string bigCkpt;
  if (!largeRuns.empty()) {
    status.show("writing a large probe model (" + std::to_string(big.layers) +
                " layers of 1024)");
    auto c = checkpoint("big", big);
    if (!c)
      return fail(c.takeError());
    bigCkpt = *c;
  }
  const int64_t prompt = 128, generated = 8;
  std::string ids;
  for (int64_t i = 0; i < prompt; ++i)
    ids += (i ? " " : "") + std::to_string(3 + (i * 37) % (big.vocab - 3));
  struct BigRun {
    const char *name, *quantize;
    Probe probe;
    Rates rates;
  };
  const BigRun all[] = {{"big", "", {}, {}},
                        {"big-int8", "int8:channel", {}, {}},
                        {"big-int4", "int4:group=32", {}, {}}};
  std::vector<BigRun> runs;
  for (int i : largeRuns)
    runs.push_back(all[i]);
  for (BigRun &r : runs) {
    status.show(std::string("compiling a probe model (") + r.name + ")");
    auto pr = buildProbe(bigCkpt, r.quantize, *host,
                         dir->child(std::string(r.name) + ".exe"));
    if (!pr)
      return fail(pr.takeError());
    r.probe = std::move(*pr);
    status.show(std::string("timing the probe models (") + r.name + ")");
    auto rates = timeRuns(
        r.probe.exe,
        {"--tokens", ids, "--no-bos", "-n", std::to_string(prompt + generated)},
        threads, generated - 1, r.probe.exe + ".timing");
    if (!rates)
      return fail(rates.takeError());
    r.rates = *rates;
    // Free the disk early: the float probe is gigabytes.
    sys::fs::remove(r.probe.exe);
  }
  status.clear();

  // The unknowns depend on each other a little (the large probes' fixed
  // costs, the small ones' streaming): solved in turn, twice.
  auto formatOf = [](const VariantLayout &v) {
    WeightFormat f = WeightFormat::Float;
    for (const WeightInfo &w : v.weights)
      if (w.rows && !w.embedding && w.format != WeightFormat::Float)
        f = w.format;
    return f;
  };
  auto setEfficiency = [&](WeightFormat f, double e) {
    (f == WeightFormat::Int8   ? p.efficiencyInt8
     : f == WeightFormat::Int4 ? p.efficiencyInt4
                               : p.efficiencyFloat) = std::clamp(e, 0.05, 1.0);
  };
  auto setOverhead = [&](WeightFormat f, double us) {
    (f == WeightFormat::Int8   ? p.layerOverheadInt8Us
     : f == WeightFormat::Int4 ? p.layerOverheadInt4Us
                               : p.layerOverheadUs) = std::max(us, 1e-3);
  };
  auto matrices = [](const VariantLayout &v) {
    int n = 0;
    for (const WeightInfo &w : v.weights)
      n += w.rows > 0 && (!w.embedding || v.shape.tiedEmbeddings);
    return n;
  };
  double meanShort = shortN / 2.0;
  for (int pass = 0; pass < 2; ++pass) {
    // Efficiency: what the large probe's decoding leaves for streaming.
    for (BigRun &r : runs) {
      const VariantLayout &v = r.probe.layout;
      WeightFormat f = formatOf(v);
      setEfficiency(f, 1.0);
      DecodeTerms t = decodeTerms(v, p, prompt + generated / 2.0);
      double rest =
          1.0 / r.rates.decode - t.portable - t.overhead - t.attention;
      // Streaming at efficiency 1 took t.stream; it took `rest`.
      if (rest > 0)
        setEfficiency(f, t.stream / rest);
    }
    // The portable kernel: what the 144-wide FFN costs beyond the 128 one.
    {
      DeviceProfile q = p;
      q.portableNsPerWeight = 1e-9;
      DecodeTerms odd8 = decodeTerms(probes["odd-int8"].layout, q, meanShort);
      DecodeTerms tiny8 = decodeTerms(probes["tiny-int8"].layout, q, meanShort);
      double work = 0;
      for (const WeightInfo &w : probes["odd-int8"].layout.weights)
        if (usesPortableKernel(w))
          work += static_cast<double>(w.rows) * w.cols;
      double extra = shortT["odd-int8"] - shortT["tiny-int8"] -
                     (odd8.stream - tiny8.stream);
      if (work > 0)
        p.portableNsPerWeight = std::max(extra, 0.0) / work * 1e9;
      if (p.portableNsPerWeight == 0)
        p.portableNsPerWeight = 1e-3;
    }
    // Fixed costs: what the small probes' decoding leaves, per layer.
    for (const char *name : {"tiny", "tiny-int8", "tiny-int4"}) {
      const VariantLayout &v = probes[name].layout;
      WeightFormat f = formatOf(v);
      setOverhead(f, 0);
      DecodeTerms t = decodeTerms(v, p, meanShort);
      double rest = shortT[name] - t.total();
      setOverhead(f, rest / matrices(v) * kMatricesPerLayer * 1e6);
    }
    // Prefill: the prompt's time less its fixed costs and attention is
    // the matrix multiplies'.
    for (BigRun &r : runs) {
      const VariantLayout &v = r.probe.layout;
      WeightFormat f = formatOf(v);
      double work = 0;
      for (const WeightInfo &w : v.weights)
        if (w.rows > 0 && (!w.embedding || v.shape.tiedEmbeddings))
          work += static_cast<double>(w.rows) * w.cols;
      PrefillTerms t = prefillTerms(v, p, prompt);
      double rest =
          prompt / r.rates.prefill - t.overhead - t.attention - t.portable;
      if (rest <= 0)
        continue;
      double gops = 2 * work * prompt / rest / 1e9;
      (f == WeightFormat::Int8   ? p.gflopsInt8
       : f == WeightFormat::Int4 ? p.gflopsInt4
                                 : p.gflops) = gops;
    }
  }
  return p;
}

} // namespace dsc
