/* siamese eval --report: writing a dataset image as a PNG. */
#ifndef SIAMESE_CLI_GREY_PNG_H
#define SIAMESE_CLI_GREY_PNG_H

#include "siamese/status.h"

#include <stdint.h>

/* ink: (h, w), 255 = full ink; written as 255 - ink, atomically. */
siam_status cli_write_grey_png(const char *path, const uint8_t *ink, int h, int w,
                               siam_error *err);

#endif
