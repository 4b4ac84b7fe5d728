//===- RuntimeTest.cpp - unit tests of the C runtime's pieces -------------===//

#include "dsc/base.h"
#include "dsc/chat.h"
#include "dsc/checksum.h"
#include "dsc/gguf.h"
#include "dsc/half.h"
#include "dsc/json.h"
#include "dsc/mathf.h"
#include "dsc/sampler.h"
#include "dsc/tokenizer.h"
#include "tokenizer/tok_internal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

TEST(Format, PrintsWhatPrintfPrints) {
  char buf[128];
  dsc_snprintf(buf, sizeof(buf), "%d|%5s|%-4d|%lld|%zu|%x|%.2f|%c|%%",
               -42, "ab", 7, -9000000000ll, (size_t)12, 255, 3.14159, 'z');
  EXPECT_STREQ(buf, "-42|   ab|7   |-9000000000|12|ff|3.14|z|%");
  dsc_snprintf(buf, sizeof(buf), "%.1f %.0f %.3f %.0f", 0.06, 2.6, -1.0004, 3.4);
  EXPECT_STREQ(buf, "0.1 3 -1.000 3");
  // Truncation keeps the terminator and reports the full length.
  EXPECT_EQ(dsc_snprintf(buf, 4, "%s", "abcdef"), 6);
  EXPECT_STREQ(buf, "abc");
}

// The payload checksum is XXH64 with seed 0: published test vectors, for
// inputs below and above the 32-byte stripe.
TEST(Checksum, IsXXH64) {
  auto h = [](const char *s) { return dsc_hash_bytes(s, strlen(s)); };
  EXPECT_EQ(h(""), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(h("a"), 0xD24EC4F1A98C6E5Bull);
  EXPECT_EQ(h("abc"), 0x44BC2CF5AD770999ull);
  EXPECT_EQ(h("Nobody inspects the spammish repetition"),
            0xFBCEA83C8A378BF1ull);
}

TEST(Checksum, StreamingEqualsOneShot) {
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<uint8_t>(i * 7 + 3);
  uint64_t whole = dsc_hash_bytes(data.data(), data.size());
  for (size_t step : {1, 5, 31, 32, 33, 100, 999}) {
    dsc_hash s;
    dsc_hash_init(&s);
    for (size_t at = 0; at < data.size(); at += step)
      dsc_hash_update(&s, data.data() + at, std::min(step, data.size() - at));
    EXPECT_EQ(dsc_hash_final(&s), whole) << "chunks of " << step;
  }
  data[500] ^= 1;
  EXPECT_NE(dsc_hash_bytes(data.data(), data.size()), whole);
}

TEST(Half, F16RoundTripsAndRoundsToNearestEven) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF))
      continue; // NaN payloads
    float f = dsc_f16_to_f32(static_cast<uint16_t>(h));
    EXPECT_EQ(dsc_f32_to_f16(f), h) << h;
  }
  EXPECT_EQ(dsc_f32_to_f16(1.0f + 1.0f / 2048), 0x3C00); // tie to even
  EXPECT_EQ(dsc_f32_to_f16(1.0f + 3.0f / 2048), 0x3C02);
  EXPECT_EQ(dsc_f32_to_f16(70000.0f), 0x7C00);          // overflow to inf
  EXPECT_EQ(dsc_f32_to_bf16(1.00390625f), 0x3F80);       // tie to even
  EXPECT_EQ(dsc_bf16_to_f32(0x4049), 3.140625f);
}

TEST(MathF, ExpAndSinCosAreAccurate) {
  for (float x = -87.0f; x < 88.0f; x += 0.37f) {
    double want = std::exp(static_cast<double>(x));
    EXPECT_NEAR(dsc_expf(x) / want, 1.0, 3e-7) << x;
  }
  EXPECT_EQ(dsc_expf(-200.0f), 0.0f);
  EXPECT_TRUE(std::isinf(dsc_expf(100.0f)));
  for (double x = -5000.0; x < 5000.0; x += 7.77) {
    double s, c;
    dsc_sincos(x, &s, &c);
    EXPECT_NEAR(s, std::sin(x), 1e-12) << x;
    EXPECT_NEAR(c, std::cos(x), 1e-12) << x;
  }
}

