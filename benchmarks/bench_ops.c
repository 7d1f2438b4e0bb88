/* bench_ops: per-op forward and backward time on Koch et al.'s shapes, on
 * every backend module present, as JSON lines; plus the first-call latency
 * of the OpenCL backend (program builds) with a cold cache, a warm cache and
 * the cache turned off.
 *
 *   bench_ops [-b BACKEND] [-o OP-SUBSTRING] [-n IMAGES] [-t SECONDS] [--no-latency]
 *
 * Shapes (Koch 2015, 105x105 inputs): conv 64@10 -> pool -> 128@7 -> pool ->
 * 128@4 -> pool -> 256@4 -> fc 9216->4096 -> |h1-h2| -> fc 4096->1 -> BCE;
 * N images = N/2 pairs. GFLOP/s counts 2 flops per multiply-add (conv,
 * linear), 3 per pair_scores term, 1 per element otherwise.
 *
 * The machine's FMA peak is measured first, in the same run, on every
 * online core (AVX-512, else AVX2, else SSE), and every op line of a CPU
 * backend carries peak_fraction = its GFLOP/s over that peak. A conv line of
 * the blas backend names its path (conv_path: im2col or dft); by DFT the
 * GFLOP/s are direct-convolution flops over the time, and no peak_fraction. */
#define _POSIX_C_SOURCE 200809L
#include "engine/backend_loader.h"
#include "engine/op_info.h"
#include "base/rng.h"

#include <dirent.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct bop {
    const char *label; /* "conv2" */
    siam_op op;
    int ndim[SIAM_OP_MAX_TENSORS];
    int64_t shape[SIAM_OP_MAX_TENSORS][4];
    double flops;
    siam_op_args p;
} bop;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void set(bop *b, int i, int nd, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    int64_t d[4] = {d0, d1, d2, d3};
    b->ndim[i] = nd;
    for (int k = 0; k < 4; k++)
        b->shape[i][k] = k < nd ? d[k] : 1;
}

static int add_conv(bop *v, int n, const char *label, int64_t N, int64_t C, int64_t H, int64_t K,
                    int64_t R)
{
    int64_t O = H - R + 1;
    double fl = 2.0 * (double)N * (double)K * (double)(C * R * R) * (double)(O * O);
    bop *f = &v[n], *d = &v[n + 1], *w = &v[n + 2];
    memset(f, 0, 3 * sizeof *f);
    f->op = SIAM_OP_CONV2D_FWD, d->op = SIAM_OP_CONV2D_BWD_DATA, w->op = SIAM_OP_CONV2D_BWD_FILTER;
    f->label = d->label = w->label = label;
    f->flops = d->flops = w->flops = fl;
    set(f, 0, 4, N, C, H, H), set(f, 1, 4, K, C, R, R), set(f, 2, 1, K, 0, 0, 0);
    set(f, 3, 4, N, K, O, O);
    set(d, 0, 4, N, K, O, O), set(d, 1, 4, K, C, R, R), set(d, 2, 4, N, C, H, H);
    set(w, 0, 4, N, C, H, H), set(w, 1, 4, N, K, O, O), set(w, 2, 4, K, C, R, R);
    set(w, 3, 1, K, 0, 0, 0);
    return n + 3;
}

static int add_linear(bop *v, int n, const char *label, int64_t N, int64_t I, int64_t O)
{
    bop *f = &v[n], *d = &v[n + 1], *w = &v[n + 2];
    memset(f, 0, 3 * sizeof *f);
    f->op = SIAM_OP_LINEAR_FWD, d->op = SIAM_OP_LINEAR_BWD_DATA, w->op = SIAM_OP_LINEAR_BWD_PARAM;
    f->label = d->label = w->label = label;
    f->flops = d->flops = w->flops = 2.0 * (double)N * (double)I * (double)O;
    set(f, 0, 2, N, I, 0, 0), set(f, 1, 2, O, I, 0, 0), set(f, 2, 1, O, 0, 0, 0);
    set(f, 3, 2, N, O, 0, 0);
    set(d, 0, 2, N, O, 0, 0), set(d, 1, 2, O, I, 0, 0), set(d, 2, 2, N, I, 0, 0);
    set(w, 0, 2, N, I, 0, 0), set(w, 1, 2, N, O, 0, 0), set(w, 2, 2, O, I, 0, 0);
    set(w, 3, 1, O, 0, 0, 0);
    return n + 3;
}

