/*===- args.c - the command line of generated executables --------------===*/
#include "exe/args.h"
#include "exe/io.h"

/*--- numbers ------------------------------------------------------------*/

static bool parse_int(const char *s, int64_t *out) {
  int64_t v = 0;
  bool neg = *s == '-';
  if (neg)
    s++;
  if (!*s)
    return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (*s - '0');
  }
  *out = neg ? -v : v;
  return true;
}

static bool parse_float(const char *s, float *out) {
  double v = 0, scale = 1;
  bool neg = *s == '-', digits = false;
  if (neg || *s == '+')
    s++;
  for (; *s >= '0' && *s <= '9'; ++s, digits = true)
    v = v * 10 + (*s - '0');
  if (*s == '.')
    for (++s; *s >= '0' && *s <= '9'; ++s, digits = true)
      v += (*s - '0') * (scale /= 10);
  if (*s == 'e' || *s == 'E') {
    int64_t e;
    if (!parse_int(s + 1, &e) || e > 38 || e < -38)
      return false;
    for (; e > 0; --e)
      v *= 10;
    for (; e < 0; ++e)
      v /= 10;
    s += strlen(s);
  }
  if (*s || !digits)
    return false;
  *out = (float)(neg ? -v : v);
  return true;
}

/*--- the options --------------------------------------------------------*/

static void usage(void) {
  /* clang-format off */
  dsc_out_printf(
      "usage: %s [options]\n"
      "  -p, --prompt TEXT      prompt (default: none, start from BOS)\n"
      "  -f, --file FILE        read the prompt from FILE\n"
      "  -n, --n-predict N      positions to run, prompt included (default 256,\n"
      "                         -1 for the whole context)\n"
      "  --temp T               temperature, 0 for greedy (default 0.8)\n"
      "  --top-k K              keep the K likeliest tokens, 0 for all (default 40)\n"
      "  --top-p P              nucleus sampling, 1 for off (default 0.95)\n"
      "  -s, --seed N           sampling seed (default: from the clock)\n"
      "  -t, --threads N        threads (default: the CPUs available)\n"
      "  -c, --ctx-size N       context length (default: the model's)\n"
      "  --weights FILE         weights file (default: embedded, or the .dscw\n"
      "                         beside the executable)\n"
      "  --verify               check the weights against their checksum and exit\n"
      "  --mmap                 map the weights from the file instead of reading\n"
      "                         them into huge pages\n"
      "  --tokens IDS           prompt as space-separated token ids\n"
      "  --no-bos               do not prepend BOS to the prompt\n"
      "  --ignore-eos           go on past end-of-text: generate all -n\n"
      "                         positions (for timing)\n"
      "  --dump-logits FILE     write float32 logits of every evaluated position\n"
      "  --eval-tokens FILE     evaluate int32 token ids from FILE in windows of\n"
      "                         -c tokens (from position 0 each), writing the\n"
      "                         logits of every position to --dump-logits\n"
      "  --observe FILE         with --eval-tokens, write what the observation\n"
      "                         points of a calibration build see\n"
      "  -i, --chat             chat with the model's chat template: one user\n"
      "                         turn per line of standard input (a terminal or a\n"
      "                         pipe); -n limits each reply. Lines /reset,\n"
      "                         /system TEXT, /assistant TEXT (a reply to add\n"
      "                         to the history) and /exit are commands\n"
      "  --system TEXT          with --chat, the system prompt\n"
      "  --hide-thinking        with --chat, do not print a reasoning model's\n"
      "                         <think>...</think> section\n"
      "  --print-prompt         with --chat, print each turn's rendered prompt\n"
      "                         and its token ids instead of replying\n"
      "  --verbose              print load time, weight bytes and KV-cache size\n"
      "  -h, --help             this text\n",
      dsc_prog);
  /* clang-format on */
}

typedef enum {
  OPT_HELP,
  OPT_TEXT,  /* a const char * */
  OPT_SET,   /* a bool set to true */
  OPT_CLEAR, /* a bool set to false */
  OPT_INT,   /* an int64_t within [min, max] */
  OPT_FLOAT, /* a float within [min, max] */
} opt_kind;

typedef struct {
  const char *name, *alias; /* alias: NULL when there is none */
  opt_kind kind;
  size_t field; /* offset in dsc_args */
  double min, max;
  const char *wants; /* how a bad value is reported: "-n needs an integer" */
} option;

