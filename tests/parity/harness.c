/* Running one case on one backend, with canaries; comparing outputs.
 *
 * Every tensor (and the workspace) gets its own buffer laid out as
 *   [CANARY words][the tensor][CANARY words]
 * where the canary words hold a sentinel bit pattern. After the op they are
 * downloaded and compared bit for bit: a kernel that writes out of bounds
 * (a wrong offset, a missing bound check on a rounded-up global size)
 * changes them. The 1 KiB lead also keeps device views base-aligned. */
#define _POSIX_C_SOURCE 200809L
#include "parity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CANARY 256
#define SENTINEL 0x5EEDCAFEu
/* Extension of the OpenCL backend (see backends/opencl/opencl_backend.c). */
typedef int (*tune_fn)(void *ctx, const char *key, long value);

typedef struct prig {
    siam_buffer *buf[SIAM_OP_MAX_TENSORS];
    siam_buffer *ws;
    size_t ws_words;
    siam_op_args args;
} prig;

static void rig_free(siam_backend *be, prig *r)
{
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++)
        siam_backend_free(be, r->buf[i]);
    siam_backend_free(be, r->ws);
    memset(r, 0, sizeof *r);
}

static uint32_t *padded(const void *data, int64_t n)
{
    uint32_t *p = malloc(((size_t)n + 2 * CANARY) * 4);
    if (!p)
        return NULL;
    for (int k = 0; k < CANARY; k++)
        p[k] = p[CANARY + n + k] = SENTINEL;
    if (data)
        memcpy(p + CANARY, data, (size_t)n * 4);
    else
        memset(p + CANARY, 0xff, (size_t)n * 4); /* workspace: NaN garbage */
    return p;
}

static siam_status upload_padded(siam_backend *be, siam_buffer **buf, const void *data, int64_t n,
                                 siam_error *err)
{
    uint32_t *p = padded(data, n);
    if (!p)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "parity: out of memory");
    size_t bytes = ((size_t)n + 2 * CANARY) * 4;
    siam_status st = siam_backend_alloc(be, bytes, buf, err);
    if (st == SIAM_OK)
        st = siam_backend_get_iface(be)->buffer_upload(siam_backend_get_ctx(be), *buf, 0, p, bytes,
                                                       err);
    free(p);
    return st;
}

/* Downloads the padded buffer, counts bad canary words, copies the body. */
static siam_status download_padded(siam_backend *be, siam_buffer *buf, void *data, int64_t n,
                                   int *bad, siam_error *err)
{
    size_t bytes = ((size_t)n + 2 * CANARY) * 4;
    uint32_t *p = malloc(bytes);
    if (!p)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "parity: out of memory");
    siam_status st = siam_backend_get_iface(be)->buffer_download(siam_backend_get_ctx(be), buf, 0,
                                                                 p, bytes, err);
    if (st == SIAM_OK) {
        for (int k = 0; k < CANARY; k++)
            *bad += (p[k] != SENTINEL) + (p[CANARY + n + k] != SENTINEL);
        if (data)
            memcpy(data, p + CANARY, (size_t)n * 4);
    }
    free(p);
    return st;
}

static siam_status rig_make(siam_backend *be, const pcase *pc, const phost *h, prig *r,
                            siam_error *err)
{
    memset(r, 0, sizeof *r);
    r->args = pc->params;
    r->args.op = pc->op;
    const siam_op_info *info = siam_op_get_info(pc->op);
    /* Code paths a backend would not take on these shapes by default. */
    tune_fn tune = NULL;
    void *(*gpa)(void *, const char *) = siam_backend_get_iface(be)->get_proc_address;
    void *fn = gpa ? gpa(siam_backend_get_ctx(be), "siam_opencl_tune") : NULL;
    if (!fn && gpa)
        fn = gpa(siam_backend_get_ctx(be), "siam_blas_tune");
    memcpy(&tune, &fn, sizeof tune);
    if (tune) {
        tune(siam_backend_get_ctx(be), NULL, 0);
        if (pc->tune_key)
            tune(siam_backend_get_ctx(be), pc->tune_key, pc->tune_value);
        if (pc->tune_key2)
            tune(siam_backend_get_ctx(be), pc->tune_key2, pc->tune_value2);
    }
    int alias_out = -1, alias_in = -1;
    pcase_alias(pc, &alias_out, &alias_in);
    for (int i = 0; i < info->n_tensors; i++) {
        if (!pc->present[i])
            continue;
        if (i == alias_out) { /* a view of the input's body, and no buffer of its own */
            r->args.t[i] = siam_tensor_view(r->buf[alias_in], CANARY, SIAM_F32, pc->ndim[i],
                                            pc->shape[i]);
            continue;
        }
        siam_status st = upload_padded(be, &r->buf[i], h->t[i], h->n[i], err);
        if (st != SIAM_OK) {
            rig_free(be, r);
            return st;
        }
        r->args.t[i] = siam_tensor_view(r->buf[i], CANARY, SIAM_F32, pc->ndim[i], pc->shape[i]);
    }
    char reason[256] = "";
    if (!siam_backend_supports(be, &r->args, reason, sizeof reason)) {
        rig_free(be, r);
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "%s", reason[0] ? reason : "unsupported");
    }
    size_t ws = siam_backend_workspace(be, &r->args);
    if (ws > 0) {
        r->ws_words = (ws + 3) / 4;
        siam_status st = upload_padded(be, &r->ws, NULL, (int64_t)r->ws_words, err);
        if (st != SIAM_OK) {
            rig_free(be, r);
            return st;
        }
        r->args.workspace = siam_tensor_1d(r->ws, CANARY, (int64_t)r->ws_words);
    }
    return SIAM_OK;
}

