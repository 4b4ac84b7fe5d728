//===- ChatTemplate.h - recognising and compiling chat templates -*- C++
//-*-===//
//
// A checkpoint's chat template is Jinja; executables have no interpreter.
// dsc recognises the template families it knows and compiles their pieces
// (dsc/chat.h) into the payload.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOKENIZER_CHATTEMPLATE_H
#define DSC_TOKENIZER_CHATTEMPLATE_H

#include "tokenizer/Tokenizer.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace dsc {

/// The names --chat-template takes, separated by ", ".
llvm::StringRef chatFormatNames();

/// Whether `name` is one of them.
bool isChatFormat(llvm::StringRef name);

/// The chat template the tokenizer's files carry: `chat_template` of the
/// tokenizer_config.json (or chat_template.jinja) beside a Hugging Face
/// tokenizer, `tokenizer.chat_template` of a GGUF. std::nullopt when there
/// is none.
llvm::Expected<std::optional<std::string>>
readChatTemplate(const TokenizerSource &source);

/// The family of a template, or "" when dsc does not know it.
std::string classifyChatTemplate(llvm::StringRef tmpl);

/// The "chat" payload section for format `name`, its details (a default
/// system prompt, whether the generation prompt opens <think>) taken from
/// `tmpl` when there is one. Special tokens are looked up in `tok`; the
/// names of those it lacks (their text is then encoded as text) go to
/// `missing`.
llvm::Expected<std::vector<uint8_t>>
compileChat(llvm::StringRef name, llvm::StringRef tmpl,
            const dsc_tokenizer *tok, std::vector<std::string> &missing);

} // namespace dsc

#endif