#define FIELD(f) offsetof(dsc_args, f)
#define ANY __builtin_inf()
static const option options[] = {
    {"-h", "--help", OPT_HELP, 0, 0, 0, 0},
    {"-p", "--prompt", OPT_TEXT, FIELD(prompt), 0, 0, 0},
    {"-f", "--file", OPT_TEXT, FIELD(promptFile), 0, 0, 0},
    {"--weights", 0, OPT_TEXT, FIELD(weightsPath), 0, 0, 0},
    {"--tokens", 0, OPT_TEXT, FIELD(tokenArg), 0, 0, 0},
    {"--dump-logits", 0, OPT_TEXT, FIELD(dumpPath), 0, 0, 0},
    {"--eval-tokens", 0, OPT_TEXT, FIELD(evalPath), 0, 0, 0},
    {"--observe", 0, OPT_TEXT, FIELD(observePath), 0, 0, 0},
    {"--mmap", 0, OPT_SET, FIELD(useMmap), 0, 0, 0},
    {"--verify", 0, OPT_SET, FIELD(verify), 0, 0, 0},
    {"--verbose", 0, OPT_SET, FIELD(verbose), 0, 0, 0},
    {"-i", "--chat", OPT_SET, FIELD(chat), 0, 0, 0},
    {"--system", 0, OPT_TEXT, FIELD(system), 0, 0, 0},
    {"--hide-thinking", 0, OPT_SET, FIELD(hideThinking), 0, 0, 0},
    {"--print-prompt", 0, OPT_SET, FIELD(printPrompt), 0, 0, 0},
    {"--no-bos", 0, OPT_CLEAR, FIELD(bos), 0, 0, 0},
    {"--ignore-eos", 0, OPT_SET, FIELD(ignoreEos), 0, 0, 0},
    {"-n", "--n-predict", OPT_INT, FIELD(steps), -ANY, ANY,
     "-n needs an integer"},
    {"-t", "--threads", OPT_INT, FIELD(threads), 1, ANY,
     "-t needs a positive integer"},
    {"-c", "--ctx-size", OPT_INT, FIELD(ctx), 1, ANY,
     "-c needs a positive integer"},
    {"--top-k", 0, OPT_INT, FIELD(topK), 0, ANY,
     "--top-k needs a non-negative integer"},
    {"-s", "--seed", OPT_INT, FIELD(seed), 0, ANY,
     "--seed needs a non-negative integer"},
    {"--temp", 0, OPT_FLOAT, FIELD(temp), 0, ANY,
     "--temp needs a non-negative number"},
    {"--top-p", 0, OPT_FLOAT, FIELD(topP), 0, 1,
     "--top-p needs a number in [0, 1]"},
};
#undef ANY
#undef FIELD

/* The length first: memcmp over b's length would read past a shorter a. */
static bool same(const char *a, const char *b) {
  return b && strlen(a) == strlen(b) && memcmp(a, b, strlen(b)) == 0;
}

static const option *find_option(const char *arg) {
  for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); ++i)
    if (same(arg, options[i].name) || same(arg, options[i].alias))
      return &options[i];
  return 0;
}

static bool takes_value(const option *o) {
  return o->kind == OPT_TEXT || o->kind == OPT_INT || o->kind == OPT_FLOAT;
}

/* Stores option o's value v into *a; returns false when v is not one. */
static bool store(const option *o, const char *v, dsc_args *a) {
  char *field = (char *)a + o->field;
  switch (o->kind) {
  case OPT_TEXT:
    *(const char **)field = v;
    return true;
  case OPT_SET:
  case OPT_CLEAR:
    *(bool *)field = o->kind == OPT_SET;
    return true;
  case OPT_INT: {
    int64_t i;
    if (!parse_int(v, &i) || i < o->min || i > o->max)
      return false;
    *(int64_t *)field = i;
    return true;
  }
  case OPT_FLOAT: {
    float f;
    if (!parse_float(v, &f) || f < o->min || f > o->max)
      return false;
    *(float *)field = f;
    return true;
  }
  case OPT_HELP:
    break;
  }
  return false;
}

static void set_defaults(dsc_args *a) {
  memset(a, 0, sizeof(*a));
  a->steps = 256;
  a->topK = 40;
  a->temp = 0.8f;
  a->topP = 0.95f;
  a->bos = true;
}

int dsc_args_parse(int argc, char **argv, dsc_args *a) {
  set_defaults(a);
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : 0;
    const option *o = find_option(arg);
    if (!o)
      return dsc_fail("unknown option '%s' (see --help)", arg);
    if (takes_value(o) && !v)
      return dsc_fail("option '%s' needs a value", arg);
    if (o->kind == OPT_HELP) {
      usage();
      return dsc_out_flush() ? 0 : dsc_out_failed();
    }
    if (!store(o, v, a))
      return dsc_fail("%s, got '%s'", o->wants, v);
    if (o->field == offsetof(dsc_args, steps) && o->kind == OPT_INT)
      a->stepsGiven = true;
    if (takes_value(o))
      ++i;
  }
  if (!a->chat && (a->system || a->hideThinking || a->printPrompt))
    return dsc_fail("%s needs --chat",
                    a->system         ? "--system"
                    : a->hideThinking ? "--hide-thinking"
                                      : "--print-prompt");
  if (a->chat && (a->prompt || a->promptFile || a->tokenArg || a->evalPath ||
                  a->dumpPath))
    return dsc_fail("--chat reads the conversation from standard input; it "
                    "does not take -p, -f, --tokens, --eval-tokens or "
                    "--dump-logits");
  return -1;
}
