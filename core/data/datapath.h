/* siamese data: where the Omniglot folder is.
 * Precedence: the --data option, then the SIAMESE_DATA environment
 * variable, then the built-in default ../shared/data/omniglot relative to
 * the project root (compile definition SIAM_DEFAULT_DATA_DIR). */
#ifndef SIAMESE_DATA_DATAPATH_H
#define SIAMESE_DATA_DATAPATH_H

#include <stddef.h>

/* Returns the directory to use; `cli` may be NULL. The result points into
 * cli, the environment or a constant; it is not to be freed. */
const char *siam_data_dir(const char *cli);
/* The compiled-in default. */
const char *siam_data_dir_default(void);
/* Writes "<dir>/<sub>" into buf; returns buf, or NULL if it does not fit. */
char *siam_data_join(char *buf, size_t cap, const char *dir, const char *sub);

#endif
