#include "train/tune.h"

#include "engine/backend_loader.h"

#include <string.h>

siam_status siam_tune_backend(const char *spec, const siam_op_args *ops, int n, char *report,
                              size_t size, siam_error *err)
{
    siam_backend *be = NULL;
    siam_status st = siam_backend_open(spec, 0, &be, err);
    if (st != SIAM_OK)
        return st;
    const siam_backend_iface *ifc = siam_backend_get_iface(be);
    void *ctx = siam_backend_get_ctx(be);
    void *fn = ifc->get_proc_address ? ifc->get_proc_address(ctx, SIAM_EXT_TUNE) : NULL;
    if (!fn) {
        st = siam_error_set(err, SIAM_ERR_UNSUPPORTED,
                            "backend '%s' has no tuning step (only opencl has one)",
                            siam_backend_name(be));
    } else {
        siam_tune_fn tune;
        memcpy(&tune, &fn, sizeof tune);
        st = tune(ctx, ops, n, report, size, err);
    }
    siam_backend_close(be);
    return st;
}
