/* bench_clblast: CLBlast SGEMM on one OpenCL device, for the GEMM shapes the
 * opencl backend sends it on Koch's net, with CLBlast's own parameters
 * (its tuning database) and with overrides (CLBlastOverrideParameters).
 *
 *   bench_clblast [-d SELECTOR] [-s SECONDS] [--preset koch105|koch35] [--batch PAIRS]
 *
 * Why a program of its own: the backend's GEMM time is what decides whether
 * an override or another sub-batch size is worth it, and measuring the
 * library alone keeps im2col and our kernels out of the figures. Shapes are
 * the backend's (backends/opencl/conv2d.c, linear.c, gemm.c): every GEMM is
 * row-major C = A^T B (ta = 1, tb = 0); conv forward is K x nb*P x CRS for a
 * sub-batch of nb images, and on a CPU device k is cut into chunks whose
 * panels take about 6 MB (gemm.c's k_chunk), so that is the shape timed.
 * Sub-batch sizes 1, 4, 16 and the backend's (256 MB budget) are timed with
 * the database parameters; every override set on the backend's shapes.
 *
 * Prints one JSON line per (config, shape), then a summary line per config
 * with the FLOP-weighted GFLOP/s over all shapes and its ratio to the
 * database's. An override set the device cannot run (too much local memory,
 * a work-group too large) is reported with CLBlast's status name and skipped. */
#define _POSIX_C_SOURCE 200809L
#include "ocl_internal.h"

#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PANEL_BYTES ((size_t)6 << 20) /* gemm.c: OCL_CPU_PANEL_BYTES */

typedef struct shape {
    char name[48];
    size_t m, n, k;
} shape;

typedef struct config {
    const char *name, *why;
    size_t v[OCL_XGEMM_N]; /* in ocl_xgemm_names order (gemm_params.c) */
} config;

/* Override sets: CLBlast's generic CPU entry, then tiles that give each
 * work-item more of C (register blocking, which PoCL's per-work-group loop
 * vectoriser turns into SIMD along m) and wider vectors for AVX2/AVX-512. */
static const config CONFIGS[] = {
    {"intel_cpu_default", "CLBlast's own default entry for Intel CPUs",
     {0, 1, 32, 2, 8, 8, 32, 8, 8, 64, 0, 0, 0, 0, 4, 4}},
    {"tile64x64_v8", "64x64 tiles, 8x8 work-items, vectors of 8 along m",
     {0, 1, 32, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 8, 1}},
    {"tile128x64_v16", "128x64 tiles, 8x8 work-items, vectors of 16 along m (AVX-512)",
     {0, 1, 16, 2, 8, 8, 128, 8, 8, 64, 0, 0, 0, 0, 16, 1}},
    {"tile64x128_v8x8", "64x128 tiles, 8x16 work-items, vectors of 8 along m and n",
     {0, 1, 32, 2, 8, 8, 64, 16, 16, 128, 0, 0, 0, 0, 8, 8}},
    {"tile32x32_local", "32x32 tiles through local memory (SA, SB), 8x8 work-items",
     {0, 1, 32, 2, 8, 8, 32, 8, 8, 32, 1, 1, 0, 0, 4, 4}},
};
#define N_CONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t k_chunk(int cpu, size_t m, size_t n, size_t k)
{
    if (!cpu)
        return k;
    size_t kc = PANEL_BYTES / ((m + n) * sizeof(float)) / 16 * 16;
    if (kc < 64)
        kc = 64;
    return k < 2 * kc ? k : kc;
}

