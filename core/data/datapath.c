/* Data directory resolution (see datapath.h). */
#define _GNU_SOURCE /* dladdr */
#include "data/datapath.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *siam_data_dir_user(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    /* XDG: a relative XDG_DATA_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/siamese/omniglot", xdg);
    else if (home && home[0])
        n = snprintf(buf, cap, "%s/.local/share/siamese/omniglot", home);
    else
        return NULL;
    return n >= 0 && (size_t)n < cap ? buf : NULL;
}

static const char lib_anchor = 0; /* an address inside libsiamese, for dladdr */

/* ../shared/data/omniglot beside the project, when libsiamese is the one in
 * <project>/<build>/lib (the build folder holds CMakeCache.txt). */
static const char *dev_data_dir(char *buf, size_t cap)
{
    Dl_info info;
    if (!dladdr(&lib_anchor, &info) || !info.dli_fname)
        return NULL;
    char *real = realpath(info.dli_fname, NULL);
    char *slash = real ? strrchr(real, '/') : NULL;
    const char *found = NULL;
    if (slash) {
        *slash = '\0';
        int n = snprintf(buf, cap, "%s/../CMakeCache.txt", real);
        struct stat st;
        if (n >= 0 && (size_t)n < cap && stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
            n = snprintf(buf, cap, "%s/../../../shared/data/omniglot", real);
            if (n >= 0 && (size_t)n < cap && is_dir(buf))
                found = buf;
        }
    }
    free(real);
    return found;
}

const char *siam_data_dir(const char *cli, char *buf, size_t cap)
{
    if (cli && cli[0])
        return cli;
    const char *env = getenv("SIAMESE_DATA");
    if (env && env[0])
        return env;
    const char *user = siam_data_dir_user(buf, cap);
    if (user && is_dir(user))
        return user;
    if (dev_data_dir(buf, cap))
        return buf;
    return siam_data_dir_user(buf, cap);
}

siam_status siam_data_check(const char *dir, const char *sub, siam_error *err)
{
    char path[4096];
    if (!dir)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                              "no Omniglot data: give --data DIR or set SIAMESE_DATA (neither "
                              "HOME nor XDG_DATA_HOME names a data folder)");
    if (siam_data_join(path, sizeof path, dir, sub) && is_dir(path))
        return SIAM_OK;
    return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                          "no Omniglot %s in %s%s: run `siamese data fetch --to %s` (it "
                          "downloads the release from github.com/brendenlake/omniglot), or give "
                          "--data DIR or SIAMESE_DATA",
                          sub, dir, is_dir(dir) ? "" : " (no such folder)", dir);
}

char *siam_data_join(char *buf, size_t cap, const char *dir, const char *sub)
{
    int n = snprintf(buf, cap, "%s/%s", dir, sub);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    return buf;
}
