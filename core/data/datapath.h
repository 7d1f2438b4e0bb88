/* siamese data: where the Omniglot folder is.
 *
 * In order: the --data option; the SIAMESE_DATA environment variable; the
 * user's data folder ($XDG_DATA_HOME/siamese/omniglot, else
 * ~/.local/share/siamese/omniglot) when it exists; for development, when
 * libsiamese runs from a build tree (its folder's parent holds
 * CMakeCache.txt), ../shared/data/omniglot beside the project; else the
 * user's data folder, where fetched data belong. No path is compiled in. */
#ifndef SIAMESE_DATA_DATAPATH_H
#define SIAMESE_DATA_DATAPATH_H

#include "siamese/status.h"

#include <stddef.h>

/* The folder to use, written into buf (cap bytes) unless it is `cli` or
 * the environment's; NULL only when buf is too small for it. */
const char *siam_data_dir(const char *cli, char *buf, size_t cap);
/* The user's data folder (the last resort above) into buf; NULL if it does
 * not fit or neither XDG_DATA_HOME nor HOME is set. */
const char *siam_data_dir_user(char *buf, size_t cap);
/* SIAM_OK when dir holds the folder `sub` (images_background, all_runs);
 * else SIAM_ERR_NOT_FOUND with a message that says where Omniglot comes
 * from and where to put it. dir NULL: no folder could be named at all. */
siam_status siam_data_check(const char *dir, const char *sub, siam_error *err);
/* Writes "<dir>/<sub>" into buf; returns buf, or NULL if it does not fit. */
char *siam_data_join(char *buf, size_t cap, const char *dir, const char *sub);

#endif
