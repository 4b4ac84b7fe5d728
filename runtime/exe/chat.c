/*===- chat.c - a conversation with the model's chat template -----------===*/
#include "exe/chat.h"
#include "dsc/chat.h"
#include "dsc/sampler.h"
#include "dsc/sys.h"
#include "exe/io.h"
#include "exe/model_run.h"

typedef struct {
  const dsc_payload *pl;
  const dsc_args *a;
  const dsc_tokenizer *tok;
  dsc_chat chat;
  int64_t ctx;
  bool interactive;
  /* The conversation, and the ids the KV cache holds (cached of them). */
  dsc_chat_msg *msgs;
  size_t nMsgs, capMsgs;
  char *system;
  int32_t *ids;
  int64_t cached;
  dsc_run m;
  dsc_sampler sampler;
  /* The reply being generated, and how much of it is printed. */
  char *reply;
  size_t replyLen, replyCap;
  dsc_think_filter think;
  char *piece;
  size_t pieceCap;
} session;

static bool append(char **buf, size_t *len, size_t *cap, const char *s,
                   size_t n) {
  if (*len + n + 1 > *cap) {
    size_t c = *cap ? *cap : 256;
    while (c < *len + n + 1)
      c *= 2;
    char *b = (char *)realloc(*buf, c);
    if (!b)
      return false;
    *buf = b;
    *cap = c;
  }
  memcpy(*buf + *len, s, n);
  *len += n;
  (*buf)[*len] = 0;
  return true;
}

static char *copy(const char *s, size_t n) {
  char *c = (char *)malloc(n + 1);
  if (c) {
    memcpy(c, s, n);
    c[n] = 0;
  }
  return c;
}

static int add_message(session *s, int role, const char *text, size_t n) {
  if (s->nMsgs == s->capMsgs) {
    size_t cap = s->capMsgs ? 2 * s->capMsgs : 16;
    dsc_chat_msg *m =
        (dsc_chat_msg *)realloc(s->msgs, cap * sizeof(dsc_chat_msg));
    if (!m)
      return dsc_fail("out of memory");
    s->msgs = m;
    s->capMsgs = cap;
  }
  char *c = copy(text, n);
  if (!c)
    return dsc_fail("out of memory");
  s->msgs[s->nMsgs++] = (dsc_chat_msg){role, c, n};
  return 0;
}

static void reset(session *s) {
  for (size_t i = 0; i < s->nMsgs; ++i)
    free((void *)(uintptr_t)s->msgs[i].text);
  s->nMsgs = 0;
}

/* The conversation as token ids in *ids (malloc'd), *text its rendering. */
static int render(session *s, char **text, size_t *len, int32_t **ids,
                  int64_t *n) {
  if (dsc_chat_render(&s->chat, s->system, s->msgs, s->nMsgs, true, text,
                      len) != DSC_OK)
    return dsc_fail("out of memory");
  int64_t cap = (int64_t)*len + 16;
  *ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)cap);
  if (!*ids)
    return dsc_fail("out of memory");
  *n = dsc_chat_encode(&s->chat, s->tok, *text, *len, *ids, cap);
  if (*n < 0 || *n > cap)
    return dsc_fail("out of memory encoding the conversation");
  return 0;
}

static int print_prompt(const char *text, size_t len, const int32_t *ids,
                        int64_t n) {
  dsc_out_printf("--- prompt (%lld tokens)\n", (long long)n);
  dsc_out_write(text, len);
  dsc_out_printf("\n--- ids\n");
  for (int64_t i = 0; i < n; ++i)
    dsc_out_printf(i ? " %d" : "%d", ids[i]);
  dsc_out_printf("\n");
  return dsc_out_flush() ? 0 : dsc_out_failed();
}

static void print_bytes(void *ctx, const char *s, size_t n) {
  (void)ctx;
  dsc_out_write(s, n);
}

/* The text of token id after prev into s->piece; its length or -1. */
static int64_t decode(session *s, int32_t prev, int32_t id) {
  size_t n = dsc_tok_decode(s->tok, prev, id, s->piece, s->pieceCap);
  if (n > s->pieceCap) {
    char *b = (char *)realloc(s->piece, n);
    if (!b)
      return -1;
    s->piece = b;
    s->pieceCap = n;
    n = dsc_tok_decode(s->tok, prev, id, s->piece, s->pieceCap);
  }
  return (int64_t)n;
}

/* Evaluates the conversation's ids past what the cache holds and streams
 * the reply; it joins the history. */
