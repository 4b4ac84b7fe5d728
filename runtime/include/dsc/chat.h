/*===- chat.h - a chat template compiled into pieces --------------*- C -*-===*
 *
 * Executables have no Jinja interpreter: the compiler recognises a
 * checkpoint's chat template (ChatML, Llama 2, Llama 3, DeepSeek-R1) and
 * writes what rendering it needs into the payload's "chat" section: the text
 * around each role's messages, the generation prompt, a few flags for what
 * the templates do to the content, the special tokens whose text stands for
 * one token id, and the ids that end the assistant's turn.
 *
 * A conversation is rendered to text as the template renders it, then
 * tokenized as Hugging Face does: special-token text becomes its id and the
 * text between is encoded without BOS.
 *
 *   "DSCCHAT1", u32 flags, then DSC_CHAT_NSTR strings (u32 length, bytes),
 *   u32 n_special, each (i32 id, u32 length, bytes), u32 n_eot, i32 ids.
 *   All little-endian.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_CHAT_H
#define DSC_CHAT_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  DSC_CHAT_TRIM = 1u << 0,          /* content is stripped of whitespace */
  DSC_CHAT_SYS_IN_USER = 1u << 1,   /* system text opens the first user turn */
  DSC_CHAT_STRIP_THINK = 1u << 2,   /* history keeps what follows </think> */
  DSC_CHAT_DEFAULT_SYSTEM = 1u << 3 /* without --system, the default one */
};

enum {
  DSC_CHAT_NAME,
  DSC_CHAT_BOS, /* once, before everything */
  DSC_CHAT_SYS_PRE,
  DSC_CHAT_SYS_POST,
  DSC_CHAT_USER_PRE,
  DSC_CHAT_USER_POST,
  DSC_CHAT_ASSIST_PRE,
  DSC_CHAT_ASSIST_POST,
  DSC_CHAT_GEN_PROMPT, /* after the last user turn */
  DSC_CHAT_DEFAULT_SYS,
  DSC_CHAT_THINK_OPEN, /* "" when the model does not reason */
  DSC_CHAT_THINK_CLOSE,
  DSC_CHAT_NSTR
};

typedef struct {
  const char *s;
  uint32_t len;
} dsc_chat_str;

typedef struct {
  uint32_t flags;
  dsc_chat_str str[DSC_CHAT_NSTR];
  uint32_t n_special;
  const uint8_t *special; /* n_special records: i32 id, u32 len, bytes */
  uint32_t n_eot;
  const uint8_t *eot; /* n_eot i32 */
} dsc_chat;

typedef struct {
  int role; /* 0 user, 1 assistant */
  const char *text;
  size_t len;
} dsc_chat_msg;

/* Reads a blob (kept alive by the caller). Returns DSC_OK, or
 * DSC_ERR_FORMAT with a reason in err. */
dsc_status dsc_chat_parse(const uint8_t *data, size_t size, dsc_chat *out,
                          char *err, size_t errlen);

/* Renders system (NULL: none given) and the messages, with the generation
 * prompt when gen_prompt, into malloc'd *out (NUL-terminated, *len bytes).
 * Returns DSC_OK or DSC_ERR_NOMEM. */
dsc_status dsc_chat_render(const dsc_chat *c, const char *system,
                           const dsc_chat_msg *msgs, size_t n, bool gen_prompt,
                           char **out, size_t *len);

/* Tokenizes rendered text: special tokens' text to their ids, the rest
 * encoded by tok without BOS. Writes at most cap ids and returns how many
 * there are (more than cap: cut), or -1 when out of memory. */
struct dsc_tokenizer;
int64_t dsc_chat_encode(const dsc_chat *c, const struct dsc_tokenizer *tok,
                        const char *text, size_t len, int32_t *ids,
                        int64_t cap);

/* Whether id ends the assistant's turn. */
bool dsc_chat_is_eot(const dsc_chat *c, int32_t id);

/* What of a reply to print, with a reasoning model's <think>...</think>
 * shown or hidden. Tags may arrive split across tokens: bytes that could
 * start one are held back until more text (or the end) settles them. */
typedef struct {
  dsc_chat_str open, close;
  bool hide, in_think, skip_space;
  size_t shown; /* bytes of the reply dealt with */
} dsc_think_filter;

/* in_think: the generation prompt opened the reasoning already. */
void dsc_think_init(dsc_think_filter *f, const dsc_chat *c, bool hide,
                    bool in_think);
/* The reply so far is text[0 .. len) (it grows between calls; end: it is
 * complete). Calls out(ctx, bytes, n) with what is now settled to print. */
void dsc_think_feed(dsc_think_filter *f, const char *text, size_t len, bool end,
                    void (*out)(void *, const char *, size_t), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* DSC_CHAT_H */
