/* siamese: opening the files a command reads.
 *
 * A FIFO or a device given where a file is expected would block a plain
 * open() or read() forever, and a folder reads as an error far from its
 * cause. Inputs are opened without blocking, required to be regular files
 * (fstat on the open descriptor, so a file swapped in between cannot slip
 * through), then switched back to blocking reads. */
#ifndef SIAMESE_CORE_INPUT_FILE_H
#define SIAMESE_CORE_INPUT_FILE_H

#include "siamese/status.h"

#include <stdio.h>

/* An open descriptor of the regular file `path`; `what` names it in errors
 * ("model", "log"): "cannot open log x: No such file or directory",
 * "log x is not a regular file (a FIFO)". */
siam_status siam_open_input(const char *path, const char *what, int *fd, siam_error *err);
/* The same as a stdio stream ("rb"). */
siam_status siam_fopen_input(const char *path, const char *what, FILE **fp, siam_error *err);

#endif
