//===- ChatTemplate.cpp - recognising and compiling chat templates --------===//

#include "tokenizer/ChatTemplate.h"
#include "support/Errors.h"

#include "dsc/chat.h"
#include "dsc/gguf.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace dsc {

StringRef chatFormatNames() { return "chatml, llama2, llama3, deepseek-r1"; }

bool isChatFormat(StringRef name) {
  return name == "chatml" || name == "llama2" || name == "llama3" ||
         name == "deepseek-r1";
}

/// tokenizer_config.json's chat_template: a string, or a list of named
/// templates of which "default" is the chat one.
static Expected<std::optional<std::string>> fromConfig(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return std::nullopt; // a tokenizer without a config has no template
  auto v = json::parse((*buf)->getBuffer());
  if (!v)
    return fileError(path, "not JSON: " + toString(v.takeError()));
  const json::Object *o = v->getAsObject();
  const json::Value *t = o ? o->get("chat_template") : nullptr;
  if (!t || t->getAsNull())
    return std::nullopt;
  if (auto s = t->getAsString())
    return s->str();
  if (const json::Array *a = t->getAsArray())
    for (const json::Value &e : *a)
      if (const json::Object *named = e.getAsObject())
        if (named->getString("name") == "default")
          if (auto s = named->getString("template"))
            return s->str();
  return fileError(path, "chat_template is neither a string nor a list with "
                         "a \"default\" template");
}

Expected<std::optional<std::string>>
readChatTemplate(const TokenizerSource &source) {
  if (source.kind == "hf" || source.kind == "sentencepiece") {
    StringRef dir = sys::path::parent_path(source.path);
    SmallString<256> cfg(dir);
    sys::path::append(cfg, "tokenizer_config.json");
    auto t = fromConfig(cfg);
    if (!t || *t)
      return t;
    SmallString<256> jinja(dir);
    sys::path::append(jinja, "chat_template.jinja");
    if (auto buf = MemoryBuffer::getFile(jinja, /*IsText=*/true))
      return (*buf)->getBuffer().str();
    return std::nullopt;
  }
  if (source.kind != "gguf")
    return std::nullopt;
  auto buf = MemoryBuffer::getFile(source.path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(source.path, "cannot read: " + buf.getError().message());
  dsc_gguf g;
  char err[256];
  if (dsc_gguf_parse(
          reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
          (*buf)->getBufferSize(), &g, err, sizeof(err)) != DSC_OK)
    return fileError(source.path, err);
  dsc_str s;
  std::optional<std::string> result;
  if (dsc_gguf_get_str(&g, "tokenizer.chat_template", &s))
    result = std::string(s.ptr, s.len);
  dsc_gguf_free(&g);
  return result;
}

std::string classifyChatTemplate(StringRef t) {
  if (t.contains("<｜User｜>") && t.contains("<｜Assistant｜>"))
    return "deepseek-r1";
  // Llama 3.1 and later put a knowledge date and tools into the system
  // turn: a family of its own, not rendered as Llama 3's.
  if (t.contains("<|start_header_id|>") && t.contains("<|eot_id|>") &&
      !t.contains("Cutting Knowledge Date"))
    return "llama3";
  // Qwen3 and other reasoning ChatML variants handle <think> themselves.
  if (t.contains("<|im_start|>") && t.contains("<|im_end|>") &&
      !t.contains("<think>"))
    return "chatml";
  if (t.contains("<<SYS>>") && t.contains("bos_token + '[INST] '") &&
      t.contains("' [/INST]'"))
    return "llama2";
  return "";
}

/// Jinja string-literal escapes.
static std::string unescape(StringRef s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
  }
  return out;
}

/// A ChatML template's default system prompt: the text of a literal
/// '<|im_start|>system\n...<|im_end|>' (Qwen2: "You are a helpful
/// assistant.").
static std::optional<std::string> defaultSystem(StringRef t) {
  for (char quote : {'\'', '"'}) {
    std::string open = std::string(1, quote) + "<|im_start|>system\\n";
    size_t at = t.find(open);
    while (at != StringRef::npos) {
      StringRef rest = t.drop_front(at + open.size());
      size_t end = rest.find("<|im_end|>");
      size_t q = rest.find(quote);
      if (end != StringRef::npos && (q == StringRef::npos || end < q) &&
          end > 0)
        return unescape(rest.take_front(end));
      at = t.find(open, at + 1);
    }
  }
  return std::nullopt;
}

namespace {
struct Pieces {
  uint32_t flags = 0;
  std::string str[DSC_CHAT_NSTR];
  std::vector<std::string> specials, eot;
};
} // namespace

static std::string piece(const dsc_tokenizer *tok, int32_t id,
                         StringRef fallback) {
  size_t n;
  if (id < 0 || id >= dsc_tok_n_vocab(tok))
    return fallback.str();
  const char *p = dsc_tok_piece(tok, id, &n);
  return std::string(p, n);
}