static int reply(session *s, int32_t *ids, int64_t n) {
  if (n >= s->ctx)
    return dsc_fail("the conversation (%lld tokens) no longer fits the "
                    "context (-c %lld); /reset starts a new one",
                    (long long)n, (long long)s->ctx);
  int64_t k = 0;
  while (k < s->cached && k < n && s->ids[k] == ids[k])
    k++;
  if (k == n)
    k = n - 1; /* the last position's logits are needed again */
  memcpy(s->ids + k, ids + k, sizeof(int32_t) * (size_t)(n - k));
  dsc_run_forward(&s->m, s->ids + k, n - k, k, 1);
  s->cached = n;
  s->replyLen = 0;
  dsc_chat_str gen = s->chat.str[DSC_CHAT_GEN_PROMPT];
  dsc_chat_str open = s->chat.str[DSC_CHAT_THINK_OPEN];
  /* The generation prompt may open the reasoning already: DeepSeek-R1's
   * ends with "<think>\n". */
  bool opened = open.len && gen.len > open.len &&
                memcmp(gen.s + gen.len - open.len - 1, open.s, open.len) == 0;
  dsc_think_init(&s->think, &s->chat, s->a->hideThinking, opened);
  if (opened && !s->a->hideThinking)
    dsc_out_write(gen.s + gen.len - open.len - 1, open.len + 1);
  int64_t limit = s->a->stepsGiven && s->a->steps >= 0 ? s->a->steps : -1;
  int32_t prev = ids[n - 1];
  for (int64_t made = 0; limit < 0 || made < limit; ++made) {
    if (dsc_run_check_logits(s->pl, s->m.logits, 1, s->m.vocab, s->cached - 1))
      return 1;
    int32_t next = dsc_sample(&s->sampler, s->m.logits);
    if (dsc_chat_is_eot(&s->chat, next))
      break;
    int64_t len = decode(s, prev, next);
    if (len < 0 ||
        !append(&s->reply, &s->replyLen, &s->replyCap, s->piece, (size_t)len))
      return dsc_fail("out of memory");
    dsc_think_feed(&s->think, s->reply, s->replyLen, false, print_bytes, 0);
    if (!dsc_out_flush())
      return dsc_out_failed();
    prev = next;
    if (s->cached + 1 >= s->ctx) {
      dsc_eprintf("%s: note: the context (-c %lld) is full; the reply ends "
                  "here\n",
                  dsc_prog, (long long)s->ctx);
      break;
    }
    s->ids[s->cached] = next;
    dsc_run_forward(&s->m, s->ids + s->cached, 1, s->cached, 1);
    s->cached++;
  }
  dsc_think_feed(&s->think, s->reply, s->replyLen, true, print_bytes, 0);
  dsc_out_write("\n", 1);
  if (!dsc_out_flush())
    return dsc_out_failed();
  return add_message(s, 1, s->reply ? s->reply : "", s->replyLen);
}

static int user_turn(session *s, const char *line, size_t n) {
  if (add_message(s, 0, line, n))
    return 1;
  char *text;
  size_t len;
  int32_t *ids;
  int64_t count;
  if (render(s, &text, &len, &ids, &count))
    return 1;
  int status = s->a->printPrompt ? print_prompt(text, len, ids, count)
                                 : reply(s, ids, count);
  free(text);
  free(ids);
  /* A turn that got no reply (the context is full) leaves the history as
   * it was, so that /reset or a shorter line can follow on a terminal. */
  if (status && s->nMsgs && s->msgs[s->nMsgs - 1].role == 0) {
    free((void *)(uintptr_t)s->msgs[s->nMsgs - 1].text);
    s->nMsgs--;
  }
  return status;
}

static bool is_command(const char *line, size_t n, const char *cmd) {
  size_t c = strlen(cmd);
  return n >= c && memcmp(line, cmd, c) == 0 && (n == c || line[c] == ' ');
}

/* One line of input. Returns 0, 1 after an error, or -1 at /exit. */
static int line(session *s, char *l, size_t n) {
  if (n && l[n - 1] == '\r')
    l[--n] = 0;
  if (n == 0)
    return 0;
  if (l[0] != '/' || (n > 1 && l[1] == '/'))
    return user_turn(s, l[0] == '/' ? l + 1 : l, l[0] == '/' ? n - 1 : n);
  if (is_command(l, n, "/exit") || is_command(l, n, "/quit"))
    return -1;
  if (is_command(l, n, "/reset")) {
    reset(s);
    return 0;
  }
  if (is_command(l, n, "/system")) {
    free(s->system);
    s->system = n > 8 ? copy(l + 8, n - 8) : 0;
    reset(s);
    return 0;
  }
  if (is_command(l, n, "/assistant"))
    return add_message(s, 1, n > 11 ? l + 11 : "", n > 11 ? n - 11 : 0);
  if (!s->interactive)
    return dsc_fail("unknown command '%.*s': /reset, /system TEXT, "
                    "/assistant TEXT, /exit (start a line with // for a '/')",
                    (int)n, l);
  dsc_eprintf("%s: unknown command '%.*s': /reset, /system TEXT, /assistant "
              "TEXT, /exit (start a line with // for a '/')\n",
              dsc_prog, (int)n, l);
  return 0;
}

