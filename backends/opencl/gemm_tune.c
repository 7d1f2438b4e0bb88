/* SIAM_EXT_TUNE: picks CLBlast Xgemm parameters for this device from a few
 * candidate sets, on the GEMMs the given ops run here (conv2d.c and
 * linear.c say which: sub-batches, k chunks and splits included, as
 * ocl_gemm_run runs them), and stores the winner (gemm_params.c).
 *
 * Order: CLBlast's database first (the context must not have applied a
 * set yet: CLBlast 1.5.3 can override its parameters but neither read nor
 * restore them, and an override lasts for the process), then each
 * candidate: applied, every shape run once to build and warm up, then
 * timed as the best of OCL_TUNE_REPS runs, each ended by clFinish. A
 * candidate's results must match the database's (both ends of C) or it is
 * refused; a set the device cannot run is reported by CLBlast's status
 * name and skipped. The score is the step's GEMM time: the sum over shapes
 * of time x calls per step.
 *
 * Report records, tab-separated, one a line:
 *   device  NAME
 *   set     NAME  TOTAL_MS|-  ok|REASON        (database first)
 *   shape   OP  M  N  K  CALLS  DATABASE_MS  BEST_MS
 *   result  stored|none  SET|-  DATABASE_MS  BEST_MS  PATH  NOTE
 * where BEST is the fastest set that ran correctly. */
#define _POSIX_C_SOURCE 200809L
#include "ocl_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OCL_TUNE_REPS 3
#define OCL_TUNE_MAX_SHAPES 64
/* Floats of C compared with the database's at each end (the last tiles
 * are where padding mistakes show). */
#define OCL_TUNE_CHECK_FLOATS ((size_t)1 << 16)
#define OCL_TUNE_FILL_CHUNK ((size_t)1 << 20)

/* Order: GEMMK KREG KWG KWI MDIMA MDIMC MWG NDIMB NDIMC NWG SA SB STRM STRN VWM VWN.
 * GPU sets stage tiles in local memory (SA, SB) with 64 to 256 work-items;
 * CPU sets give each work-item a long vector along m (and n), which PoCL
 * turns into SIMD; one small set for devices with little of either. */
static const ocl_xgemm_set CANDIDATES[] = {
    {"gpu_64x64_local", {0, 1, 32, 2, 16, 16, 64, 16, 16, 64, 1, 1, 0, 0, 2, 2}},
    {"gpu_128x128_local", {0, 1, 16, 2, 16, 16, 128, 16, 16, 128, 1, 1, 0, 0, 4, 4}},
    {"gpu_128x64_local", {0, 1, 32, 2, 16, 16, 128, 8, 8, 64, 1, 1, 0, 0, 4, 2}},
    {"gpu_64x64_global", {0, 1, 16, 2, 16, 16, 64, 16, 16, 64, 0, 0, 0, 0, 2, 2}},
    {"gpu_32x32_local", {0, 1, 32, 2, 8, 8, 32, 8, 8, 32, 1, 1, 0, 0, 2, 2}},
    {"cpu_intel_default", {0, 1, 32, 2, 8, 8, 32, 8, 8, 64, 0, 0, 0, 0, 4, 4}},
    {"cpu_64x64_v8", {0, 1, 32, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 8, 1}},
    {"cpu_64x128_v8x8", {0, 1, 32, 2, 8, 8, 64, 16, 16, 128, 0, 0, 0, 0, 8, 8}},
    {"small_16x16", {0, 1, 16, 1, 8, 8, 16, 8, 8, 16, 0, 0, 0, 0, 1, 1}},
};
#define N_CANDIDATES ((int)(sizeof CANDIDATES / sizeof CANDIDATES[0]))
#define MAX_SETS (N_CANDIDATES + 2) /* the database, the candidates, a stored set */

typedef struct tune_shape {
    const char *op;
    ocl_gemm g;
    size_t calls;
    float *ref;   /* the database's C: OCL_TUNE_CHECK_FLOATS at each end */
    size_t ref_n; /* floats in ref */
} tune_shape;

