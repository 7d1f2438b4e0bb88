/* siamese CLI: JSON on standard output for --json (one object per line). */
#ifndef SIAMESE_CLI_JSON_OUT_H
#define SIAMESE_CLI_JSON_OUT_H

#include <stdio.h>

/* s as a JSON string literal: quotes, backslashes and control characters
 * escaped (so a file or class name cannot break the line). */
void cli_json_string(FILE *f, const char *s);
/* A finite number with 9 significant digits (exact for a float), or null. */
void cli_json_number(FILE *f, double x);

#endif
