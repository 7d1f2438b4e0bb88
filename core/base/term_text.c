/* Control characters made visible (see term_text.h). */
#include "base/term_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The escape of byte c into e (at most 5 bytes with NUL); 0 if none needed. */
static int escape_of(unsigned char c, char e[5])
{
    if (c >= 0x20 && c != 0x7f)
        return 0;
    if (c == '\n')
        memcpy(e, "\\n", 3);
    else if (c == '\r')
        memcpy(e, "\\r", 3);
    else if (c == '\t')
        memcpy(e, "\\t", 3);
    else
        snprintf(e, 5, "\\x%02x", c);
    return 1;
}

void siam_fputs_escaped(const char *s, FILE *f)
{
    char e[5];
    for (; s && *s; s++) {
        if (escape_of((unsigned char)*s, e))
            fputs(e, f);
        else
            fputc(*s, f);
    }
}

void siam_escape_text(const char *s, char *out, size_t size)
{
    if (!size)
        return;
    size_t o = 0;
    char e[5];
    for (; s && *s; s++) {
        const char *piece = escape_of((unsigned char)*s, e) ? e : NULL;
        size_t len = piece ? strlen(piece) : 1;
        if (o + len + 4 > size) { /* room for "..." and the NUL */
            if (size >= 4) {
                memcpy(out + (o < size - 4 ? o : size - 4), "...", 4);
                return;
            }
            break;
        }
        if (piece)
            memcpy(out + o, piece, len);
        else
            out[o] = *s;
        o += len;
    }
    out[o < size ? o : size - 1] = '\0';
}

void siam_print_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "siamese%s%s: ", cmd && *cmd ? " " : "", cmd ? cmd : "");
    siam_fputs_escaped(msg, stderr);
    fputc('\n', stderr);
}

void siam_print_errorf(const char *cmd, const char *fmt, ...)
{
    char msg[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    siam_print_error(cmd, msg);
}