typedef struct tune_run {
    ocl_ctx *c;
    tune_shape s[OCL_TUNE_MAX_SHAPES];
    int n;
    siam_buffer *a, *b, *out, *ws, *part;
    size_t ws_bytes, part_floats;
    double ms[MAX_SETS][OCL_TUNE_MAX_SHAPES];
    char *report;
    size_t size, used;
} tune_run;

static void rep(tune_run *t, const char *fmt, ...)
{
    if (t->used + 1 >= t->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->report + t->used, t->size - t->used, fmt, ap);
    va_end(ap);
    if (w > 0)
        t->used = t->used + (size_t)w < t->size ? t->used + (size_t)w : t->size - 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int same_gemm(const ocl_gemm *x, const ocl_gemm *y)
{
    return x->m == y->m && x->n == y->n && x->k == y->k && x->lda == y->lda &&
           x->ldb == y->ldb && x->ldc == y->ldc;
}

static siam_status add_shapes(tune_run *t, const siam_op_args *ops, int n_ops, siam_error *err)
{
    for (int i = 0; i < n_ops; i++) {
        siam_op op = ops[i].op;
        size_t calls = 0;
        ocl_gemm g;
        if (op == SIAM_OP_CONV2D_FWD || op == SIAM_OP_CONV2D_BWD_DATA ||
            op == SIAM_OP_CONV2D_BWD_FILTER)
            g = ocl_conv2d_gemm(t->c, &ops[i], &calls);
        else if (op == SIAM_OP_LINEAR_FWD || op == SIAM_OP_LINEAR_BWD_DATA ||
                 op == SIAM_OP_LINEAR_BWD_PARAM)
            g = ocl_linear_gemm(t->c, &ops[i], &calls);
        else
            continue;
        if (g.m == 0 || g.n == 0 || g.k == 0)
            continue;
        int j = 0;
        while (j < t->n && !same_gemm(&t->s[j].g, &g))
            j++;
        if (j < t->n) {
            t->s[j].calls += calls;
            continue;
        }
        if (t->n == OCL_TUNE_MAX_SHAPES)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: more than %d GEMM shapes",
                                  OCL_TUNE_MAX_SHAPES);
        t->s[t->n++] = (tune_shape){.op = siam_op_name(op), .g = g, .calls = calls};
    }
    if (t->n == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "opencl: no conv2d or linear op to tune on");
    return SIAM_OK;
}

/* Uniform in [-1, 1), from the element's index (no state to carry). */
static float noise(uint64_t i)
{
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return (float)((double)(x >> 40) / (double)(1ull << 23) - 1.0);
}

static siam_status fill(ocl_ctx *c, siam_buffer *b, size_t floats, uint64_t seed,
                        siam_error *err)
{
    size_t chunk = floats < OCL_TUNE_FILL_CHUNK ? floats : OCL_TUNE_FILL_CHUNK;
    float *h = malloc((chunk ? chunk : 1) * sizeof *h);
    if (!h)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of host memory");
    siam_status st = SIAM_OK;
    for (size_t at = 0; st == SIAM_OK && at < floats; at += chunk) {
        size_t n = floats - at < chunk ? floats - at : chunk;
        for (size_t i = 0; i < n; i++)
            h[i] = noise(seed + at + i);
        st = ocl_buffer_upload(c, b, at * sizeof(float), h, n * sizeof(float), err);
    }
    free(h);
    return st;
}

