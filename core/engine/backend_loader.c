/* Backend discovery (dlopen) and the checked call wrappers. */
#define _GNU_SOURCE
#include "engine/backend_loader.h"

#include "base/exe_path.h"
#include "engine/op_info.h"

#include <dirent.h>
#include <errno.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#define MODULE_PREFIX "libsiamese-backend-"
#define MODULE_SUFFIX ".so"

struct siam_backend {
    void *dl;
    const siam_backend_iface *iface;
    void *ctx;
    char path[1024];
    char fallback[512]; /* auto: why a higher-scored module was passed over */
};

/* ---- discovery ---- */

typedef struct scan_list {
    siam_module_entry *v;
    int n, cap;
    const char *only; /* a module name: no other module is even loaded; NULL all */
    int names_only;   /* list file names, load nothing */
} scan_list;

static int module_name_of(const char *path, char *name, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t pl = strlen(MODULE_PREFIX), sl = strlen(MODULE_SUFFIX), bl = strlen(base);
    if (bl <= pl + sl || strncmp(base, MODULE_PREFIX, pl) != 0 ||
        strcmp(base + bl - sl, MODULE_SUFFIX) != 0)
        return 0;
    size_t nl = bl - pl - sl;
    if (nl >= size)
        return 0;
    memcpy(name, base + pl, nl);
    name[nl] = '\0';
    return 1;
}

