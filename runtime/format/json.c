/*===- json.c - a small JSON reader -----------------------------------------===*/
#include "dsc/json.h"
#include "tokenizer/unicode.h"

typedef struct {
  dsc_json *j;
  const char *s;
  size_t pos, len;
  char *err;
  size_t errlen;
  int depth;
} parser;

static bool fail(parser *p, const char *what) {
  dsc_snprintf(p->err, p->errlen, "invalid JSON at byte %zu: %s", p->pos, what);
  return false;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
    p->pos++;
  }
}

static uint32_t new_node(parser *p, uint8_t type) {
  dsc_json *j = p->j;
  if (j->n == j->cap) {
    uint32_t cap = j->cap ? j->cap * 2 : 256;
    dsc_json_node *n = (dsc_json_node *)realloc(j->nodes, cap * sizeof(*n));
    if (!n)
      return DSC_JSON_NONE;
    j->nodes = n;
    j->cap = cap;
  }
  uint32_t i = j->n++;
  dsc_json_node *n = &j->nodes[i];
  n->type = type;
  n->size = 0;
  n->next = i + 1;
  n->start = (uint32_t)p->pos;
  n->end = (uint32_t)p->pos;
  return i;
}

static bool parse_value(parser *p);

static bool parse_string(parser *p) {
  uint32_t i = new_node(p, DSC_JSON_STRING);
  if (i == DSC_JSON_NONE)
    return fail(p, "out of memory");
  p->pos++; /* opening quote */
  size_t start = p->pos;
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c == '"') {
      p->j->nodes[i].start = (uint32_t)start;
      p->j->nodes[i].end = (uint32_t)p->pos;
      p->pos++;
      return true;
    }
    if ((uint8_t)c < 0x20)
      return fail(p, "control character in string");
    if (c == '\\') {
      p->pos++;
      if (p->pos >= p->len)
        break;
      char e = p->s[p->pos];
      if (e == 'u') {
        for (int k = 1; k <= 4; ++k) {
          char h = p->pos + k < p->len ? p->s[p->pos + k] : 0;
          bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                     (h >= 'A' && h <= 'F');
          if (!hex)
            return fail(p, "bad \\u escape");
        }
        p->pos += 4;
      } else if (!(e == '"' || e == '\\' || e == '/' || e == 'b' ||
                   e == 'f' || e == 'n' || e == 'r' || e == 't')) {
        return fail(p, "bad escape");
      }
    }
    p->pos++;
  }
  return fail(p, "unterminated string");
}

static bool parse_number(parser *p) {
  uint32_t i = new_node(p, DSC_JSON_NUMBER);
  if (i == DSC_JSON_NONE)
    return fail(p, "out of memory");
  size_t start = p->pos;
  if (p->pos < p->len && p->s[p->pos] == '-')
    p->pos++;
  size_t digits = 0;
  while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
    p->pos++, digits++;
  if (!digits)
    return fail(p, "bad number");
  if (p->pos < p->len && p->s[p->pos] == '.') {
    p->pos++;
    digits = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
      p->pos++, digits++;
    if (!digits)
      return fail(p, "bad fraction");
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
      p->pos++;
    digits = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
      p->pos++, digits++;
    if (!digits)
      return fail(p, "bad exponent");
  }
  p->j->nodes[i].start = (uint32_t)start;
  p->j->nodes[i].end = (uint32_t)p->pos;
  return true;
}

static bool literal(parser *p, const char *word, uint8_t type) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fail(p, "unexpected token");
  if (new_node(p, type) == DSC_JSON_NONE)
    return fail(p, "out of memory");
  p->pos += n;
  return true;
}

static bool parse_container(parser *p, bool isObject) {
  if (++p->depth > 200)
    return fail(p, "nesting too deep");
  uint32_t i = new_node(p, isObject ? DSC_JSON_OBJECT : DSC_JSON_ARRAY);
  if (i == DSC_JSON_NONE)
    return fail(p, "out of memory");
  char close = isObject ? '}' : ']';
  p->pos++;
  skip_ws(p);
  uint32_t count = 0;
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
  } else {
    for (;;) {
      skip_ws(p);
      if (isObject) {
        if (p->pos >= p->len || p->s[p->pos] != '"')
          return fail(p, "expected a string key");
        if (!parse_string(p))
          return false;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':')
          return fail(p, "expected ':'");
        p->pos++;
      }
      if (!parse_value(p))
        return false;
      count++;
      skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        continue;
      }
      if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        break;
      }
      return fail(p, isObject ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
  dsc_json_node *n = &p->j->nodes[i];
  n->size = count;
  n->next = p->j->n;
  n->end = (uint32_t)p->pos;
  p->depth--;
  return true;
}