TEST(Json, ParsesAndNavigates) {
  const char *text = R"({"a": {"b": [1, 2.5e1, "x\u00e9\ud83e\udd99"]},
                        "t": true, "n": null})";
  dsc_json j;
  char err[128];
  ASSERT_EQ(dsc_json_parse(text, strlen(text), &j, err, sizeof(err)), DSC_OK);
  uint32_t arr = dsc_json_path(&j, 0, "a.b");
  ASSERT_EQ(dsc_json_type(&j, arr), DSC_JSON_ARRAY);
  uint32_t e = dsc_json_first(&j, arr);
  EXPECT_EQ(dsc_json_num(&j, e), 1.0);
  e = dsc_json_next_elem(&j, e);
  EXPECT_EQ(dsc_json_num(&j, e), 25.0);
  e = dsc_json_next_elem(&j, e);
  char s[16];
  size_t n = dsc_json_str(&j, e, s, sizeof(s));
  EXPECT_EQ(std::string(s, n), "x\xc3\xa9\xf0\x9f\xa6\x99");
  EXPECT_TRUE(dsc_json_bool(&j, dsc_json_get(&j, 0, "t"), false));
  EXPECT_EQ(dsc_json_get(&j, 0, "missing"), DSC_JSON_NONE);
  dsc_json_free(&j);
  const char *bad = "{\"a\": [1, 2}";
  EXPECT_EQ(dsc_json_parse(bad, strlen(bad), &j, err, sizeof(err)),
            DSC_ERR_FORMAT);
  EXPECT_STREQ(err, "invalid JSON at byte 11: expected ',' or ']'");
}

// "0e400" used to be 0 * inf = NaN, and a NaN id reached (int64_t)id.
TEST(Json, NumbersStayFiniteAndIntsAreChecked) {
  const char *text = R"([0e400, -0e999, 1e400, 0.000e-400, 1.5, 16777215,
      -3, 123456789012345678901234567890e-20, 1e-400, true])";
  dsc_json j;
  char err[128];
  ASSERT_EQ(dsc_json_parse(text, strlen(text), &j, err, sizeof(err)), DSC_OK);
  std::vector<uint32_t> e;
  for (uint32_t n = dsc_json_first(&j, 0); n != DSC_JSON_NONE && n < j.nodes[0].next;
       n = dsc_json_next_elem(&j, n))
    e.push_back(n);
  ASSERT_EQ(e.size(), 10u);
  for (uint32_t n : e)
    EXPECT_FALSE(std::isnan(dsc_json_num(&j, n))) << n;
  EXPECT_EQ(dsc_json_num(&j, e[0]), 0.0);
  EXPECT_TRUE(std::isinf(dsc_json_num(&j, e[2])));
  EXPECT_NEAR(dsc_json_num(&j, e[7]), 1234567890.1234567, 1e-5);
  EXPECT_EQ(dsc_json_num(&j, e[8]), 0.0);
  int64_t v = -1;
  EXPECT_TRUE(dsc_json_int(&j, e[0], 0, 10, &v));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(dsc_json_int(&j, e[2], 0, 1 << 30, &v));
  EXPECT_FALSE(dsc_json_int(&j, e[4], 0, 10, &v));
  EXPECT_TRUE(dsc_json_int(&j, e[5], 0, (1 << 24) - 1, &v));
  EXPECT_EQ(v, 16777215);
  EXPECT_FALSE(dsc_json_int(&j, e[6], 0, 10, &v));
  EXPECT_FALSE(dsc_json_int(&j, e[9], 0, 10, &v));
  dsc_json_free(&j);
}

// Ids that are NaN, fractions or huge are refused with the field's name,
// not cast: before the fix a NaN added_tokens id indexed keys[INT64_MIN].
TEST(Tokenizer, HfJsonRefusesInvalidIds) {
  struct Case {
    const char *json, *err;
  } cases[] = {
      {R"({"model":{"vocab":{"a":0,"b":1e999}}})",
       "model.vocab entry 1 has an invalid id"},
      {R"({"model":{"vocab":{"a":0,"b":1.5}}})",
       "model.vocab entry 1 has an invalid id"},
      {R"({"model":{"vocab":{"a":0}},"added_tokens":[{"content":"b"}]})",
       "added_tokens[0].id is missing or invalid"},
      {R"({"model":{"vocab":{"a":0}},"added_tokens":[{"id":1,"content":"b"},{"id":99999999999}]})",
       "added_tokens[1].id is missing or invalid"},
  };
  for (const Case &c : cases) {
    char err[256] = "";
    dsc_tokenizer *t = nullptr;
    EXPECT_EQ(dsc_tok_load_hf_json(c.json, strlen(c.json), &t, err, sizeof(err)),
              DSC_ERR_FORMAT)
        << c.json;
    EXPECT_STREQ(err, c.err) << c.json;
    EXPECT_EQ(t, nullptr);
  }
  // The NaN the fuzzer found: zero times an overflowing power of ten, which
  // is plain 0 (here as the id of "a", then of the added "d").
  for (const char *json :
       {R"({"model":{"vocab":{"a":0e400,"b":1}}})",
        R"({"model":{"vocab":{"b":1}},"added_tokens":[{"id":2,"content":"c"},{"id":0e400,"content":"a"}]})"}) {
    char err[256] = "";
    dsc_tokenizer *t = nullptr;
    ASSERT_EQ(dsc_tok_load_hf_json(json, strlen(json), &t, err, sizeof(err)),
              DSC_OK)
        << json << ": " << err;
    EXPECT_EQ(dsc_tok_find(t, "a", 1), 0);
    EXPECT_EQ(dsc_tok_find(t, "b", 1), 1);
    dsc_tok_free(t);
  }
}