static Pieces piecesOf(StringRef name, StringRef tmpl,
                       const dsc_tokenizer *tok) {
  Pieces p;
  p.str[DSC_CHAT_NAME] = name.str();
  std::string bos = piece(tok, dsc_tok_bos(tok), "<s>");
  std::string eos = piece(tok, dsc_tok_eos(tok), "</s>");
  auto set = [&](int i, StringRef s) { p.str[i] = s.str(); };
  if (name == "chatml") {
    set(DSC_CHAT_SYS_PRE, "<|im_start|>system\n");
    set(DSC_CHAT_SYS_POST, "<|im_end|>\n");
    set(DSC_CHAT_USER_PRE, "<|im_start|>user\n");
    set(DSC_CHAT_USER_POST, "<|im_end|>\n");
    set(DSC_CHAT_ASSIST_PRE, "<|im_start|>assistant\n");
    set(DSC_CHAT_ASSIST_POST, "<|im_end|>\n");
    set(DSC_CHAT_GEN_PROMPT, "<|im_start|>assistant\n");
    if (auto sys = defaultSystem(tmpl)) {
      p.flags |= DSC_CHAT_DEFAULT_SYSTEM;
      set(DSC_CHAT_DEFAULT_SYS, *sys);
    }
    p.specials = {"<|im_start|>", "<|im_end|>"};
    p.eot = {"<|im_end|>", "<|endoftext|>"};
  } else if (name == "llama2") {
    p.flags |= DSC_CHAT_TRIM | DSC_CHAT_SYS_IN_USER;
    set(DSC_CHAT_SYS_PRE, "<<SYS>>\n");
    set(DSC_CHAT_SYS_POST, "\n<</SYS>>\n\n");
    set(DSC_CHAT_USER_PRE, bos + "[INST] ");
    set(DSC_CHAT_USER_POST, " [/INST]");
    set(DSC_CHAT_ASSIST_PRE, " ");
    set(DSC_CHAT_ASSIST_POST, " " + eos);
    p.specials = {bos, eos};
  } else if (name == "llama3") {
    p.flags |= DSC_CHAT_TRIM;
    std::string b3 = dsc_tok_bos(tok) >= 0 ? bos : "<|begin_of_text|>";
    set(DSC_CHAT_BOS, b3);
    auto header = [](StringRef role) {
      return ("<|start_header_id|>" + role + "<|end_header_id|>\n\n").str();
    };
    set(DSC_CHAT_SYS_PRE, header("system"));
    set(DSC_CHAT_USER_PRE, header("user"));
    set(DSC_CHAT_ASSIST_PRE, header("assistant"));
    for (int i : {DSC_CHAT_SYS_POST, DSC_CHAT_USER_POST, DSC_CHAT_ASSIST_POST})
      set(i, "<|eot_id|>");
    set(DSC_CHAT_GEN_PROMPT, header("assistant"));
    p.specials = {b3, "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};
    p.eot = {"<|eot_id|>", "<|end_of_text|>", "<|eom_id|>"};
  } else { // deepseek-r1
    p.flags |= DSC_CHAT_STRIP_THINK;
    std::string b = dsc_tok_bos(tok) >= 0 ? bos : "<｜begin▁of▁sentence｜>";
    set(DSC_CHAT_BOS, b);
    set(DSC_CHAT_USER_PRE, "<｜User｜>");
    set(DSC_CHAT_ASSIST_PRE, "<｜Assistant｜>");
    set(DSC_CHAT_ASSIST_POST, "<｜end▁of▁sentence｜>");
    // Later revisions of the template open the reasoning in the prompt.
    bool think = tmpl.empty() || tmpl.contains("<｜Assistant｜><think>\\n");
    set(DSC_CHAT_GEN_PROMPT,
        think ? "<｜Assistant｜><think>\n" : "<｜Assistant｜>");
    set(DSC_CHAT_THINK_OPEN, "<think>");
    set(DSC_CHAT_THINK_CLOSE, "</think>");
    p.specials = {
        b,         "<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>",
        "<think>", "</think>"};
    p.eot = {"<｜end▁of▁sentence｜>"};
  }
  return p;
}

static void putU32(std::vector<uint8_t> &b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
static void putStr(std::vector<uint8_t> &b, StringRef s) {
  putU32(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

Expected<std::vector<uint8_t>> compileChat(StringRef name, StringRef tmpl,
                                           const dsc_tokenizer *tok,
                                           std::vector<std::string> &missing) {
  if (!isChatFormat(name))
    return createStringError(inconvertibleErrorCode(),
                             "unknown chat template '" + name +
                                 "' (known: " + chatFormatNames() + ")");
  Pieces p = piecesOf(name, tmpl, tok);
  std::vector<uint8_t> b = {'D', 'S', 'C', 'C', 'H', 'A', 'T', '1'};
  putU32(b, p.flags);
  for (const std::string &s : p.str)
    putStr(b, s);
  std::vector<std::pair<int32_t, std::string>> specials;
  for (const std::string &s : p.specials) {
    int32_t id = dsc_tok_find(tok, s.data(), s.size());
    if (id < 0) {
      // <think> is plain text in some vocabularies; that is no loss.
      if (s != "<think>" && s != "</think>")
        missing.push_back(s);
      continue;
    }
    specials.push_back({id, s});
  }
  putU32(b, specials.size());
  for (auto &[id, s] : specials) {
    putU32(b, static_cast<uint32_t>(id));
    putStr(b, s);
  }
  std::vector<int32_t> eot;
  for (const std::string &s : p.eot) {
    int32_t id = dsc_tok_find(tok, s.data(), s.size());
    if (id >= 0)
      eot.push_back(id);
  }
  if (dsc_tok_eos(tok) >= 0 &&
      std::find(eot.begin(), eot.end(), dsc_tok_eos(tok)) == eot.end())
    eot.push_back(dsc_tok_eos(tok));
  putU32(b, eot.size());
  for (int32_t id : eot)
    putU32(b, static_cast<uint32_t>(id));
  return b;
}

} // namespace dsc
