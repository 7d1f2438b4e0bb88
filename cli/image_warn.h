/* The warning the commands print for an image far from the model's shape. */
#ifndef SIAMESE_CLI_IMAGE_WARN_H
#define SIAMESE_CLI_IMAGE_WARN_H

#include "eval/session.h"

/* A siam_session_warn_fn: one line on stderr; ctx unused. */
void cli_warn_squashed(void *ctx, const char *path, const int size[2], const siam_session *s);

#endif
