/* siamese serve: a growing text buffer for response bodies. */
#ifndef SIAMESE_CLI_SERVE_TEXT_BUF_H
#define SIAMESE_CLI_SERVE_TEXT_BUF_H

#include <stddef.h>

typedef struct serve_text {
    char *s;
    size_t n, cap;
    int failed; /* out of memory: every later append is dropped */
} serve_text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void serve_text_printf(serve_text *t, const char *fmt, ...);
/* A JSON string literal of s (quoted, escaped). */
void serve_text_json_string(serve_text *t, const char *s);
/* The text, owned by the caller (NULL when out of memory, t freed). */
char *serve_text_take(serve_text *t, size_t *len);

#endif