static int add_simple(bop *v, int n, const char *label, siam_op op, int nt, int nd, int64_t d0,
                      int64_t d1, int64_t d2, int64_t d3)
{
    bop *b = &v[n];
    memset(b, 0, sizeof *b);
    b->label = label, b->op = op;
    for (int i = 0; i < nt; i++)
        set(b, i, nd, d0, d1, d2, d3);
    b->flops = (double)(d0 * d1 * d2 * d3);
    return n + 1;
}

static int koch_ops(bop *v, int64_t N)
{
    int n = 0;
    n = add_conv(v, n, "conv1 1x105->64@10", N, 1, 105, 64, 10);
    n = add_conv(v, n, "conv2 64x48->128@7", N, 64, 48, 128, 7);
    n = add_conv(v, n, "conv3 128x21->128@4", N, 128, 21, 128, 4);
    n = add_conv(v, n, "conv4 128x9->256@4", N, 128, 9, 256, 4);
    n = add_simple(v, n, "relu after conv1", SIAM_OP_RELU_FWD, 2, 4, N, 64, 96, 96);
    n = add_simple(v, n, "relu after conv1", SIAM_OP_RELU_BWD, 3, 4, N, 64, 96, 96);
    bop *p = &v[n];
    n = add_simple(v, n, "pool1 64x96", SIAM_OP_MAXPOOL_FWD, 1, 4, N, 64, 96, 96);
    set(p, 1, 4, N, 64, 48, 48);
    p = &v[n];
    n = add_simple(v, n, "pool1 64x96", SIAM_OP_MAXPOOL_BWD, 1, 4, N, 64, 96, 96);
    set(p, 1, 4, N, 64, 48, 48), set(p, 2, 4, N, 64, 96, 96);
    n = add_linear(v, n, "fc1 9216->4096", N, 9216, 4096);
    n = add_simple(v, n, "sigmoid fc1", SIAM_OP_SIGMOID_FWD, 2, 2, N, 4096, 1, 1);
    p = &v[n];
    n = add_simple(v, n, "absdiff 4096", SIAM_OP_ABSDIFF_FWD, 1, 2, N, 4096, 1, 1);
    set(p, 1, 2, N / 2, 4096, 0, 0);
    n = add_linear(v, n, "fc2 4096->1", N / 2, 4096, 1);
    p = &v[n]; /* the same head as one op each way (absdiff + fc2) */
    n = add_simple(v, n, "head 4096", SIAM_OP_HEAD_FWD, 1, 2, N, 4096, 0, 0);
    set(p, 1, 2, 1, 4096, 0, 0), set(p, 2, 1, 1, 0, 0, 0), set(p, 3, 1, N / 2, 0, 0, 0);
    p->flops = (double)(N / 2) * 4096.0 * 3.0;
    p = &v[n];
    n = add_simple(v, n, "head 4096", SIAM_OP_HEAD_BWD, 1, 2, N, 4096, 0, 0);
    set(p, 1, 2, 1, 4096, 0, 0), set(p, 2, 1, N / 2, 0, 0, 0), set(p, 3, 2, N, 4096, 0, 0);
    set(p, 4, 2, 1, 4096, 0, 0), set(p, 5, 1, 1, 0, 0, 0);
    p->flops = (double)(N / 2) * 4096.0 * 5.0;
    p = &v[n];
    n = add_simple(v, n, "bce", SIAM_OP_BCE_FWD, 2, 1, N / 2, 1, 1, 1);
    set(p, 2, 1, 1, 0, 0, 0);
    p = &v[n];
    n = add_simple(v, n, "sgd fc1 weights", SIAM_OP_SGD_UPDATE, 3, 1, 9216 * 4096, 1, 1, 1);
    p->p.p.sgd.lr = 0.01f, p->p.p.sgd.momentum = 0.5f, p->p.p.sgd.l2 = 1e-4f;
    p = &v[n];
    n = add_simple(v, n, "adam fc1 weights", SIAM_OP_ADAM_UPDATE, 4, 1, 9216 * 4096, 1, 1, 1);
    p->p.p.adam.lr = 1e-3f, p->p.p.adam.beta1 = 0.9f, p->p.p.adam.beta2 = 0.999f;
    p->p.p.adam.eps = 1e-8f, p->p.p.adam.step = 3;
    const int64_t qs[2][2] = {{20, 20}, {400, 20}};
    const char *qlabel[2] = {"scores 20-way 20x20x4096", "scores 400x20x4096"};
    for (int k = 0; k < 2; k++) {
        p = &v[n];
        memset(p, 0, sizeof *p);
        p->label = qlabel[k], p->op = SIAM_OP_PAIR_SCORES;
        set(p, 0, 2, qs[k][0], 4096, 0, 0), set(p, 1, 2, qs[k][1], 4096, 0, 0);
        set(p, 2, 1, 4096, 0, 0, 0), set(p, 3, 1, 1, 0, 0, 0), set(p, 4, 2, qs[k][0], qs[k][1], 0, 0);
        p->flops = 3.0 * (double)(qs[k][0] * qs[k][1]) * 4096.0;
        n++;
    }
    return n;
}

