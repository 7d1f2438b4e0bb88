/* Data directory resolution (see datapath.h). */
#include "data/datapath.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef SIAM_DEFAULT_DATA_DIR
#define SIAM_DEFAULT_DATA_DIR "../shared/data/omniglot"
#endif

const char *siam_data_dir_default(void) { return SIAM_DEFAULT_DATA_DIR; }

const char *siam_data_dir(const char *cli)
{
    if (cli && cli[0])
        return cli;
    const char *env = getenv("SIAMESE_DATA");
    if (env && env[0])
        return env;
    return SIAM_DEFAULT_DATA_DIR;
}

char *siam_data_join(char *buf, size_t cap, const char *dir, const char *sub)
{
    int n = snprintf(buf, cap, "%s/%s", dir, sub);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    return buf;
}