siam_status prun(siam_backend *be, const pcase *pc, phost *h, int *canary_bad, siam_error *err)
{
    prig r;
    *canary_bad = 0;
    siam_status st = rig_make(be, pc, h, &r, err);
    if (st != SIAM_OK)
        return st;
    st = siam_backend_run(be, &r.args, err);
    if (st == SIAM_OK)
        st = siam_backend_sync(be, err);
    const siam_op_info *info = siam_op_get_info(pc->op);
    int alias_out = -1, alias_in = -1;
    pcase_alias(pc, &alias_out, &alias_in);
    for (int i = 0; i < info->n_tensors && st == SIAM_OK; i++) {
        if (!pc->present[i])
            continue;
        /* Inputs are checked too: an op must not write them, nor past them.
         * An in-place input is the op's to overwrite: its buffer (and its
         * canaries) are read once, as the output's. */
        if (i == alias_in)
            continue;
        int out = siam_role_is_output(info->role[i]);
        void *tmp = out ? h->t[i] : malloc((size_t)h->n[i] * 4);
        int before = *canary_bad;
        st = download_padded(be, r.buf[i == alias_out ? alias_in : i], tmp, h->n[i], canary_bad,
                             err);
        if (!out) {
            if (tmp && st == SIAM_OK && memcmp(tmp, h->t[i], (size_t)h->n[i] * 4) != 0)
                st = siam_error_set(err, SIAM_ERR_BACKEND, "input tensor '%s' was modified",
                                    info->tensor_name[i]);
            free(tmp);
        }
        if (st == SIAM_OK && *canary_bad > before)
            st = siam_error_set(err, SIAM_ERR_BACKEND, "canary around '%s' overwritten (%d words)",
                                info->tensor_name[i], *canary_bad - before);
    }
    if (st == SIAM_OK && r.ws) {
        st = download_padded(be, r.ws, NULL, (int64_t)r.ws_words, canary_bad, err);
        if (st == SIAM_OK && *canary_bad)
            st = siam_error_set(err, SIAM_ERR_BACKEND, "canary around the workspace overwritten");
    }
    rig_free(be, &r);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

siam_status ptime(siam_backend *be, const pcase *pc, phost *h, int min_reps, double min_seconds,
                  double *us_per_run, siam_error *err)
{
    prig r;
    siam_status st = rig_make(be, pc, h, &r, err);
    if (st != SIAM_OK)
        return st;
    /* One untimed run: kernels compile on first use. */
    st = siam_backend_run(be, &r.args, err);
    if (st == SIAM_OK)
        st = siam_backend_sync(be, err);
    int reps = 0;
    double t0 = now_s(), t = 0.0;
    while (st == SIAM_OK && (reps < min_reps || t < min_seconds)) {
        st = siam_backend_run(be, &r.args, err);
        reps++;
        if (st == SIAM_OK && (reps % 8 == 0 || reps >= min_reps)) {
            st = siam_backend_sync(be, err);
            t = now_s() - t0;
        }
    }
    if (st == SIAM_OK)
        st = siam_backend_sync(be, err);
    t = now_s() - t0;
    *us_per_run = reps ? 1e6 * t / reps : 0.0;
    rig_free(be, &r);
    return st;
}

pcompare pcompare_outputs(const pcase *pc, const phost *ref, const phost *got)
{
    pcompare c = {0};
    const siam_op_info *info = siam_op_get_info(pc->op);
    for (int i = 0; i < info->n_tensors; i++) {
        if (!pc->present[i] || !siam_role_is_output(info->role[i]))
            continue;
        const float *a = ref->t[i], *b = got->t[i];
        double num = 0.0, den = 0.0;
        for (int64_t k = 0; k < ref->n[i]; k++) {
            if (isnan(a[k]) || isnan(b[k])) {
                c.nan = 1;
                continue;
            }
            if (isinf(a[k]) || isinf(b[k])) {
                c.inf_mismatch |= a[k] != b[k]; /* same sign of infinity, or not */
                continue;
            }
            double d = (double)a[k] - (double)b[k];
            num += d * d;
            den += (double)a[k] * a[k];
        }
        double nmse = den > 0.0 ? num / den : (num > 0.0 ? INFINITY : 0.0);
        if (nmse > c.nmse)
            c.nmse = nmse;
    }
    return c;
}
