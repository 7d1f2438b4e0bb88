/* A growing text buffer (see text_buf.h). */
#include "text_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void serve_text_printf(serve_text *t, const char *fmt, ...)
{
    while (!t->failed) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            t->failed = 1;
            break;
        }
        if (t->s && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            break;
        }
        size_t cap = (t->cap + (size_t)k + 1) * 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            break;
        }
        t->s = s, t->cap = cap;
    }
}

void serve_text_json_string(serve_text *t, const char *s)
{
    serve_text_printf(t, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            serve_text_printf(t, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            serve_text_printf(t, "\\u%04x", *p);
        else
            serve_text_printf(t, "%c", *p);
    }
    serve_text_printf(t, "\"");
}

char *serve_text_take(serve_text *t, size_t *len)
{
    if (t->failed) {
        free(t->s);
        t->s = NULL;
        return NULL;
    }
    if (!t->s)
        serve_text_printf(t, "%s", "");
    *len = t->n;
    char *s = t->s;
    t->s = NULL;
    return s;
}