static void add_shape(shape *s, int *n, int cpu, const char *name, size_t m, size_t nn,
                      size_t k)
{
    shape *t = &s[(*n)++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->m = m, t->n = nn, t->k = k_chunk(cpu, m, nn, k);
}

/* Koch's layers: conv (C,H,W -> K, R), then the FC layer. */
typedef struct layer {
    const char *name;
    size_t c, h, k, r;
} layer;

static int build_shapes(shape *s, const char *preset, size_t images, int cpu, size_t budget,
                        int sweep_nb)
{
    static const layer K105[] = {{"conv1", 1, 105, 64, 10},
                                 {"conv2", 64, 48, 128, 7},
                                 {"conv3", 128, 21, 128, 4},
                                 {"conv4", 128, 9, 256, 4}};
    static const layer K35[] = {{"conv1", 1, 35, 64, 5}, {"conv2", 64, 15, 128, 5},
                                {"conv3", 128, 5, 128, 3}};
    int koch105 = strcmp(preset, "koch105") == 0;
    const layer *L = koch105 ? K105 : K35;
    int nl = koch105 ? 4 : 3;
    int n = 0;
    char name[48];
    for (int i = 0; i < nl; i++) {
        size_t oh = L[i].h - L[i].r + 1, p = oh * oh, crs = L[i].c * L[i].r * L[i].r;
        size_t per_image = (crs + L[i].k) * p * sizeof(float);
        size_t nb = budget / per_image;
        nb = nb < 1 ? 1 : (nb > images ? images : nb);
        if (sweep_nb) {
            size_t sweep[] = {1, 4, 16, nb};
            for (int j = 0; j < 4; j++) {
                if (sweep[j] > images || (j < 3 && sweep[j] >= nb && sweep[j] != nb))
                    continue;
                snprintf(name, sizeof name, "%s_fwd_nb%zu%s", L[i].name, sweep[j],
                         j == 3 ? "_backend" : "");
                add_shape(s, &n, cpu, name, L[i].k, sweep[j] * p, crs);
            }
        } else {
            snprintf(name, sizeof name, "%s_fwd_nb%zu", L[i].name, nb);
            add_shape(s, &n, cpu, name, L[i].k, nb * p, crs);
            snprintf(name, sizeof name, "%s_bwd_data_nb%zu", L[i].name, nb);
            add_shape(s, &n, cpu, name, crs, nb * p, L[i].k);
            snprintf(name, sizeof name, "%s_bwd_filter_nb%zu", L[i].name, nb);
            add_shape(s, &n, cpu, name, L[i].k, crs, nb * p);
        }
    }
    if (!sweep_nb) {
        size_t fc_in = koch105 ? 256 * 6 * 6 : 128 * 3 * 3, fc_out = koch105 ? 4096 : 1024;
        /* linear.c: forward m = N, n = O, k = I; back data m = N, n = I,
         * k = O; back param m = O, n = I, k = N. */
        add_shape(s, &n, cpu, "fc_fwd", images, fc_out, fc_in);
        add_shape(s, &n, cpu, "fc_bwd_data", images, fc_in, fc_out);
        add_shape(s, &n, cpu, "fc_bwd_param", fc_out, fc_in, images);
    }
    return n;
}

static int pick_device(const char *sel, cl_device_id *dev, char *desc, size_t len, int *cpu)
{
    cl_platform_id plats[16];
    cl_uint np = 0;
    if (clGetPlatformIDs(16, plats, &np) != CL_SUCCESS || np == 0) {
        fprintf(stderr, "bench_clblast: no OpenCL platform\n");
        return 0;
    }
    for (cl_uint p = 0; p < np; p++) {
        cl_device_id devs[16];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 16, devs, &nd) != CL_SUCCESS)
            continue;
        for (cl_uint d = 0; d < nd; d++) {
            char name[256] = "", plat[256] = "";
            clGetDeviceInfo(devs[d], CL_DEVICE_NAME, sizeof name, name, NULL);
            clGetPlatformInfo(plats[p], CL_PLATFORM_NAME, sizeof plat, plat, NULL);
            if (sel && !strstr(name, sel) && !strstr(plat, sel))
                continue;
            cl_device_type type = 0;
            clGetDeviceInfo(devs[d], CL_DEVICE_TYPE, sizeof type, &type, NULL);
            *cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
            *dev = devs[d];
            snprintf(desc, len, "%s (%s)", name, plat);
            return 1;
        }
    }
    fprintf(stderr, "bench_clblast: no OpenCL device matches '%s'\n", sel ? sel : "");
    return 0;
}

typedef struct bufs {
    cl_mem a, b, c, temp;
    size_t a_n, b_n, c_n, temp_n;
} bufs;