static bool parse_value(parser *p) {
  skip_ws(p);
  if (p->pos >= p->len)
    return fail(p, "unexpected end of input");
  char c = p->s[p->pos];
  switch (c) {
  case '{':
    return parse_container(p, true);
  case '[':
    return parse_container(p, false);
  case '"':
    return parse_string(p);
  case 't':
    return literal(p, "true", DSC_JSON_TRUE);
  case 'f':
    return literal(p, "false", DSC_JSON_FALSE);
  case 'n':
    return literal(p, "null", DSC_JSON_NULL);
  default:
    if (c == '-' || (c >= '0' && c <= '9'))
      return parse_number(p);
    return fail(p, "unexpected character");
  }
}

dsc_status dsc_json_parse(const char *text, size_t len, dsc_json *out,
                          char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  out->text = text;
  if (len >= 0xFFFFFFF0u) {
    dsc_snprintf(err, errlen, "JSON text of %zu bytes is too large", len);
    return DSC_ERR_UNSUPPORTED;
  }
  parser p = {out, text, 0, len, err, errlen, 0};
  if (!parse_value(&p)) {
    dsc_json_free(out);
    return DSC_ERR_FORMAT;
  }
  skip_ws(&p);
  if (p.pos != len) {
    fail(&p, "trailing characters");
    dsc_json_free(out);
    return DSC_ERR_FORMAT;
  }
  return DSC_OK;
}

void dsc_json_free(dsc_json *j) {
  free(j->nodes);
  j->nodes = 0;
  j->n = j->cap = 0;
}

uint8_t dsc_json_type(const dsc_json *j, uint32_t node) {
  return node < j->n ? j->nodes[node].type : DSC_JSON_NULL;
}

uint32_t dsc_json_first(const dsc_json *j, uint32_t node) {
  if (node >= j->n || j->nodes[node].size == 0)
    return DSC_JSON_NONE;
  return node + 1;
}

uint32_t dsc_json_next_elem(const dsc_json *j, uint32_t node) {
  uint32_t nx = j->nodes[node].next;
  return nx;
}

uint32_t dsc_json_next_key(const dsc_json *j, uint32_t key) {
  return j->nodes[key + 1].next;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                               : c - 'A' + 10;
}

size_t dsc_json_str(const dsc_json *j, uint32_t node, char *buf, size_t cap) {
  if (node >= j->n || j->nodes[node].type != DSC_JSON_STRING)
    return 0;
  const char *s = j->text + j->nodes[node].start;
  const char *e = j->text + j->nodes[node].end;
  size_t n = 0;
#define PUT(c) dsc_put_char(buf, cap, &n, (char)(c))
  while (s < e) {
    if (*s != '\\') {
      PUT(*s++);
      continue;
    }
    s++;
    char c = *s++;
    switch (c) {
    case 'b': PUT('\b'); break;
    case 'f': PUT('\f'); break;
    case 'n': PUT('\n'); break;
    case 'r': PUT('\r'); break;
    case 't': PUT('\t'); break;
    case 'u': {
      uint32_t cp = 0;
      for (int k = 0; k < 4; ++k)
        cp = cp * 16 + (uint32_t)hexval(s[k]);
      s += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && e - s >= 6 && s[0] == '\\' &&
          s[1] == 'u') {
        uint32_t lo = 0;
        for (int k = 2; k < 6; ++k)
          lo = lo * 16 + (uint32_t)hexval(s[k]);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          s += 6;
        }
      }
      char u[4];
      size_t k = dsc_utf8_encode(cp, u);
      for (size_t q = 0; q < k; ++q)
        PUT(u[q]);
      break;
    }
    default: PUT(c); break;
    }
  }
#undef PUT
  return n;
}