static char *find_newline(char *buf, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (buf[i] == '\n')
      return buf + i;
  return 0;
}

/* Reads standard input line by line, handing each to line(). */
static int read_lines(session *s) {
  char *buf = 0;
  size_t len = 0, cap = 0;
  char chunk[4096];
  for (;;) {
    if (s->interactive) {
      dsc_out_write("> ", 2);
      if (!dsc_out_flush())
        return dsc_out_failed();
    }
    /* Read until a newline is buffered or input ends. */
    char *nl;
    while (!(nl = find_newline(buf, len))) {
      long r = dsc_sys_read(0, chunk, sizeof(chunk));
      if (r < 0)
        return dsc_fail("cannot read standard input: %s", dsc_strerror(-r));
      if (r == 0)
        break;
      if (!append(&buf, &len, &cap, chunk, (size_t)r))
        return dsc_fail("out of memory");
    }
    size_t n = nl ? (size_t)(nl - buf) : len;
    if (!nl && n == 0) {
      if (s->interactive)
        dsc_out_write("\n", 1); /* after Ctrl-D at the prompt */
      return dsc_out_flush() ? 0 : dsc_out_failed();
    }
    buf[n] = 0;
    int status = line(s, buf, n);
    if (status == 1 && !s->interactive)
      return 1;
    if (status < 0)
      return 0;
    size_t used = nl ? n + 1 : n;
    memmove(buf, buf + used, len - used);
    len -= used;
  }
}

int dsc_chat_run(const dsc_payload *pl, const dsc_args *a,
                 const dsc_tokenizer *tok, int64_t ctx) {
  if (!pl->chat)
    return dsc_fail("this executable has no chat template (its checkpoint "
                    "has none, or it was compiled with --chat-template=none); "
                    "compile it again with --chat-template=NAME (chatml, "
                    "llama2, llama3, deepseek-r1)");
  if (!tok)
    return dsc_fail("this executable has no tokenizer; --chat needs one");
  session s;
  memset(&s, 0, sizeof(s));
  s.pl = pl;
  s.a = a;
  s.tok = tok;
  s.ctx = ctx;
  s.interactive = dsc_is_terminal(0);
  char err[128];
  if (dsc_chat_parse(pl->data + pl->chat->offset, pl->chat->size, &s.chat, err,
                     sizeof(err)) != DSC_OK)
    return dsc_fail("bad chat section in '%s': %s", pl->path, err);
  if (a->system)
    s.system = copy(a->system, strlen(a->system));
  s.pieceCap = 64;
  s.piece = (char *)malloc(s.pieceCap);
  s.ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)ctx);
  if (!s.piece || !s.ids || (a->system && !s.system))
    return dsc_fail("out of memory");
  if (!a->printPrompt) {
    s.m.vocab = dsc_model_desc.vocab;
    if (dsc_run_check_memory(pl, a->useMmap, ctx, 1, ctx, "-c"))
      return 1;
    /* Threads first: they read the weights in. */
    dsc_run_start_threads(a->threads);
    double t0 = dsc_sys_now();
    if (dsc_run_load(&s.m, pl, a->useMmap, false, ctx, 1, "-c"))
      return 1;
    if (a->verbose)
      dsc_run_report(&s.m, pl, a->useMmap, ctx, dsc_sys_now() - t0);
    uint64_t seed = a->seed ? (uint64_t)a->seed : dsc_sys_time_ns();
    if (!dsc_sampler_init(&s.sampler, (int32_t)s.m.vocab, a->temp, a->topP,
                          (int32_t)a->topK, seed))
      return dsc_fail("out of memory");
  }
  if (s.interactive)
    dsc_eprintf("%s: chat (%.*s template); /reset, /system TEXT, /exit; "
                "end with Ctrl-D\n",
                dsc_prog, (int)s.chat.str[DSC_CHAT_NAME].len,
                s.chat.str[DSC_CHAT_NAME].s);
  return read_lines(&s);
}