static int ensure(cl_context ctx, cl_mem *m, size_t *have, size_t need)
{
    if (*have >= need && *m)
        return 1;
    if (*m)
        clReleaseMemObject(*m);
    cl_int rc;
    *m = clCreateBuffer(ctx, CL_MEM_READ_WRITE, need < 4 ? 4 : need, NULL, &rc);
    *have = need;
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "bench_clblast: clCreateBuffer(%zu bytes): %s\n", need,
                ocl_error_name(rc));
        *m = NULL;
        return 0;
    }
    return 1;
}

/* GFLOP/s of one shape, or a negative CLBlast status. Runs once to build
 * the kernels, then repeats until `seconds` pass (at least twice). */
static double time_gemm(cl_context ctx, cl_command_queue q, bufs *b, const shape *s,
                        double seconds)
{
    size_t m = s->m, n = s->n, k = s->k;
    if (!ensure(ctx, &b->a, &b->a_n, k * m * 4) || !ensure(ctx, &b->b, &b->b_n, k * n * 4) ||
        !ensure(ctx, &b->c, &b->c_n, m * n * 4))
        return -1e9;
    size_t temp = 0;
    CLBlastStatusCode rc = CLBlastSGemmTempBufferSize(CLBlastLayoutRowMajor, CLBlastTransposeYes,
                                                      CLBlastTransposeNo, m, n, k, 0, m, 0, n, 0,
                                                      n, &q, &temp);
    if (rc != CLBlastSuccess)
        return rc;
    if (temp && !ensure(ctx, &b->temp, &b->temp_n, temp))
        return -1e9;
    double t0 = 0;
    int reps = 0;
    for (int i = 0;; i++) {
        if (i == 1)
            t0 = now_s();
        rc = temp ? CLBlastSgemmWithTempBuffer(CLBlastLayoutRowMajor, CLBlastTransposeYes,
                                               CLBlastTransposeNo, m, n, k, 1.0f, b->a, 0, m,
                                               b->b, 0, n, 0.0f, b->c, 0, n, &q, NULL, b->temp)
                  : CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeYes, CLBlastTransposeNo,
                                 m, n, k, 1.0f, b->a, 0, m, b->b, 0, n, 0.0f, b->c, 0, n, &q,
                                 NULL);
        if (rc != CLBlastSuccess)
            return rc;
        clFinish(q);
        if (i >= 1)
            reps++;
        if (reps >= 2 && now_s() - t0 >= seconds)
            break;
    }
    return 2.0 * (double)m * (double)n * (double)k * reps / (now_s() - t0) * 1e-9;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_clblast [-d SELECTOR] [-s SECONDS] [--preset koch105|koch35] "
               "[--batch PAIRS]\n"
               "CLBlast SGEMM GFLOP/s on the opencl backend's GEMM shapes, with CLBlast's\n"
               "tuning database and with parameter overrides; JSON lines on stdout.\n");
}

