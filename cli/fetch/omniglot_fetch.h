/* siamese data fetch: the official Omniglot release, checked and put in
 * place whole.
 *
 * Three archives from the python/ folder of brendenlake/omniglot, each
 * checked against a pinned git blob id, unpacked into a staging folder
 * beside the target ("<target>.fetch"), counted (30 alphabets / 964
 * characters / 19,280 drawings; 20 / 659 / 13,180; Lake's 20 runs), and
 * only then renamed into the target. The target never holds a half
 * folder; an interrupted fetch resumes from the staging folder, which a
 * lock keeps to one fetch at a time. */
#ifndef SIAMESE_CLI_FETCH_OMNIGLOT_FETCH_H
#define SIAMESE_CLI_FETCH_OMNIGLOT_FETCH_H

#include "siamese/status.h"

#define SIAM_FETCH_N_ARCHIVES 3
#define SIAM_FETCH_DEFAULT_BASE "https://raw.githubusercontent.com/brendenlake/omniglot/master/python"

typedef struct siam_fetch_opts {
    const char *to;       /* the Omniglot folder to fill */
    const char *base_url; /* archives at <base>/<path in the repository's python/> */
    /* A blob id per archive ("images_background.zip", "images_evaluation.zip",
     * "all_runs.zip") instead of the pinned one, for mirrors; NULL: pinned. */
    const char *digest[SIAM_FETCH_N_ARCHIVES];
    int progress;         /* progress lines updated in place (a terminal) */
} siam_fetch_opts;

/* The archive names, in the order of digest[]. */
const char *siam_fetch_archive_name(int i);

/* Fills opts->to; SIAM_OK also when it already holds the whole release. */
siam_status siam_fetch_omniglot(const siam_fetch_opts *opts, siam_error *err);

#endif