/* Loads a module and checks its ABI; on failure `problem` says why. */
static void *load_module(const char *path, const siam_backend_iface **iface,
                         char *problem, size_t psize)
{
    *iface = NULL;
    /* NODELETE: drivers a module pulls in (an OpenCL ICD, a BLAS thread
     * pool) are not safe to unload, and sanitizers need the symbols. */
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!dl) {
        const char *e = dlerror();
        snprintf(problem, psize, "cannot load: %s", e ? e : "unknown dlopen error");
        return NULL;
    }
    siam_backend_entry_fn entry;
    void *sym = dlsym(dl, SIAM_BACKEND_ENTRY_SYMBOL);
    memcpy(&entry, &sym, sizeof entry); /* object-to-function pointer, POSIX-sanctioned */
    if (!sym) {
        snprintf(problem, psize, "not a siamese backend: no symbol %s", SIAM_BACKEND_ENTRY_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    const siam_backend_iface *ifc = entry();
    if (!ifc) {
        snprintf(problem, psize, "%s returned NULL", SIAM_BACKEND_ENTRY_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    if (ifc->abi_version != SIAM_BACKEND_ABI_VERSION) {
        snprintf(problem, psize,
                 "built for backend ABI version %u, but this program uses version %u",
                 ifc->abi_version, SIAM_BACKEND_ABI_VERSION);
        dlclose(dl);
        return NULL;
    }
    if (ifc->struct_size != sizeof(siam_backend_iface)) {
        snprintf(problem, psize,
                 "interface table is %u bytes, expected %zu (same version, different headers)",
                 ifc->struct_size, sizeof(siam_backend_iface));
        dlclose(dl);
        return NULL;
    }
    if (!ifc->name || !ifc->create || !ifc->destroy || !ifc->buffer_alloc ||
        !ifc->buffer_free || !ifc->buffer_upload || !ifc->buffer_download ||
        !ifc->buffer_copy || !ifc->buffer_fill || !ifc->supports_op ||
        !ifc->workspace_size || !ifc->synchronize || !ifc->device_count ||
        !ifc->device_info || !ifc->context_device || !ifc->host_alloc || !ifc->host_free ||
        !ifc->buffer_upload_async) {
        snprintf(problem, psize, "interface table has a required entry missing");
        dlclose(dl);
        return NULL;
    }
    *iface = ifc;
    return dl;
}

static void scan_add(scan_list *l, const char *path)
{
    char name[64];
    if (!module_name_of(path, name, sizeof name) || (l->only && strcmp(name, l->only) != 0))
        return;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return; /* an earlier folder wins */
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        siam_module_entry *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    /* A path that does not fit the entry would name another file. */
    if (strlen(path) >= sizeof l->v[0].path)
        return;
    siam_module_entry *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->path, sizeof e->path, "%s", path);
    snprintf(e->name, sizeof e->name, "%s", name);
    if (l->names_only)
        return;
    const siam_backend_iface *ifc;
    void *dl = load_module(path, &ifc, e->problem, sizeof e->problem);
    if (dl) {
        e->usable = 1;
        snprintf(e->version, sizeof e->version, "%s", ifc->version ? ifc->version : "?");
        e->score = ifc->score ? ifc->score() : 1;
        if (e->score <= 0)
            snprintf(e->problem, sizeof e->problem, "cannot run on this machine (score 0)");
        const char *wraps = ifc->get_proc_address
                                ? ifc->get_proc_address(NULL, SIAM_EXT_WRAPPER)
                                : NULL;
        if (wraps)
            snprintf(e->wraps, sizeof e->wraps, "%s", wraps);
        dlclose(dl);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_dir_or_file(scan_list *l, const char *p)
{
    struct stat st;
    if (!p || !*p || stat(p, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        scan_add(l, p);
        return;
    }
    DIR *d = opendir(p);
    if (!d)
        return;
    /* Sorted, so that discovery order does not depend on the file system. */
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        char tmp[64];
        if (module_name_of(de->d_name, tmp, sizeof tmp))
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    for (int i = 0; i < n; i++) {
        char full[PATH_MAX];
        if (names[i] && snprintf(full, sizeof full, "%s/%s", p, names[i]) < (int)sizeof full)
            scan_add(l, full);
        free(names[i]);
    }
}

/* "siamese" beside libsiamese itself (dladdr): lib/siamese in the build
 * tree and installed alike, so that a program or a Python process that
 * loads the library finds its modules without a compiled-in path. Nothing
 * when the core is linked into the program itself (siamese_core): that
 * case is siam_exe_relative's. */
static const char lib_anchor = 0; /* an address inside libsiamese, for dladdr */

static void lib_module_dir(char *out, size_t size)
{
    out[0] = '\0';
    Dl_info info;
    if (!dladdr(&lib_anchor, &info) || !info.dli_fname)
        return;
    char *real = realpath(info.dli_fname, NULL);
    char *exe = realpath("/proc/self/exe", NULL);
    if (real && exe && strcmp(real, exe) == 0) { /* the core linked into the program */
        free(real);
        real = NULL;
    }
    free(exe);
    char *slash = real ? strrchr(real, '/') : NULL;
    if (slash) {
        *slash = '\0';
        if ((size_t)snprintf(out, size, "%s/siamese", real) >= size)
            out[0] = '\0';
    }
    free(real);
}

/* The modules found, all of them or only those named `only` (a module
 * named on the command line is the only one loaded: a broken or crashing
 * module elsewhere in the path cannot take down --backend cpu). */
static siam_status scan(const char *only, int names_only, siam_module_entry **entries,
                        int *count, siam_error *err)
{
    if (!entries || !count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_scan: NULL argument");
    scan_list l = {0};
    l.only = only;
    l.names_only = names_only;
    const char *env = getenv("SIAMESE_BACKEND_PATH");
    if (env && *env) {
        char *copy = strdup(env);
        if (!copy)
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        char *save = NULL;
        for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
            scan_dir_or_file(&l, tok);
        free(copy);
    }
    char dir[PATH_MAX];
    siam_exe_relative("../lib/siamese", dir, sizeof dir);
    scan_dir_or_file(&l, dir);
    lib_module_dir(dir, sizeof dir);
    scan_dir_or_file(&l, dir);
    *entries = l.v;
    *count = l.n;
    return SIAM_OK;
}

siam_status siam_backend_scan(siam_module_entry **entries, int *count, siam_error *err)
{
    return scan(NULL, 0, entries, count, err);
}

/* ---- opening ---- */

/* Threads for a context asked for with 0 ("the default"): SIAMESE_THREADS
 * when set, so that a user or a test run can pin every backend a command
 * opens; else 0, which the backend takes as all cores. */
static siam_status default_threads(int *threads, siam_error *err)
{
    const char *env = getenv("SIAMESE_THREADS");
    if (*threads != 0 || !env || !*env)
        return SIAM_OK;
    char *end = NULL;
    errno = 0;
    long v = strtol(env, &end, 10);
    if (errno || *end || end == env || v < 1 || v > 1024)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "SIAMESE_THREADS='%s' is not a whole number in [1, 1024]", env);
    *threads = (int)v;
    return SIAM_OK;
}

siam_status siam_backend_open_path(const char *path, const char *device, int threads,
                                   siam_backend **out, siam_error *err)
{
    if (!path || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_open_path: NULL argument");
    *out = NULL;
    siam_status st = default_threads(&threads, err);
    if (st != SIAM_OK)
        return st;
    char problem[512];
    const siam_backend_iface *ifc;
    void *dl = load_module(path, &ifc, problem, sizeof problem);
    if (!dl)
        return siam_error_set(err, strstr(problem, "ABI") ? SIAM_ERR_ABI : SIAM_ERR_NOT_FOUND,
                              "backend module %s: %s", path, problem);
    if (ifc->score && ifc->score() <= 0) {
        dlclose(dl);
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED,
                              "backend '%s' (%s) cannot run on this machine", ifc->name, path);
    }
    siam_backend *be = calloc(1, sizeof *be);
    if (!be) {
        dlclose(dl);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    siam_backend_options opts = {device, threads};
    st = ifc->create(&opts, &be->ctx, err);
    if (st != SIAM_OK) {
        free(be);
        dlclose(dl);
        return st;
    }
    be->dl = dl;
    be->iface = ifc;
    snprintf(be->path, sizeof be->path, "%s", path);
    *out = be;
    return SIAM_OK;
}

siam_status siam_backend_open(const char *spec, int threads, siam_backend **out,
                              siam_error *err)
{
    if (!out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_open: NULL argument");
    *out = NULL;
    if (!spec || !*spec)
        spec = getenv("SIAMESE_BACKEND");
    if (!spec || !*spec)
        spec = "auto"; /* the fastest usable module: a GPU, else blas, else cpu */
    char name[64];
    const char *colon = strchr(spec, ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    if (nl == 0 || nl >= sizeof name)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "bad backend name '%s'", spec);
    memcpy(name, spec, nl);
    name[nl] = '\0';
    const char *device = colon ? colon + 1 : NULL;

    siam_module_entry *e = NULL;
    int n = 0;
    int is_auto = strcmp(name, "auto") == 0;
    siam_status st = scan(is_auto ? NULL : name, 0, &e, &n, err);
    if (st != SIAM_OK)
        return st;
    if (!is_auto) {
        if (n == 0) {
            siam_module_entry *all = NULL;
            int na = 0;
            char list[512] = "";
            size_t used = 0;
            if (scan(NULL, 1, &all, &na, err) == SIAM_OK) /* names only: load nothing */
                for (int i = 0; i < na && used < sizeof list - 70; i++)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                             i ? ", " : "", all[i].name);
            free(all);
            free(e);
            return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                                  "unknown backend '%s' (found: %s; set SIAMESE_BACKEND_PATH to "
                                  "add module folders)",
                                  name, used ? list : "none");
        }
        if (!e[0].usable) {
            siam_error_set(err, SIAM_ERR_ABI, "backend '%s' (%s): %s", e[0].name, e[0].path,
                           e[0].problem);
            free(e);
            return SIAM_ERR_ABI;
        }
        char path[sizeof e[0].path];
        memcpy(path, e[0].path, sizeof path);
        free(e);
        return siam_backend_open_path(path, device, threads, out, err);
    }
    /* auto: the highest score that opens; one that fails to open is passed
     * over, and why is kept for siam_backend_notes. */
    char passed[512] = "";
    siam_error last = {0};
    st = siam_error_set(&last, SIAM_ERR_NOT_FOUND,
                        "no usable backend module found (set SIAMESE_BACKEND_PATH)");
    for (;;) {
        int pick = -1;
        for (int i = 0; i < n; i++)
            if (e[i].usable && e[i].score > 0 && (pick < 0 || e[i].score > e[pick].score))
                pick = i;
        if (pick < 0)
            break;
        st = siam_backend_open_path(e[pick].path, device, threads, out, &last);
        if (st == SIAM_OK)
            break;
        size_t len = strlen(passed);
        if (len < sizeof passed)
            snprintf(passed + len, sizeof passed - len, "%sbackend %s failed to open (%.200s)",
                     len ? "; " : "", e[pick].name, last.msg);
        e[pick].usable = 0;
    }
    free(e);
    if (st != SIAM_OK) {
        if (err)
            *err = last;
        return st;
    }
    if (passed[0])
        snprintf((*out)->fallback, sizeof (*out)->fallback, "%s; using %s", passed,
                 (*out)->iface->name);
    return st;
}

void siam_backend_close(siam_backend *be)
{
    if (!be)
        return;
    if (be->iface && be->ctx)
        be->iface->destroy(be->ctx);
    if (be->dl)
        dlclose(be->dl);
    free(be);
}

const char *siam_backend_name(const siam_backend *be) { return be ? be->iface->name : "(none)"; }
const siam_backend_iface *siam_backend_get_iface(const siam_backend *be) { return be ? be->iface : NULL; }
void *siam_backend_get_ctx(const siam_backend *be) { return be ? be->ctx : NULL; }

void siam_backend_notes(const siam_backend *be, char *out, size_t size)
{
    if (size)
        out[0] = '\0';
    void *fn = be && be->iface->get_proc_address
                   ? be->iface->get_proc_address(NULL, SIAM_EXT_NOTES)
                   : NULL;
    siam_notes_fn notes = NULL;
    memcpy(&notes, &fn, sizeof notes);
    if (notes && size)
        notes(out, size);
    if (be && be->fallback[0] && size) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s\n", be->fallback);
    }
}

siam_status siam_backend_device(siam_backend *be, siam_device_info *info, siam_error *err)
{
    if (!be || !info)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_device: NULL argument");
    memset(info, 0, sizeof *info);
    return be->iface->context_device(be->ctx, info, err);
}

/* ---- buffers and tensors ---- */

siam_status siam_backend_alloc(siam_backend *be, size_t bytes, siam_buffer **buf,
                               siam_error *err)
{
    if (!be || !buf)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_alloc: NULL argument");
    if (bytes == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_alloc: zero bytes");
    return be->iface->buffer_alloc(be->ctx, bytes, buf, err);
}

void siam_backend_free(siam_backend *be, siam_buffer *buf)
{
    if (be && buf)
        be->iface->buffer_free(be->ctx, buf);
}

static siam_status check_tensor(const siam_backend *be, const siam_tensor *t, const char *fn,
                                siam_error *err)
{
    if (!be || !t || !t->buf)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: NULL backend or tensor", fn);
    if (t->ndim < 1 || t->ndim > SIAM_MAX_DIMS || !siam_tensor_is_contiguous(t))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: tensor must be contiguous", fn);
    return SIAM_OK;
}

siam_status siam_tensor_upload(siam_backend *be, const siam_tensor *t, const void *src,
                               siam_error *err)
{
    siam_status st = check_tensor(be, t, "siam_tensor_upload", err);
    if (st != SIAM_OK)
        return st;
    if (!src)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_tensor_upload: NULL source");
    size_t es = siam_dtype_size(t->dtype);
    return be->iface->buffer_upload(be->ctx, t->buf, t->offset * es, src,
                                    (size_t)siam_tensor_numel(t) * es, err);
}

siam_status siam_tensor_upload_async(siam_backend *be, const siam_tensor *t, const void *src,
                                     siam_error *err)
{
    siam_status st = check_tensor(be, t, "siam_tensor_upload_async", err);
    if (st != SIAM_OK)
        return st;
    if (!src)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_tensor_upload_async: NULL source");
    size_t es = siam_dtype_size(t->dtype);
    return be->iface->buffer_upload_async(be->ctx, t->buf, t->offset * es, src,
                                          (size_t)siam_tensor_numel(t) * es, err);
}

siam_status siam_backend_host_alloc(siam_backend *be, size_t bytes, void **host, siam_error *err)
{
    if (!be || !host || bytes == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_host_alloc: bad argument");
    *host = NULL;
    return be->iface->host_alloc(be->ctx, bytes, host, err);
}

void siam_backend_host_free(siam_backend *be, void *host)
{
    if (be && host)
        be->iface->host_free(be->ctx, host);
}

siam_status siam_tensor_download(siam_backend *be, const siam_tensor *t, void *dst,
                                 siam_error *err)
{
    siam_status st = check_tensor(be, t, "siam_tensor_download", err);
    if (st != SIAM_OK)
        return st;
    if (!dst)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_tensor_download: NULL target");
    size_t es = siam_dtype_size(t->dtype);
    return be->iface->buffer_download(be->ctx, t->buf, t->offset * es, dst,
                                      (size_t)siam_tensor_numel(t) * es, err);
}

siam_status siam_tensor_fill(siam_backend *be, const siam_tensor *t, float value,
                             siam_error *err)
{
    siam_status st = check_tensor(be, t, "siam_tensor_fill", err);
    if (st != SIAM_OK)
        return st;
    return be->iface->buffer_fill(be->ctx, t->buf, t->offset * siam_dtype_size(t->dtype),
                                  (size_t)siam_tensor_numel(t), value, err);
}

siam_status siam_tensor_copy(siam_backend *be, const siam_tensor *dst, const siam_tensor *src,
                             siam_error *err)
{
    siam_status st = check_tensor(be, dst, "siam_tensor_copy", err);
    if (st == SIAM_OK)
        st = check_tensor(be, src, "siam_tensor_copy", err);
    if (st != SIAM_OK)
        return st;
    if (siam_tensor_numel(dst) != siam_tensor_numel(src))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_tensor_copy: size mismatch");
    size_t es = siam_dtype_size(src->dtype);
    return be->iface->buffer_copy(be->ctx, dst->buf, dst->offset * es, src->buf,
                                  src->offset * es, (size_t)siam_tensor_numel(src) * es, err);
}

siam_status siam_backend_sync(siam_backend *be, siam_error *err)
{
    if (!be)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_sync: NULL backend");
    return be->iface->synchronize(be->ctx, err);
}

/* ---- ops ---- */

int siam_backend_supports(siam_backend *be, const siam_op_args *args, char *reason,
                          size_t reason_size)
{
    if (reason && reason_size)
        reason[0] = '\0';
    if (!be || !args || (int)args->op < 0 || args->op >= SIAM_OP_COUNT)
        return 0;
    if (!be->iface->ops[args->op]) {
        if (reason && reason_size)
            snprintf(reason, reason_size, "op not implemented");
        return 0;
    }
    return be->iface->supports_op(be->ctx, args, reason, reason_size);
}

size_t siam_backend_workspace(siam_backend *be, const siam_op_args *args)
{
    if (!be || !args || siam_op_validate(args, NULL) != SIAM_OK)
        return 0;
    return be->iface->workspace_size(be->ctx, args);
}

siam_status siam_backend_run(siam_backend *be, const siam_op_args *args, siam_error *err)
{
    if (!be)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_backend_run: NULL backend");
    siam_status st = siam_op_validate(args, err);
    if (st != SIAM_OK)
        return st;
    char reason[256];
    if (!siam_backend_supports(be, args, reason, sizeof reason))
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "backend '%s' cannot run %s: %s",
                              be->iface->name, siam_op_get_info(args->op)->name,
                              reason[0] ? reason : "not supported");
    size_t ws = be->iface->workspace_size(be->ctx, args);
    if (ws > 0) {
        size_t have = args->workspace.buf ? (size_t)siam_tensor_numel(&args->workspace) * 4 : 0;
        if (have < ws)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "%s: needs %zu bytes of workspace, given %zu",
                                  siam_op_get_info(args->op)->name, ws, have);
    }
    st = be->iface->ops[args->op](be->ctx, args, err);
    if (st != SIAM_OK && err) {
        char prefix[96];
        snprintf(prefix, sizeof prefix, "%s on %s: ", siam_op_get_info(args->op)->name,
                 be->iface->name);
        siam_error_prefix(err, prefix);
    }
    return st;
}