int main(int argc, char **argv)
{
    const char *sel = getenv("SIAMESE_OPENCL_DEVICE"), *preset = "koch105";
    double seconds = 1.0;
    size_t batch = 32;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-d") && v) {
            sel = v, i++;
        } else if (!strcmp(argv[i], "-s") && v && atof(v) > 0) {
            seconds = atof(v), i++;
        } else if (!strcmp(argv[i], "--preset") && v &&
                   (!strcmp(v, "koch105") || !strcmp(v, "koch35"))) {
            preset = v, i++;
        } else if (!strcmp(argv[i], "--batch") && v && atoi(v) > 0 && atoi(v) <= 4096) {
            batch = (size_t)atoi(v), i++;
        } else {
            fprintf(stderr, "bench_clblast: bad option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    cl_device_id dev;
    char desc[600];
    int cpu = 0;
    if (!pick_device(sel, &dev, desc, sizeof desc, &cpu))
        return 1;
    cl_int rc;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &rc);
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "bench_clblast: clCreateContext: %s\n", ocl_error_name(rc));
        return 1;
    }
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &rc);
    if (rc != CL_SUCCESS) {
        fprintf(stderr, "bench_clblast: clCreateCommandQueue: %s\n", ocl_error_name(rc));
        clReleaseContext(ctx);
        return 1;
    }
    /* The sub-batches the backend would run on this device (conv2d.c). */
    siam_device_info info;
    memset(&info, 0, sizeof info);
    cl_ulong gmem = 0, amax = 0;
    clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof amax, &amax, NULL);
    info.global_mem_bytes = gmem;
    size_t budget = ocl_conv_budget_of(cpu, &info);
    if (amax && amax / 2 < budget)
        budget = (size_t)(amax / 2);
    size_t images = 2 * batch;
    shape shapes[32];
    bufs b = {0};
    int status = 0;
    const char *head = "{\"bench\":\"clblast_gemm\",\"device\":\"%s\",\"clblast\":\"1.5.3 (Debian "
                       "libclblast1, linked)\",\"preset\":\"%s\",\"batch\":%zu";

    /* 1. Sub-batch sizes, database parameters. */
    int ns = build_shapes(shapes, preset, images, cpu, budget, 1);
    for (int i = 0; i < ns; i++) {
        double g = time_gemm(ctx, q, &b, &shapes[i], seconds);
        printf(head, desc, preset, batch);
        printf(",\"config\":\"database\",\"shape\":\"%s\",\"m\":%zu,\"n\":%zu,\"k\":%zu,", shapes[i].name,
               shapes[i].m, shapes[i].n, shapes[i].k);
        if (g < 0)
            printf("\"error\":\"%s\"}\n", ocl_clblast_name((int)g)), status = 1;
        else
            printf("\"metric\":\"gflops\",\"value\":%.2f}\n", g);
        fflush(stdout);
    }

    /* 2. Override sets on the backend's shapes. */
    ns = build_shapes(shapes, preset, images, cpu, budget, 0);
    double base_rate = 0;
    for (int c = -1; c < (int)N_CONFIGS; c++) {
        const char *cname = c < 0 ? "database" : CONFIGS[c].name;
        if (c >= 0) {
            ocl_xgemm_set set = {.name = ""};
            snprintf(set.name, sizeof set.name, "%s", cname);
            memcpy(set.v, CONFIGS[c].v, sizeof set.v);
            siam_error e = {0};
            if (ocl_xgemm_apply(dev, &set, &e) != SIAM_OK) {
                printf(head, desc, preset, batch);
                printf(",\"config\":\"%s\",\"error\":\"%s\"}\n", cname, e.msg);
                status = 1;
                continue;
            }
        }
        double flops = 0, secs = 0;
        int failed = 0;
        for (int i = 0; i < ns; i++) {
            double g = time_gemm(ctx, q, &b, &shapes[i], seconds);
            printf(head, desc, preset, batch);
            printf(",\"config\":\"%s\",\"shape\":\"%s\",\"m\":%zu,\"n\":%zu,\"k\":%zu,", cname,
                   shapes[i].name, shapes[i].m, shapes[i].n, shapes[i].k);
            if (g < 0) {
                printf("\"error\":\"%s\"}\n", ocl_clblast_name((int)g));
                failed = 1;
                break;
            }
            printf("\"metric\":\"gflops\",\"value\":%.2f}\n", g);
            fflush(stdout);
            double f = 2.0 * (double)shapes[i].m * (double)shapes[i].n * (double)shapes[i].k;
            flops += f, secs += f / (g * 1e9);
        }
        if (failed)
            continue;
        double rate = flops / secs * 1e-9;
        if (c < 0)
            base_rate = rate;
        printf(head, desc, preset, batch);
        printf(",\"config\":\"%s\",\"why\":\"%s\",\"metric\":\"gflops_all_shapes\",\"value\":%.2f,"
               "\"ratio_to_database\":%.3f}\n",
               cname, c < 0 ? "CLBlast's tuning database for this device" : CONFIGS[c].why, rate,
               base_rate > 0 ? rate / base_rate : 0.0);
        fflush(stdout);
    }
    if (b.a)
        clReleaseMemObject(b.a);
    if (b.b)
        clReleaseMemObject(b.b);
    if (b.c)
        clReleaseMemObject(b.c);
    if (b.temp)
        clReleaseMemObject(b.temp);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    return status;
}
