/* Shared by the wrapper modules (trace, fault): finding, loading and
 * opening the inner backend that a wrapper forwards to.
 *
 * A wrapper cannot call the core's loader (modules never link libsiamese),
 * so this file repeats the core's search order (core/engine/backend_loader.h) for
 * one module file, and is compiled into each wrapper module. Its functions
 * have hidden visibility there (C_VISIBILITY_PRESET hidden), so two wrappers
 * loaded into one process never see each other's copy.
 *
 * `who` is the wrapper's name ("trace", "fault"): it starts every message
 * and names the module whose folder is searched last.
 */
#ifndef SIAMESE_PLUGINS_WRAP_INNER_H
#define SIAMESE_PLUGINS_WRAP_INNER_H

#include "siamese/backend.h"

/* One loaded inner module. */
typedef struct wrap_inner {
    void *dl;
    const siam_backend_iface *iface;
    char path[1024];  /* resolved file the module was loaded from */
    char spec[256];   /* "opencl:nvidia", as asked for */
} wrap_inner;

/* Finds libsiamese-backend-<name>.so in SIAMESE_BACKEND_PATH (folders or
 * files), ../lib/siamese beside /proc/self/exe, then the folder holding the
 * wrapper module itself; dlopens it and checks its ABI as the core does. */
siam_status wrap_inner_load(const char *who, const char *name, wrap_inner *out,
                            siam_error *err);
void wrap_inner_unload(wrap_inner *in);

/* The whole of a wrapper's create() before its own bookkeeping:
 * opts->device is "INNER[:DEVICE]" (from --backend WHO:INNER[:DEVICE]);
 * without one (the parity program opens modules by name alone) the spec is
 * $env_default, else "cpu", as the core defaults. Loads the inner module
 * into *in and creates its context in *inner_ctx with DEVICE and the
 * thread count passed on. On failure nothing stays loaded. */
siam_status wrap_inner_open(const char *who, const siam_backend_options *opts,
                            const char *env_default, wrap_inner *in, void **inner_ctx,
                            siam_error *err);
/* Destroys the inner context and unloads the module. */
void wrap_inner_close(wrap_inner *in, void *inner_ctx);

/* The `ops` initialiser of a wrapper's table: one function for every op
 * (the op is in the args), made from backend.h's op list so that a new op
 * reaches wrappers with no change here. Which ops really exist is the inner
 * backend's answer, which the wrapper's supports_op passes on. */
/* backend.h's list passes each op's row alone, so the function comes in
 * by name: #define WRAP_OP_FN my_op before `.ops = WRAP_EVERY_OP`. */
#define WRAP_OP_ENTRY_(suffix, name, result) [SIAM_OP_##suffix] = WRAP_OP_FN,
#define WRAP_EVERY_OP {SIAM_OP_LIST(WRAP_OP_ENTRY_)}
#endif
