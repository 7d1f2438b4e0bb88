/* Finding, loading and opening a wrapper's inner module (wrap_inner.h).
 * The search order is the core's (core/engine/backend_loader.h), for one file:
 *   1. SIAMESE_BACKEND_PATH: folders or files separated by ':';
 *   2. ../lib/siamese beside the running program (/proc/self/exe);
 *   3. the folder holding the wrapper module (dladdr: this file is compiled
 *      into each wrapper, so the anchor below lies in the wrapper's file),
 *      which in the build tree is the folder of the project's modules.
 * The first existing file wins, as in the core; if it cannot be used, the
 * error names it rather than silently trying the next. */
#define _GNU_SOURCE
#include "wrap_inner.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODULE_PREFIX "libsiamese-backend-"
#define MODULE_SUFFIX ".so"

static int is_file(const char *p)
{
    struct stat st;
    return p && *p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* dir/file into out; 0 if it does not fit. */
static int join(char *out, size_t size, const char *dir, const char *file)
{
    int n = snprintf(out, size, "%s/%s", dir, file);
    return n > 0 && (size_t)n < size;
}

/* One SIAMESE_BACKEND_PATH entry: a folder holding the file, or the file. */
static int try_entry(const char *entry, const char *file, char *out, size_t size)
{
    if (is_dir(entry))
        return join(out, size, entry, file) && is_file(out);
    if (strcmp(base_name(entry), file) == 0 && is_file(entry)) {
        int n = snprintf(out, size, "%s", entry);
        return n > 0 && (size_t)n < size;
    }
    return 0;
}

/* Folder of `path`'s file, into out (no trailing slash); 0 on failure. */
static int dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) >= size)
        return 0;
    memcpy(out, path, (size_t)(slash - path));
    out[slash - path] = '\0';
    return 1;
}

/* A local symbol whose address dladdr maps back to this module's file. */
static void wrap_anchor(void) {}

static int locate(const char *file, char *out, size_t size)
{
    const char *env = getenv("SIAMESE_BACKEND_PATH");
    if (env && *env) {
        char *copy = strdup(env);
        int found = 0;
        char *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok && !found;
             tok = strtok_r(NULL, ":", &save))
            found = try_entry(tok, file, out, size);
        free(copy);
        if (found)
            return 1;
    }
    char exe[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        if (dir_of(exe, dir, sizeof dir) && join(cand, sizeof cand, dir, "../lib/siamese") &&
            try_entry(cand, file, out, size))
            return 1;
    }
    Dl_info info;
    void (*anchor)(void) = wrap_anchor;
    void *addr;
    memcpy(&addr, &anchor, sizeof addr); /* function-to-object pointer, as POSIX allows */
    if (dladdr(addr, &info) && info.dli_fname && dir_of(info.dli_fname, dir, sizeof dir) &&
        try_entry(dir, file, out, size))
        return 1;
    return 0;
}