/* Allocates and fills every tensor, runs warm-up + timed runs. */
/* The blas backend's path for a conv op (2 DFT, 1 im2col), 0 elsewhere. */
static int conv_path(siam_backend *be, const siam_op_args *a)
{
    const siam_backend_iface *iface = siam_backend_get_iface(be);
    void *fn = iface->get_proc_address
                   ? iface->get_proc_address(siam_backend_get_ctx(be), "siam_blas_conv_path")
                   : NULL;
    int (*path)(void *, const siam_op_args *) = NULL;
    memcpy(&path, &fn, sizeof path);
    if (!path || a->op > SIAM_OP_CONV2D_BWD_FILTER)
        return 0;
    return path(siam_backend_get_ctx(be), a);
}

static siam_status time_op(siam_backend *be, const bop *b, double min_s, double *us,
                           int *path, siam_error *err)
{
    siam_op_args a = b->p;
    a.op = b->op;
    const siam_op_info *info = siam_op_get_info(b->op);
    siam_buffer *bufs[SIAM_OP_MAX_TENSORS + 1] = {0};
    siam_status st = SIAM_OK;
    siam_rng r = siam_rng_make(7, SIAM_RNG_STREAM_TEST);
    for (int i = 0; i < info->n_tensors && st == SIAM_OK; i++) {
        int64_t n = 1;
        for (int k = 0; k < b->ndim[i]; k++)
            n *= b->shape[i][k];
        st = siam_backend_alloc(be, (size_t)n * 4, &bufs[i], err);
        if (st != SIAM_OK)
            break;
        a.t[i] = siam_tensor_view(bufs[i], 0, SIAM_F32, b->ndim[i], b->shape[i]);
        float *h = malloc((size_t)n * 4);
        if (!h) {
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "bench: out of memory");
            break;
        }
        for (int64_t k = 0; k < n; k++)
            h[k] = (float)siam_rng_range(&r, 0.0, 1.0);
        st = siam_tensor_upload(be, &a.t[i], h, err);
        free(h);
    }
    *path = st == SIAM_OK ? conv_path(be, &a) : 0;
    size_t ws = st == SIAM_OK ? siam_backend_workspace(be, &a) : 0;
    if (st == SIAM_OK && ws) {
        st = siam_backend_alloc(be, ws, &bufs[SIAM_OP_MAX_TENSORS], err);
        a.workspace = siam_tensor_1d(bufs[SIAM_OP_MAX_TENSORS], 0, (int64_t)((ws + 3) / 4));
    }
    if (st == SIAM_OK)
        st = siam_backend_run(be, &a, err); /* warm-up: compiles, first-touch */
    if (st == SIAM_OK)
        st = siam_backend_sync(be, err);
    int reps = 0;
    double t0 = now_s(), t = 0.0;
    while (st == SIAM_OK && (reps < 2 || t < min_s)) {
        st = siam_backend_run(be, &a, err);
        if (st == SIAM_OK)
            st = siam_backend_sync(be, err);
        reps++;
        t = now_s() - t0;
    }
    *us = reps ? 1e6 * t / reps : 0.0;
    for (int i = 0; i <= SIAM_OP_MAX_TENSORS; i++)
        siam_backend_free(be, bufs[i]);
    return st;
}

typedef void (*stats_fn)(void *, int *);
typedef siam_status (*build_fn)(void *, siam_error *);

/* Time to a context with every program built, under SIAMESE_OPENCL_CACHE=cache. */
/* ---- FMA peak: independent multiply-add chains, enough to cover the FMA
 * latency on two ports, on every core at once. ---- */
#define PEAK_CHAINS 12
#define PEAK_ITERS 20000000L

