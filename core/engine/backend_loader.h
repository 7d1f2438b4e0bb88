/* siamese: finding, loading and calling backend modules.
 *
 * Modules are files named libsiamese-backend-<name>.so, looked for in order:
 *   1. SIAMESE_BACKEND_PATH: folders or files separated by ':';
 *   2. ../lib/siamese beside the running program;
 *   3. the build tree's module folder.
 * The first module found with a given name wins. A module whose ABI version
 * or table size differs from ours is refused with both versions named.
 *
 * A siam_backend is one loaded module plus one context on one device. The
 * wrappers below validate arguments (siam_op_validate) and ask supports_op
 * before every op, so a backend only ever sees calls it said it can run.
 */
#ifndef SIAMESE_CORE_BACKEND_LOADER_H
#define SIAMESE_CORE_BACKEND_LOADER_H

#include "siamese/backend.h"

typedef struct siam_backend siam_backend;

typedef struct siam_module_entry {
    char path[1024];
    char name[64];
    char version[64];
    int score;
    int usable;               /* loaded, right ABI */
    char problem[512];        /* why not usable */
    char wraps[64];           /* a wrapper's usage (SIAM_EXT_WRAPPER), "" for a backend */
} siam_module_entry;

/* All modules found on the search path, usable or not; free with free(). */
siam_status siam_backend_scan(siam_module_entry **entries, int *count, siam_error *err);

/* spec: "NAME" or "NAME:DEVICE" or "auto" (highest score); NULL means the
 * SIAMESE_BACKEND variable, or "auto" (the highest score) when unset.
 * threads: 0 = default. */
siam_status siam_backend_open(const char *spec, int threads, siam_backend **out,
                              siam_error *err);
/* Opens a module file directly (tests, plugins). */
siam_status siam_backend_open_path(const char *path, const char *device, int threads,
                                   siam_backend **out, siam_error *err);
void siam_backend_close(siam_backend *be);

const char *siam_backend_name(const siam_backend *be);
const siam_backend_iface *siam_backend_get_iface(const siam_backend *be);
void *siam_backend_get_ctx(const siam_backend *be);
/* The module's SIAM_EXT_NOTES ("" if it has none): lines ending in '\n'. */
void siam_backend_notes(const siam_backend *be, char *out, size_t size);
siam_status siam_backend_device(siam_backend *be, siam_device_info *info, siam_error *err);

siam_status siam_backend_alloc(siam_backend *be, size_t bytes, siam_buffer **buf,
                               siam_error *err);
void siam_backend_free(siam_backend *be, siam_buffer *buf);
/* Tensor-level transfers: the tensor must be contiguous. */
siam_status siam_tensor_upload(siam_backend *be, const siam_tensor *t, const void *src,
                               siam_error *err);
siam_status siam_tensor_download(siam_backend *be, const siam_tensor *t, void *dst,
                                 siam_error *err);
/* Enqueues the upload and returns (backend.h, "Asynchronous uploads"): src
 * must stay unchanged until a later download or siam_backend_sync. */
siam_status siam_tensor_upload_async(siam_backend *be, const siam_tensor *t, const void *src,
                                     siam_error *err);
/* Host memory the device reads fast (pinned), for asynchronous uploads. */
siam_status siam_backend_host_alloc(siam_backend *be, size_t bytes, void **host,
                                    siam_error *err);
void siam_backend_host_free(siam_backend *be, void *host);
siam_status siam_tensor_fill(siam_backend *be, const siam_tensor *t, float value,
                             siam_error *err);
siam_status siam_tensor_copy(siam_backend *be, const siam_tensor *dst,
                             const siam_tensor *src, siam_error *err);
siam_status siam_backend_sync(siam_backend *be, siam_error *err);

int siam_backend_supports(siam_backend *be, const siam_op_args *args, char *reason,
                          size_t reason_size);
size_t siam_backend_workspace(siam_backend *be, const siam_op_args *args);
/* Validates, checks support, dispatches. */
siam_status siam_backend_run(siam_backend *be, const siam_op_args *args, siam_error *err);

#endif