bool dsc_json_str_eq(const dsc_json *j, uint32_t node, const char *str) {
  if (node >= j->n || j->nodes[node].type != DSC_JSON_STRING)
    return false;
  size_t want = strlen(str);
  const dsc_json_node *nd = &j->nodes[node];
  /* Fast path: no escapes. */
  size_t raw = nd->end - nd->start;
  if (raw == want && memcmp(j->text + nd->start, str, want) == 0)
    return true;
  char tmp[256];
  if (raw > sizeof(tmp))
    return false;
  size_t n = dsc_json_str(j, node, tmp, sizeof(tmp));
  return n == want && memcmp(tmp, str, n) == 0;
}

uint32_t dsc_json_get(const dsc_json *j, uint32_t obj, const char *key) {
  if (obj >= j->n || j->nodes[obj].type != DSC_JSON_OBJECT)
    return DSC_JSON_NONE;
  uint32_t k = dsc_json_first(j, obj);
  for (uint32_t i = 0; i < j->nodes[obj].size; ++i) {
    if (dsc_json_str_eq(j, k, key))
      return k + 1;
    k = dsc_json_next_key(j, k);
  }
  return DSC_JSON_NONE;
}

uint32_t dsc_json_path(const dsc_json *j, uint32_t node, const char *path) {
  char key[128];
  while (*path && node != DSC_JSON_NONE) {
    size_t n = 0;
    while (path[n] && path[n] != '.' && n + 1 < sizeof(key)) {
      key[n] = path[n];
      n++;
    }
    key[n] = 0;
    node = dsc_json_get(j, node, key);
    path += n;
    if (*path == '.')
      path++;
  }
  return node;
}

double dsc_json_num(const dsc_json *j, uint32_t node) {
  if (node >= j->n || j->nodes[node].type != DSC_JSON_NUMBER)
    return 0;
  const char *s = j->text + j->nodes[node].start;
  const char *e = j->text + j->nodes[node].end;
  bool neg = false;
  if (s < e && *s == '-')
    neg = true, s++;
  /* The mantissa keeps 19 significant digits so it stays finite: an
   * infinite mantissa over an infinite power of ten would be NaN. Digits
   * past those only move the decimal exponent. */
  double v = 0;
  int sig = 0;
  int64_t exp10 = 0;
  while (s < e && *s >= '0' && *s <= '9') {
    if (sig < 19)
      v = v * 10 + (*s - '0'), sig += v != 0;
    else
      exp10++;
    s++;
  }
  if (s < e && *s == '.') {
    s++;
    for (; s < e && *s >= '0' && *s <= '9'; ++s)
      if (sig < 19)
        v = v * 10 + (*s - '0'), sig += v != 0, exp10--;
  }
  if (s < e && (*s == 'e' || *s == 'E')) {
    s++;
    bool eneg = false;
    if (s < e && (*s == '+' || *s == '-'))
      eneg = *s++ == '-';
    int64_t x = 0;
    while (s < e && *s >= '0' && *s <= '9' && x < 10000)
      x = x * 10 + (*s++ - '0');
    exp10 += eneg ? -x : x;
  }
  /* Zero times an overflowing power of ten ("0e999") is zero, not NaN. */
  if (v == 0)
    return neg ? -0.0 : 0.0;
  double p = 1, b = 10;
  int64_t a = exp10 < 0 ? -exp10 : exp10;
  if (a > 1000)
    a = 1000; /* past the double range either way */
  while (a) {
    if (a & 1)
      p *= b;
    b *= b;
    a >>= 1;
  }
  v = exp10 < 0 ? v / p : v * p;
  return neg ? -v : v;
}

bool dsc_json_int(const dsc_json *j, uint32_t node, int64_t lo, int64_t hi,
                  int64_t *out) {
  if (dsc_json_type(j, node) != DSC_JSON_NUMBER)
    return false;
  double v = dsc_json_num(j, node);
  /* Written so NaN fails every test: only then is the cast defined. */
  if (!(v >= (double)lo && v <= (double)hi))
    return false;
  int64_t i = (int64_t)v;
  if ((double)i != v)
    return false;
  *out = i;
  return true;
}

bool dsc_json_bool(const dsc_json *j, uint32_t node, bool dflt) {
  uint8_t t = dsc_json_type(j, node);
  if (node == DSC_JSON_NONE || (t != DSC_JSON_TRUE && t != DSC_JSON_FALSE))
    return dflt;
  return t == DSC_JSON_TRUE;
}