__attribute__((target("avx512f"))) static float peak_avx512(long iters, double *flops)
{
    __m512 acc[PEAK_CHAINS], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < PEAK_CHAINS; i++)
        acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < PEAK_CHAINS; i++)
            acc[i] = _mm512_fmadd_ps(acc[i], b, c);
    __m512 sum = acc[0];
    for (int i = 1; i < PEAK_CHAINS; i++)
        sum = _mm512_add_ps(sum, acc[i]);
    *flops = (double)iters * PEAK_CHAINS * 16 * 2;
    return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) static float peak_avx2(long iters, double *flops)
{
    __m256 acc[PEAK_CHAINS], b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < PEAK_CHAINS; i++)
        acc[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < PEAK_CHAINS; i++)
            acc[i] = _mm256_fmadd_ps(acc[i], b, c);
    float out[8], total = 0;
    for (int i = 1; i < PEAK_CHAINS; i++)
        acc[0] = _mm256_add_ps(acc[0], acc[i]);
    _mm256_storeu_ps(out, acc[0]);
    for (int i = 0; i < 8; i++)
        total += out[i];
    *flops = (double)iters * PEAK_CHAINS * 8 * 2;
    return total;
}

static float peak_sse(long iters, double *flops)
{
    __m128 acc[PEAK_CHAINS], b = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-7f);
    for (int i = 0; i < PEAK_CHAINS; i++)
        acc[i] = _mm_set1_ps((float)i);
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < PEAK_CHAINS; i++)
            acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], b), c);
    float out[4], total = 0;
    for (int i = 1; i < PEAK_CHAINS; i++)
        acc[0] = _mm_add_ps(acc[0], acc[i]);
    _mm_storeu_ps(out, acc[0]);
    for (int i = 0; i < 4; i++)
        total += out[i];
    *flops = (double)iters * PEAK_CHAINS * 4 * 2;
    return total;
}

typedef struct peak_job {
    long iters;
    double flops;
    float sink;
} peak_job;

static void *peak_thread(void *p)
{
    peak_job *j = p;
    if (__builtin_cpu_supports("avx512f"))
        j->sink = peak_avx512(j->iters, &j->flops);
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        j->sink = peak_avx2(j->iters, &j->flops);
    else
        j->sink = peak_sse(j->iters, &j->flops);
    return NULL;
}

/* GFLOP/s of all online cores together, and the instruction set used. */
static double fma_peak(int *cores, const char **isa)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *cores = n > 0 && n <= 256 ? (int)n : 1;
    *isa = __builtin_cpu_supports("avx512f") ? "avx512f"
           : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "avx2+fma" : "sse";
    peak_job jobs[256];
    pthread_t tids[256];
    int started[256] = {0};
    double t0 = now_s(), flops = 0;
    for (int t = 0; t < *cores; t++) {
        jobs[t] = (peak_job){PEAK_ITERS / 4, 0, 0};
        started[t] = pthread_create(&tids[t], NULL, peak_thread, &jobs[t]) == 0;
    }
    for (int t = 0; t < *cores; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        flops += jobs[t].flops;
    }
    double s = now_s() - t0;
    return s > 0 ? flops / s / 1e9 : 0.0;
}

static void first_call(const char *path, const char *cache, const char *label)
{
    setenv("SIAMESE_OPENCL_CACHE", cache, 1);
    siam_error err = {0};
    siam_backend *be = NULL;
    double t0 = now_s();
    siam_status st = siam_backend_open_path(path, NULL, 0, &be, &err);
    void *p1 = NULL, *p2 = NULL;
    if (st == SIAM_OK) {
        const siam_backend_iface *ifc = siam_backend_get_iface(be);
        p1 = ifc->get_proc_address(siam_backend_get_ctx(be), "siam_opencl_cache_stats");
        p2 = ifc->get_proc_address(siam_backend_get_ctx(be), "siam_opencl_build_all");
    }
    if (st == SIAM_OK && p1 && p2) {
        build_fn build;
        stats_fn stats;
        memcpy(&build, &p2, sizeof build);
        memcpy(&stats, &p1, sizeof stats);
        st = build(siam_backend_get_ctx(be), &err);
        double ms = 1e3 * (now_s() - t0);
        int s[4] = {0};
        stats(siam_backend_get_ctx(be), s);
        if (st == SIAM_OK)
            printf("{\"bench\":\"first_call\",\"backend\":\"opencl\",\"cache\":\"%s\","
                   "\"ms_to_all_programs_built\":%.1f,\"hits\":%d,\"compiled\":%d,"
                   "\"note\":\"driver caches (e.g. POCL_CACHE_DIR) are not controlled\"}\n",
                   label, ms, s[0], s[1]);
    }
    if (st != SIAM_OK)
        fprintf(stderr, "bench_ops: first call (%s): %s\n", label, err.msg);
    siam_backend_close(be);
    unsetenv("SIAMESE_OPENCL_CACHE");
}

