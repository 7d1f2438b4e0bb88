/* siamese: text from files (class and file names, model metadata, error
 * messages that quote them) printed to a terminal or a log.
 *
 * Such text may hold control characters: a newline in a class folder's
 * name forges an output line, an escape sequence in a model's metadata
 * drives the user's terminal. Every control character (below 0x20, and
 * 0x7f) is printed as a visible escape: \n, \r, \t, or \xNN. */
#ifndef SIAMESE_CORE_TERM_TEXT_H
#define SIAMESE_CORE_TERM_TEXT_H

#include <stdio.h>

/* Writes s to f with its control characters escaped. */
void siam_fputs_escaped(const char *s, FILE *f);
/* The same into out (NUL-terminated, cut at size with "..." if needed). */
void siam_escape_text(const char *s, char *out, size_t size);
/* "siamese CMD: MESSAGE\n" on stderr ("siamese: " for an empty CMD), the
 * message escaped: one line. */
void siam_print_error(const char *cmd, const char *msg);
/* The same with the message formatted (printf), then escaped as a whole. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void siam_print_errorf(const char *cmd, const char *fmt, ...);

#endif