// A GGUF of one F32 tensor with the given dims and no metadata.
static std::vector<uint8_t> oneTensorGGUF(std::vector<uint64_t> dims) {
  std::vector<uint8_t> b;
  auto put = [&](uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  b.insert(b.end(), {'G', 'G', 'U', 'F'});
  put(3, 4);           // version
  put(1, 8);           // tensors
  put(0, 8);           // metadata
  put(1, 8);           // name length
  b.push_back('t');
  put(dims.size(), 4);
  for (uint64_t d : dims)
    put(d, 8);
  put(DSC_GGML_F32, 4);
  put(0, 8);           // offset
  b.resize(96 + 64, 0); // aligned data: 16 floats
  return b;
}

// 2^31 x 2^31 F32 elements are 2^64 bytes, which wrapped to a size of 0 and
// passed the bounds check; such counts are now refused by dimension.
TEST(GGUF, RefusesElementCountsWhoseByteSizeWraps) {
  char err[256] = "";
  dsc_gguf g;
  auto ok = oneTensorGGUF({4, 4});
  ASSERT_EQ(dsc_gguf_parse(ok.data(), ok.size(), &g, err, sizeof(err)), DSC_OK) << err;
  EXPECT_EQ(g.tensors[0].size, 64u);
  dsc_gguf_free(&g);
  auto wrap = oneTensorGGUF({1ull << 31, 1ull << 31});
  EXPECT_EQ(dsc_gguf_parse(wrap.data(), wrap.size(), &g, err, sizeof(err)),
            DSC_ERR_FORMAT);
  EXPECT_STREQ(err, "tensor 't': dimension 1 = 2147483648 is invalid");
  auto huge = oneTensorGGUF({1000000, 1000000});
  EXPECT_EQ(dsc_gguf_parse(huge.data(), huge.size(), &g, err, sizeof(err)),
            DSC_ERR_FORMAT);
  EXPECT_STREQ(err, "tensor 't': 4000000000000 bytes at offset 96 run past "
                    "the end of the file (160 bytes)");
}

TEST(Sampler, MatchesLlama2cGenerator) {
  // llama2.c's random_u32 from seed 133742, computed by hand once.
  uint64_t s = 133742;
  uint32_t first = dsc_random_u32(&s);
  uint64_t t = 133742;
  t ^= t >> 12;
  t ^= t << 25;
  t ^= t >> 27;
  EXPECT_EQ(first, static_cast<uint32_t>((t * 0x2545F4914F6CDD1Dull) >> 32));
  dsc_sampler sp;
  ASSERT_TRUE(dsc_sampler_init(&sp, 4, 0.0f, 0.9f, 0, 1));
  float logits[4] = {0.1f, 3.0f, -1.0f, 2.9f};
  EXPECT_EQ(dsc_sample(&sp, logits), 1); // greedy
  dsc_sampler_free(&sp);
  // Top-k 1 is greedy whatever the temperature.
  ASSERT_TRUE(dsc_sampler_init(&sp, 4, 5.0f, 1.0f, 1, 99));
  for (int i = 0; i < 20; ++i) {
    float l[4] = {0.1f, 3.0f, -1.0f, 2.9f};
    EXPECT_EQ(dsc_sample(&sp, l), 1);
  }
  dsc_sampler_free(&sp);
  // Sampling follows the distribution.
  ASSERT_TRUE(dsc_sampler_init(&sp, 2, 1.0f, 1.0f, 0, 7));
  int ones = 0;
  for (int i = 0; i < 20000; ++i) {
    float l[2] = {0.0f, std::log(3.0f)}; // p = 1/4, 3/4
    ones += dsc_sample(&sp, l);
  }
  EXPECT_NEAR(ones / 20000.0, 0.75, 0.02);
  dsc_sampler_free(&sp);
}

namespace {
/// A byte-level BPE tokenizer with the given pieces and merges.
dsc_tokenizer *makeBpe(const std::vector<std::string> &pieces,
                       const std::vector<std::pair<int, int>> &merges,
                       uint32_t pretok) {
  dsc_tok_builder b;
  EXPECT_TRUE(dsc_tokb_init(&b, DSC_TOK_BPE));
  for (const std::string &p : pieces)
    dsc_tokb_add(&b, p.data(), p.size(), 0.0f, DSC_TT_NORMAL);
  for (auto [l, r] : merges)
    dsc_tokb_add_merge(&b, l, r);
  b.t->flags = DSC_TOKF_BYTE_LEVEL;
  b.t->pretok = pretok;
  dsc_tokenizer *t;
  char err[64];
  EXPECT_EQ(dsc_tokb_finish(&b, &t, err, sizeof(err)), DSC_OK);
  return t;
}

std::vector<std::string> pretokens(uint32_t kind, const std::string &text) {
  std::vector<std::string> out;
  struct Ctx {
    const std::string *text;
    std::vector<std::string> *out;
  } ctx{&text, &out};
  dsc_pretokenize(
      kind, text.data(), text.size(),
      [](void *c, size_t b, size_t e) {
        auto *x = static_cast<Ctx *>(c);
        x->out->push_back(x->text->substr(b, e - b));
      },
      &ctx);
  return out;
}
} // namespace

TEST(Pretokenize, Llama3SplitsDigitsInThrees) {
  EXPECT_EQ(pretokens(DSC_PRE_LLAMA3, "Hello, y'all 1234567!\n\n  x"),
            (std::vector<std::string>{"Hello", ",", " y", "'all", " ",
                                      "123", "456", "7", "!\n\n", " ", " x"}));
  EXPECT_EQ(pretokens(DSC_PRE_QWEN2, "ab 123"),
            (std::vector<std::string>{"ab", " ", "1", "2", "3"}));
  EXPECT_EQ(pretokens(DSC_PRE_GPT2, "Hello world  123's"),
            (std::vector<std::string>{"Hello", " world", " ", " 123", "'s"}));
}

TEST(Tokenizer, BytePairMergesByRankAndSerializes) {
  // Byte-level pieces: "a" "b" "c" "ab" "abc"; merges ab (0), ab+c (1).
  dsc_tokenizer *t = makeBpe({"a", "b", "c", "ab", "abc"}, {{0, 1}, {3, 2}},
                             DSC_PRE_NONE);
  int32_t ids[8];
  EXPECT_EQ(dsc_tok_encode(t, "abcab", 5, false, ids, 8), 2);
  EXPECT_EQ(ids[0], 4);
  EXPECT_EQ(ids[1], 3);
  uint8_t *blob;
  size_t n;
  ASSERT_EQ(dsc_tok_serialize(t, &blob, &n), DSC_OK);
  dsc_tokenizer *u;
  char err[64];
  ASSERT_EQ(dsc_tok_deserialize(blob, n, &u, err, sizeof(err)), DSC_OK);
  EXPECT_EQ(dsc_tok_encode(u, "abcab", 5, false, ids, 8), 2);
  EXPECT_EQ(ids[0], 4);
  // A cut blob is refused.
  dsc_tokenizer *v;
  EXPECT_EQ(dsc_tok_deserialize(blob, n - 1, &v, err, sizeof(err)),
            DSC_ERR_FORMAT);
  free(blob);
  dsc_tok_free(t);
  dsc_tok_free(u);
}

namespace {
/// The text a think filter lets through when the reply arrives in pieces
/// of `step` bytes.
std::string filtered(const std::string &reply, bool hide, bool inThink,
                     size_t step) {
  dsc_chat c = {};
  c.str[DSC_CHAT_THINK_OPEN] = {"<think>", 7};
  c.str[DSC_CHAT_THINK_CLOSE] = {"</think>", 8};
  dsc_think_filter f;
  dsc_think_init(&f, &c, hide, inThink);
  std::string out;
  auto append = [](void *ctx, const char *s, size_t n) {
    static_cast<std::string *>(ctx)->append(s, n);
  };
  for (size_t n = step; n < reply.size(); n += step)
    dsc_think_feed(&f, reply.data(), n, false, append, &out);
  dsc_think_feed(&f, reply.data(), reply.size(), true, append, &out);
  return out;
}
} // namespace

TEST(ChatThink, HidesTheReasoningHoweverTheTextArrives) {
  // DeepSeek-R1's generation prompt opens <think>: the reply starts inside.
  std::string r1 = "Let me see.\nOkay.\n</think>\n\nThe answer is 4.";
  for (size_t step : {1, 2, 3, 5, 100}) {
    EXPECT_EQ(filtered(r1, true, true, step), "The answer is 4.");
    EXPECT_EQ(filtered(r1, false, true, step), r1);
  }
  std::string opened = "Hi <think>hmm</think> there, </thin";
  for (size_t step : {1, 4, 100}) {
    EXPECT_EQ(filtered(opened, true, false, step), "Hi there, </thin");
    EXPECT_EQ(filtered(opened, false, false, step), opened);
  }
  // A reply that never closes its reasoning shows nothing when hidden.
  EXPECT_EQ(filtered("still thinking", true, true, 3), "");
}