static void latency(const char *path)
{
    char dir[] = "/tmp/siam-bench-cache-XXXXXX";
    if (!mkdtemp(dir))
        return;
    first_call(path, dir, "cold");
    first_call(path, dir, "warm");
    first_call(path, "0", "off");
    /* Our own temp folder, holding only cache files. */
    DIR *d = opendir(dir);
    struct dirent *de;
    char file[256];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.' && snprintf(file, sizeof file, "%s/%s", dir, de->d_name) > 0)
            remove(file);
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    const char *only_b = NULL, *only_o = NULL;
    int64_t images = 4;
    double min_s = 0.3;
    int do_latency = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-b") && i + 1 < argc)
            only_b = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            only_o = argv[++i];
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            images = atoll(argv[++i]);
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            min_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--no-latency"))
            do_latency = 0;
        else {
            fprintf(stderr, "usage: bench_ops [-b BACKEND] [-o OP-SUBSTRING] [-n IMAGES] "
                            "[-t SECONDS] [--no-latency]\n");
            return 2;
        }
    }
    if (images < 2 || images % 2) {
        fprintf(stderr, "bench_ops: -n must be an even number >= 2 (pairs of images)\n");
        return 2;
    }
    bop ops[64];
    int nops = koch_ops(ops, images);
    int cores;
    const char *isa;
    double peak = fma_peak(&cores, &isa);
    printf("{\"bench\":\"fma_peak\",\"cores\":%d,\"isa\":\"%s\",\"gflops\":%.1f}\n", cores, isa,
           peak);
    siam_module_entry *e = NULL;
    int ne = 0;
    siam_error err = {0};
    if (siam_backend_scan(&e, &ne, &err) != SIAM_OK) {
        fprintf(stderr, "bench_ops: %s\n", err.msg);
        return 1;
    }
    for (int m = 0; m < ne; m++) {
        if (!e[m].usable || e[m].score <= 0 || (only_b && strcmp(only_b, e[m].name)))
            continue;
        if (do_latency && !strcmp(e[m].name, "opencl"))
            latency(e[m].path);
        siam_backend *be = NULL;
        if (siam_backend_open_path(e[m].path, NULL, 0, &be, &err) != SIAM_OK) {
            fprintf(stderr, "bench_ops: %s: %s\n", e[m].name, err.msg);
            continue;
        }
        siam_device_info info;
        memset(&info, 0, sizeof info);
        if (siam_backend_device(be, &info, &err) == SIAM_OK)
            printf("{\"bench\":\"device\",\"backend\":\"%s\",\"device\":\"%s\",\"driver\":\"%s\","
                   "\"extra\":\"%s\"}\n",
                   e[m].name, info.name, info.driver, info.extra);
        for (int k = 0; k < nops; k++) {
            const char *name = siam_op_get_info(ops[k].op)->name;
            if (only_o && !strstr(name, only_o) && !strstr(ops[k].label, only_o))
                continue;
            double us = 0.0;
            int path = 0;
            siam_status st = time_op(be, &ops[k], min_s, &us, &path, &err);
            if (st != SIAM_OK) {
                printf("{\"bench\":\"op\",\"op\":\"%s\",\"backend\":\"%s\",\"shape\":\"%s\","
                       "\"error\":\"%s\"}\n",
                       name, e[m].name, ops[k].label, siam_status_name(st));
                continue;
            }
            double gf = us > 0 ? ops[k].flops / (us * 1e3) : 0.0;
            printf("{\"bench\":\"op\",\"op\":\"%s\",\"backend\":\"%s\",\"shape\":\"%s\","
                   "\"images\":%lld,\"us_per_run\":%.1f,\"gflops\":%.2f",
                   name, e[m].name, ops[k].label, (long long)images, us, gf);
            /* By DFT the op does other, fewer flops: its GFLOP/s are the
             * direct convolution's count over its time, and no fraction of
             * the peak is claimed. */
            if (path)
                printf(",\"conv_path\":\"%s\"", path == 2 ? "dft" : "im2col");
            if (info.type == SIAM_DEVICE_CPU && peak > 0 && path != 2)
                printf(",\"peak_fraction\":%.3f", gf / peak);
            printf("}\n");
            fflush(stdout);
        }
        siam_backend_close(be);
    }
    free(e);
    return 0;
}