siam_status wrap_inner_load(const char *who, const char *name, wrap_inner *out,
                            siam_error *err)
{
    memset(out, 0, sizeof *out);
    if (!name || !*name || strchr(name, '/') || strlen(name) > 64)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: bad inner backend name '%s'", who,
                              name ? name : "(null)");
    char file[128];
    snprintf(file, sizeof file, MODULE_PREFIX "%s" MODULE_SUFFIX, name);
    if (!locate(file, out->path, sizeof out->path))
        return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                              "%s: inner backend '%s' not found (no %s in SIAMESE_BACKEND_PATH, "
                              "../lib/siamese beside the program, or the %s module's folder)",
                              who, name, file, who);
    char *real = realpath(out->path, NULL); /* "bin/../lib/siamese/x.so" -> "lib/siamese/x.so" */
    if (real && strlen(real) < sizeof out->path)
        memcpy(out->path, real, strlen(real) + 1);
    free(real);
    /* NODELETE, as the core does: drivers an inner module pulls in (an
     * OpenCL ICD, a BLAS thread pool) are not safe to unload. */
    void *dl = dlopen(out->path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!dl) {
        const char *e = dlerror();
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: cannot load %s: %s", who, out->path,
                              e ? e : "unknown dlopen error");
    }
    void *sym = dlsym(dl, SIAM_BACKEND_ENTRY_SYMBOL);
    siam_backend_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const siam_backend_iface *ifc = sym ? entry() : NULL;
    siam_status st = SIAM_OK;
    if (!ifc)
        st = siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: %s is not a siamese backend (no %s)",
                            who, out->path, SIAM_BACKEND_ENTRY_SYMBOL);
    else if (ifc->abi_version != SIAM_BACKEND_ABI_VERSION)
        st = siam_error_set(err, SIAM_ERR_ABI,
                            "%s: %s is built for backend ABI version %u, the %s module "
                            "for version %u",
                            who, out->path, ifc->abi_version, who, SIAM_BACKEND_ABI_VERSION);
    else if (ifc->struct_size != sizeof(siam_backend_iface))
        st = siam_error_set(err, SIAM_ERR_ABI,
                            "%s: %s has a %u-byte interface table, expected %zu", who, out->path,
                            ifc->struct_size, sizeof(siam_backend_iface));
    else if (!ifc->create || !ifc->destroy || !ifc->context_device || !ifc->buffer_alloc ||
             !ifc->buffer_free || !ifc->buffer_upload || !ifc->buffer_download ||
             !ifc->buffer_copy || !ifc->buffer_fill || !ifc->supports_op ||
             !ifc->workspace_size || !ifc->synchronize || !ifc->device_count ||
             !ifc->device_info)
        st = siam_error_set(err, SIAM_ERR_ABI,
                            "%s: %s: interface table has a required entry missing", who,
                            out->path);
    else if (ifc->score && ifc->score() <= 0)
        st = siam_error_set(err, SIAM_ERR_UNSUPPORTED,
                            "%s: inner backend '%s' (%s) cannot run on this machine", who,
                            name, out->path);
    if (st != SIAM_OK) {
        dlclose(dl);
        return st;
    }
    out->dl = dl;
    out->iface = ifc;
    return SIAM_OK;
}

void wrap_inner_unload(wrap_inner *in)
{
    if (in && in->dl)
        dlclose(in->dl);
    if (in) {
        in->dl = NULL;
        in->iface = NULL;
    }
}

siam_status wrap_inner_open(const char *who, const siam_backend_options *opts,
                            const char *env_default, wrap_inner *in, void **inner_ctx,
                            siam_error *err)
{
    *inner_ctx = NULL;
    const char *spec = opts && opts->device && *opts->device ? opts->device : NULL;
    if (!spec && env_default)
        spec = getenv(env_default);
    if (!spec || !*spec)
        spec = "cpu";
    if (strlen(spec) >= sizeof in->spec)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: inner backend spec too long", who);
    /* "opencl:nvidia" -> module "opencl", device "nvidia" */
    char name[72];
    const char *colon = strchr(spec, ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    if (nl == 0 || nl >= sizeof name)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s: bad inner backend '%s' (use %s:INNER[:DEVICE])", who, spec,
                              who);
    memcpy(name, spec, nl);
    name[nl] = '\0';
    siam_status st = wrap_inner_load(who, name, in, err);
    if (st != SIAM_OK)
        return st;
    snprintf(in->spec, sizeof in->spec, "%s", spec);
    siam_backend_options inner_opts = {colon ? colon + 1 : NULL, opts ? opts->threads : 0};
    st = in->iface->create(&inner_opts, inner_ctx, err);
    if (st != SIAM_OK) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "%s: ", who);
        siam_error_prefix(err, prefix);
        *inner_ctx = NULL;
        wrap_inner_unload(in);
    }
    return st;
}

void wrap_inner_close(wrap_inner *in, void *inner_ctx)
{
    if (in && in->iface && inner_ctx)
        in->iface->destroy(inner_ctx);
    wrap_inner_unload(in);
}