static siam_status alloc_all(tune_run *t, siam_error *err)
{
    size_t a = 1, b = 1, out = 1;
    for (int i = 0; i < t->n; i++) {
        const ocl_gemm *g = &t->s[i].g;
        a = g->k * g->lda > a ? g->k * g->lda : a;
        b = g->k * g->ldb > b ? g->k * g->ldb : b;
        out = g->m * g->ldc > out ? g->m * g->ldc : out;
        size_t p = ocl_gemm_split_floats(t->c, g);
        t->part_floats = p > t->part_floats ? p : t->part_floats;
    }
    siam_status st = ocl_buffer_alloc(t->c, a * sizeof(float), &t->a, err);
    if (st == SIAM_OK)
        st = ocl_buffer_alloc(t->c, b * sizeof(float), &t->b, err);
    if (st == SIAM_OK)
        st = ocl_buffer_alloc(t->c, out * sizeof(float), &t->out, err);
    if (st == SIAM_OK && t->part_floats)
        st = ocl_buffer_alloc(t->c, t->part_floats * sizeof(float), &t->part, err);
    if (st == SIAM_OK)
        st = fill(t->c, t->a, a, 0, err);
    if (st == SIAM_OK)
        st = fill(t->c, t->b, b, (uint64_t)1 << 40, err);
    return st;
}

/* Both ends of C, up to OCL_TUNE_CHECK_FLOATS each, into host (2x that). */
static siam_status read_ends(tune_run *t, const ocl_gemm *g, float *host, size_t *n,
                             siam_error *err)
{
    size_t total = g->m * g->ldc, e = total < 2 * OCL_TUNE_CHECK_FLOATS ? total
                                                                          : OCL_TUNE_CHECK_FLOATS;
    siam_status st = ocl_buffer_download(t->c, t->out, 0, host, e * sizeof(float), err);
    *n = e;
    if (st == SIAM_OK && total > e) {
        st = ocl_buffer_download(t->c, t->out, (total - e) * sizeof(float), host + e,
                                 e * sizeof(float), err);
        *n = 2 * e;
    }
    return st;
}

/* Runs shape i with the parameters CLBlast holds now; best of the timed
 * runs in ms. A CLBlast failure comes back as its status. */
static siam_status time_shape(tune_run *t, int i, double *ms, siam_error *err)
{
    ocl_ctx *c = t->c;
    ocl_gemm g = t->s[i].g;
    g.a = t->a->mem, g.b = t->b->mem, g.c = t->out->mem;
    g.part = t->part ? t->part->mem : NULL;
    g.part_floats = t->part_floats;
    size_t temp = ocl_gemm_temp_bytes(c, &g);
    if (temp > t->ws_bytes) {
        if (t->ws)
            ocl_buffer_free(c, t->ws);
        t->ws = NULL, t->ws_bytes = 0;
        siam_status st = ocl_buffer_alloc(c, temp, &t->ws, err);
        if (st != SIAM_OK)
            return st;
        t->ws_bytes = temp;
    }
    siam_tensor ws = siam_tensor_1d(t->ws, 0, (int64_t)(t->ws_bytes / sizeof(float)));
    *ms = -1;
    for (int r = 0; r <= OCL_TUNE_REPS; r++) {
        double t0 = now_s();
        siam_status st = ocl_gemm_run(c, &g, t->ws ? &ws : NULL, temp, t->s[i].op, err);
        cl_int rc = st == SIAM_OK ? clFinish(c->queue) : CL_SUCCESS;
        if (st == SIAM_OK && rc != CL_SUCCESS)
            st = ocl_fail(err, "clFinish", t->s[i].op, rc);
        if (st != SIAM_OK)
            return st;
        double dt = (now_s() - t0) * 1e3;
        if (r > 0 && (*ms < 0 || dt < *ms))
            *ms = dt; /* run 0 builds the kernels and warms the caches */
    }
    return SIAM_OK;
}

/* 1 when C matches the database's within a relative 1e-3 of its largest
 * value: another tiling sums in another order, garbage misses by far. */
static int matches(const float *ref, const float *got, size_t n)
{
    double big = 0, diff = 0;
    for (size_t i = 0; i < n; i++) {
        double r = ref[i] < 0 ? -ref[i] : ref[i], d = (double)got[i] - (double)ref[i];
        big = r > big ? r : big;
        d = d < 0 ? -d : d;
        if (!(d <= diff)) /* NaN too */
            diff = d != d ? 1e300 : d;
    }
    return diff <= 1e-3 * big + 1e-6;
}

