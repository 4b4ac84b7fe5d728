//===- TargetRegistryTest.cpp - the target registry and kernel ABI
//---------===//

#include "registry/TargetRegistry.h"
#include "registry/KernelABI.h"
#include "targets/EmbeddedFiles.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace mlir::dsc;

TEST(TargetRegistry, EveryEntryHasItsArtifactsInsideDsc) {
  // A registry entry names the runtime and kernel library dsc embeds; an
  // entry whose files were not built would fail only when someone compiles
  // for it.
  for (const TargetInfo &t : getTargetRegistry()) {
    SCOPED_TRACE(t.name);
    EXPECT_FALSE(::dsc::getEmbeddedFile(t.runtime).empty()) << t.runtime;
    EXPECT_FALSE(::dsc::getEmbeddedFile(t.kernels).empty()) << t.kernels;
    EXPECT_FALSE(t.triple.empty());
    EXPECT_EQ(t.kvCacheType, "f32");
  }
}

TEST(TargetRegistry, KernelLibrariesDefineEveryKernelTheTargetNeeds) {
  // Every kernel a target's formats call must be defined in its library:
  // what the registry says a target reads, its kernels implement.
  llvm::LLVMContext ctx;
  for (const TargetInfo &t : getTargetRegistry()) {
    SCOPED_TRACE(t.name);
    llvm::StringRef bc = ::dsc::getEmbeddedFile(t.kernels);
    auto buf = llvm::MemoryBuffer::getMemBuffer(bc, t.kernels, false);
    auto module = llvm::parseBitcodeFile(buf->getMemBufferRef(), ctx);
    ASSERT_TRUE(!!module) << llvm::toString(module.takeError());
    auto defined = [&](Kernel k) {
      llvm::Function *f = (*module)->getFunction(getKernelSignature(k).symbol);
      return f && !f->isDeclaration();
    };
    for (const std::string &type : t.weightTypes) {
      auto plain = findLinearKernel(type, {0, 0});
      ASSERT_TRUE(plain.has_value()) << type;
      EXPECT_TRUE(defined(*plain)) << type;
      auto tiled = findLinearKernel(type, t.floatTile);
      ASSERT_TRUE(tiled.has_value()) << type;
      EXPECT_TRUE(defined(*tiled)) << type << " tiled";
    }
    for (unsigned bits : t.quantBits) {
      auto k = findQuantLinearKernel(bits);
      ASSERT_TRUE(k.has_value()) << bits;
      EXPECT_TRUE(defined(*k)) << bits << "-bit";
    }
    EXPECT_TRUE(defined(Kernel::attention));
    EXPECT_TRUE(defined(Kernel::rope_table));
    EXPECT_TRUE(defined(Kernel::embedding_q_t4));
    if (t.bf16Products)
      EXPECT_TRUE(defined(Kernel::linear_t4x16_bf16_products));
    if (t.rowInterleavedQ4)
      EXPECT_TRUE(defined(Kernel::linear_q4_r16)) << t.name;
    // A target never chooses blocks it has no kernel for.
    if (t.rowInterleavedQ4Default)
      EXPECT_TRUE(t.rowInterleavedQ4) << t.name;
  }
}

TEST(TargetRegistry, RowInterleavedInt4) {
  // AVX2 reads and chooses the blocks; AVX-512 reads them but keeps 4-row
  // tiles by default (docs/benchmarks.md); the rest read tiles only.
  EXPECT_TRUE(findTarget("x86_64-avx2")->rowInterleavedQ4);
  EXPECT_TRUE(findTarget("x86_64-avx2")->rowInterleavedQ4Default);
  EXPECT_TRUE(findTarget("x86_64-avxvnni")->rowInterleavedQ4);
  EXPECT_TRUE(findTarget("x86_64-avxvnni")->rowInterleavedQ4Default);
  EXPECT_TRUE(findTarget("x86_64-avx512")->rowInterleavedQ4);
  EXPECT_FALSE(findTarget("x86_64-avx512")->rowInterleavedQ4Default);
  EXPECT_FALSE(findTarget("x86_64")->rowInterleavedQ4);
  EXPECT_FALSE(findTarget("rpi5")->rowInterleavedQ4);
}

