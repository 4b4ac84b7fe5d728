/*===- json.h - a small JSON reader -------------------------------*- C -*-===*
 *
 * Parses a JSON text into a flat array of nodes (no copies of strings),
 * for tokenizer.json files. Depth is limited so any input is safe.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_JSON_H
#define DSC_JSON_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  DSC_JSON_NULL,
  DSC_JSON_FALSE,
  DSC_JSON_TRUE,
  DSC_JSON_NUMBER,
  DSC_JSON_STRING,
  DSC_JSON_ARRAY,
  DSC_JSON_OBJECT
};

#define DSC_JSON_NONE 0xFFFFFFFFu

typedef struct {
  uint8_t type;
  uint32_t size;  /* array elements or object members */
  uint32_t next;  /* index of the node after this subtree */
  uint32_t start; /* byte span; for strings, inside the quotes */
  uint32_t end;
} dsc_json_node;

typedef struct {
  dsc_json_node *nodes;
  uint32_t n, cap;
  const char *text;
} dsc_json;

dsc_status dsc_json_parse(const char *text, size_t len, dsc_json *out,
                          char *err, size_t errlen);
void dsc_json_free(dsc_json *j);

/* Member `key` of object node `obj`, or DSC_JSON_NONE. */
uint32_t dsc_json_get(const dsc_json *j, uint32_t obj, const char *key);
/* Follows a path of keys ("a.b.c"); DSC_JSON_NONE if any step fails. */
uint32_t dsc_json_path(const dsc_json *j, uint32_t node, const char *path);
/* First child (array element or object key), or DSC_JSON_NONE. */
uint32_t dsc_json_first(const dsc_json *j, uint32_t node);
/* Next sibling element; for objects step from key to key. */
uint32_t dsc_json_next_elem(const dsc_json *j, uint32_t node);
uint32_t dsc_json_next_key(const dsc_json *j, uint32_t key);
uint8_t dsc_json_type(const dsc_json *j, uint32_t node);
/* Unescaped string into buf; returns its length (may exceed cap). */
size_t dsc_json_str(const dsc_json *j, uint32_t node, char *buf, size_t cap);
bool dsc_json_str_eq(const dsc_json *j, uint32_t node, const char *s);
double dsc_json_num(const dsc_json *j, uint32_t node);
/* A number node holding an integer in [lo, hi] (|lo|, |hi| below 2^53) into
 * *out; false for anything else: not a number, a fraction, out of range. */
bool dsc_json_int(const dsc_json *j, uint32_t node, int64_t lo, int64_t hi,
                  int64_t *out);
/* true for `true`, false for anything else; *present says if it is a bool */
bool dsc_json_bool(const dsc_json *j, uint32_t node, bool dflt);

#ifdef __cplusplus
}
#endif

#endif /* DSC_JSON_H */