/* Times every shape with the current parameters into ms[]; set 0 (the
 * database) keeps its C as the reference, the others are checked against
 * it. 1 on success, else 0 with the reason. */
static int run_set(tune_run *t, int set, double *total, char *why, size_t wsize)
{
    *total = 0;
    siam_error err = {0};
    for (int i = 0; i < t->n; i++) {
        tune_shape *s = &t->s[i];
        if (time_shape(t, i, &t->ms[set][i], &err) != SIAM_OK) {
            snprintf(why, wsize, "%s", err.msg); /* names the op */
            return 0;
        }
        *total += t->ms[set][i] * (double)s->calls;
        size_t cap = 2 * OCL_TUNE_CHECK_FLOATS, n = 0;
        float *got = malloc(cap * sizeof *got);
        if (!got || read_ends(t, &s->g, got, &n, &err) != SIAM_OK) {
            snprintf(why, wsize, "%s", got ? err.msg : "out of host memory");
            free(got);
            return 0;
        }
        if (set == 0) {
            free(s->ref);
            s->ref = got, s->ref_n = n;
            continue;
        }
        int ok = n == s->ref_n && matches(s->ref, got, n);
        free(got);
        if (!ok) {
            snprintf(why, wsize, "%s: results differ from the database's", s->op);
            return 0;
        }
    }
    return 1;
}

static void release(tune_run *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->s[i].ref);
    siam_buffer *bufs[] = {t->a, t->b, t->out, t->ws, t->part};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (bufs[i])
            ocl_buffer_free(t->c, bufs[i]);
}

static siam_status decide(tune_run *t, const ocl_xgemm_set *sets, const double *totals,
                          const int *ok, int n_sets, siam_error *err)
{
    ocl_ctx *c = t->c;
    int best = -1;
    for (int k = 1; k < n_sets; k++)
        if (ok[k] && (best < 0 || totals[k] < totals[best]))
            best = k;
    for (int i = 0; i < t->n; i++) {
        const ocl_gemm *g = &t->s[i].g;
        rep(t, "shape\t%s\t%zu\t%zu\t%zu\t%zu\t%.3f\t", t->s[i].op, g->m, g->n, g->k,
            t->s[i].calls, t->ms[0][i]);
        if (best > 0)
            rep(t, "%.3f\n", t->ms[best][i]);
        else
            rep(t, "-\n");
    }
    /* Timing noise on a shared machine is of a few percent between runs:
     * a smaller gain would store an override that is no faster. */
    int margin = c->tune.tune_margin_pct > 0 ? c->tune.tune_margin_pct : OCL_TUNE_MARGIN_PCT;
    int wins = best > 0 && totals[best] < totals[0] * (1.0 - margin / 100.0);
    char best_ms[32] = "-";
    if (best > 0)
        snprintf(best_ms, sizeof best_ms, "%.3f", totals[best]);
    if (!wins) {
        /* The measurement says CLBlast's own choice is as good: an older
         * entry for this device is stale, so it goes. */
        int removed = c->xgemm_loaded && unlink(c->xgemm_path) == 0;
        c->xgemm_loaded = 0;
        /* CLBlast cannot go back to its database in this process; the
         * fastest correct set is the nearest to it. */
        if (best > 0)
            (void)ocl_xgemm_apply(c->device, &sets[best], NULL);
        rep(t, "result\tnone\t%s\t%.3f\t%s\t%s\tno set beats CLBlast's database by %d%%%s\n",
            best > 0 ? sets[best].name : "-", totals[0], best_ms, c->xgemm_path, margin,
            removed ? "; the older entry was removed" : "");
        return SIAM_OK;
    }
    if (!ocl_cache_make_dir(c->cache_dir))
        return siam_error_set(err, SIAM_ERR_IO,
                              "opencl: cache folder %s cannot be made, or is not private to us",
                              c->cache_dir);
    siam_status st = ocl_xgemm_store(c->xgemm_path, c->info.name, &sets[best], err);
    if (st == SIAM_OK)
        st = ocl_xgemm_apply(c->device, &sets[best], err);
    if (st != SIAM_OK)
        return st;
    c->xgemm = sets[best];
    c->xgemm_loaded = 1;
    rep(t, "result\tstored\t%s\t%.3f\t%s\t%s\t%.2fx CLBlast's database\n", sets[best].name,
        totals[0], best_ms, c->xgemm_path, totals[0] / totals[best]);
    return SIAM_OK;
}

