/* siamese CLI: text inside SVG and HTML files the program writes. */
#ifndef SIAMESE_CLI_MARKUP_H
#define SIAMESE_CLI_MARKUP_H

#include <stdio.h>

/* s as XML/HTML character data: & < > " escaped, control characters
 * (not allowed in XML 1.0) dropped. */
void cli_markup_text(FILE *f, const char *s);

#endif