// x86_64-avxvnni is x86_64-avx2 plus AVX-VNNI: the same sources and
// formats, its own kernel library (built with -mavxvnni), one more feature
// the host needs, so that native prefers it to AVX2 and AVX-512 to it.
TEST(TargetRegistry, AVXVNNIExtendsAVX2) {
  const TargetInfo *avx2 = findTarget("x86_64-avx2");
  const TargetInfo *vnni = findTarget("x86_64-avxvnni");
  const TargetInfo *avx512 = findTarget("x86_64-avx512");
  ASSERT_TRUE(avx2 && vnni && avx512);
  std::vector<std::string> want = avx2->hostFeatures;
  want.push_back("avxvnni");
  EXPECT_EQ(vnni->hostFeatures, want);
  EXPECT_EQ(vnni->features, "+avxvnni");
  EXPECT_EQ(vnni->cpu, avx2->cpu);
  EXPECT_EQ(vnni->kernels, "kernels-x86_64-avxvnni");
  EXPECT_EQ(vnni->quantBits, avx2->quantBits);
  EXPECT_EQ(vnni->ggmlFormats, avx2->ggmlFormats);
  EXPECT_FALSE(vnni->bf16Products);
  EXPECT_LT(avx2->hostFeatures.size(), vnni->hostFeatures.size());
  EXPECT_LT(vnni->hostFeatures.size(), avx512->hostFeatures.size());
}

TEST(TargetRegistry, Bf16ProductsWhereTheCPUHasThem) {
  EXPECT_TRUE(findTarget("x86_64-avx512")->bf16Products);
  EXPECT_FALSE(findTarget("x86_64-avx2")->bf16Products);
  EXPECT_FALSE(findTarget("x86_64")->bf16Products);
  EXPECT_FALSE(findTarget("rpi5")->bf16Products);
}

TEST(TargetRegistry, AliasesAndLookup) {
  const TargetInfo *pi = findTarget("raspberrypi5");
  ASSERT_NE(pi, nullptr);
  EXPECT_EQ(pi->name, "rpi5");
  const TargetInfo *arm64 = findTarget("arm64");
  ASSERT_NE(arm64, nullptr);
  EXPECT_EQ(arm64->name, "aarch64");
  EXPECT_EQ(findTarget("sparc"), nullptr);
  auto bad = lookupTarget("sparc");
  ASSERT_FALSE(!!bad);
  EXPECT_NE(llvm::toString(bad.takeError()).find("unknown --target 'sparc'"),
            std::string::npos);
  // native is the most capable entry this host runs.
  auto native = lookupTarget("native");
  ASSERT_TRUE(!!native) << llvm::toString(native.takeError());
  EXPECT_TRUE(hostCanRun(*native));
  for (const TargetInfo &t : getTargetRegistry())
    if (hostCanRun(t))
      EXPECT_LE(t.hostFeatures.size(), native->hostFeatures.size()) << t.name;
}

TEST(KernelABI, SignaturesComeFromTheCDeclarations) {
  const KernelSignature &attn = getKernelSignature(Kernel::attention);
  EXPECT_EQ(attn.symbol, "dsc_uk_attention");
  // q, out, cache; layer, S, pos, ctx, n_layers, H, KV, D; scale; window.
  EXPECT_EQ(attn.argKinds, "pppiiiiiiiifi");
  EXPECT_EQ(getKernelSignature(Kernel::linear_q4_t4).argKinds, "pppiiiii");
  EXPECT_EQ(getKernelSignature(Kernel::rt_observe).symbol, "dsc_rt_observe");
  EXPECT_EQ(getKernelSignature(Kernel::rt_observe).argKinds, "ipii");
  EXPECT_FALSE(findLinearKernel("f8", {0, 0}).has_value());
  EXPECT_FALSE(findLinearKernel("f32", {8, 8}).has_value());
  EXPECT_FALSE(findQuantLinearKernel(7).has_value());
}