siam_status ocl_gemm_tune(void *ctx, const siam_op_args *ops, int n_ops, char *report,
                          size_t size, siam_error *err)
{
    ocl_ctx *c = ctx;
    if (!c || !ops || n_ops <= 0 || !report || size == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: tune: NULL or empty argument");
    report[0] = '\0';
    if (c->gemm_started)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "opencl: tune wants a context that has run no GEMM (CLBlast keeps "
                              "the parameters it ran with for the whole process)");
    if (!c->xgemm_path[0])
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "opencl: the cache is off (SIAMESE_OPENCL_CACHE=0): nowhere to "
                              "store tuned parameters");
    c->xgemm_pending = 0; /* the stored set is measured as a candidate */
    tune_run *t = calloc(1, sizeof *t);
    if (!t)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of host memory");
    t->c = c, t->report = report, t->size = size;
    ocl_xgemm_set sets[MAX_SETS];
    int n_sets = 1;
    snprintf(sets[0].name, sizeof sets[0].name, "database");
    int limit = c->tune.tune_candidates > 0 && c->tune.tune_candidates < N_CANDIDATES
                    ? c->tune.tune_candidates
                    : N_CANDIDATES;
    int stored_is_new = c->xgemm_loaded;
    for (int k = 0; k < limit; k++) {
        sets[n_sets++] = CANDIDATES[k];
        if (c->xgemm_loaded && memcmp(CANDIDATES[k].v, c->xgemm.v, sizeof c->xgemm.v) == 0)
            stored_is_new = 0;
    }
    if (stored_is_new)
        sets[n_sets++] = c->xgemm;
    rep(t, "device\t%s\n", c->info.name);
    siam_status st = add_shapes(t, ops, n_ops, err);
    if (st == SIAM_OK)
        st = alloc_all(t, err);
    double totals[MAX_SETS] = {0};
    int ok[MAX_SETS] = {0};
    for (int k = 0; st == SIAM_OK && k < n_sets; k++) {
        char why[SIAM_ERROR_MSG_SIZE + 64] = "";
        siam_error aerr = {0};
        if (k > 0 && !ocl_xgemm_check(&sets[k], c->max_wg, c->info.local_mem_bytes, why,
                                      sizeof why)) {
            /* not run on this device */
        } else if (k > 0 && ocl_xgemm_apply(c->device, &sets[k], &aerr) != SIAM_OK) {
            snprintf(why, sizeof why, "%s", aerr.msg);
        } else {
            /* The first set measured would also pay for the driver's and
             * the caches' first touches: one untimed pass over the shapes. */
            if (k == 0)
                run_set(t, k, &totals[k], why, sizeof why);
            ok[k] = run_set(t, k, &totals[k], why, sizeof why);
        }
        if (ok[k])
            rep(t, "set\t%s\t%.3f\tok\n", sets[k].name, totals[k]);
        else
            rep(t, "set\t%s\t-\t%s\n", sets[k].name, why);
        if (k == 0 && !ok[0])
            st = siam_error_set(err, SIAM_ERR_BACKEND, "opencl: tune: CLBlast's own parameters "
                                                       "fail: %s", why);
    }
    if (st == SIAM_OK)
        st = decide(t, sets, totals, ok, n_sets, err);
    release(t);
    free(t);
    return st;
}
