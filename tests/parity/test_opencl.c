/* The OpenCL backend's own behaviour: device selectors, error names, the
 * on-disk program cache. Selector and error tests need no device (they run
 * on a made-up device list); the cache and module tests are skipped, with a
 * message saying so, when no OpenCL device exists. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/backend_loader.h"
#include "ocl_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- device selection, on a made-up list ---- */

static ocl_candidate fake(int p, int d, const char *plat, const char *pvendor, const char *name,
                          const char *vendor, cl_device_type type)
{
    ocl_candidate c;
    memset(&c, 0, sizeof c);
    c.platform_index = p;
    c.device_index = d;
    snprintf(c.platform_name, sizeof c.platform_name, "%s", plat);
    snprintf(c.platform_vendor, sizeof c.platform_vendor, "%s", pvendor);
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.vendor, sizeof c.vendor, "%s", vendor);
    c.type = type;
    return c;
}

static void make_list(ocl_candidate *l)
{
    l[0] = fake(0, 0, "Portable Computing Language", "The pocl project",
                "pthread-skylake-avx512-Intel(R) Xeon(R)", "GenuineIntel", CL_DEVICE_TYPE_CPU);
    l[1] = fake(1, 0, "NVIDIA CUDA", "NVIDIA Corporation", "NVIDIA H200", "NVIDIA Corporation",
                CL_DEVICE_TYPE_GPU);
    l[2] = fake(1, 1, "NVIDIA CUDA", "NVIDIA Corporation", "NVIDIA A100", "NVIDIA Corporation",
                CL_DEVICE_TYPE_GPU);
}

static void test_select_default_prefers_gpu(void **state)
{
    (void)state;
    ocl_candidate l[3];
    make_list(l);
    int pick = -1;
    assert_int_equal(ocl_select(l, 3, NULL, &pick, NULL), SIAM_OK);
    assert_int_equal(pick, 1); /* the first GPU, though PoCL comes first */
    assert_int_equal(ocl_select(l, 3, "", &pick, NULL), SIAM_OK);
    assert_int_equal(pick, 1);
    /* Without a GPU, the first device. */
    assert_int_equal(ocl_select(l, 1, NULL, &pick, NULL), SIAM_OK);
    assert_int_equal(pick, 0);
}

static void test_select_by_index(void **state)
{
    (void)state;
    ocl_candidate l[3];
    make_list(l);
    int pick = -1;
    assert_int_equal(ocl_select(l, 3, "1:1", &pick, NULL), SIAM_OK);
    assert_int_equal(pick, 2);
    assert_int_equal(ocl_select(l, 3, "0:0", &pick, NULL), SIAM_OK);
    assert_int_equal(pick, 0);
    siam_error err = {0};
    assert_int_equal(ocl_select(l, 3, "2:0", &pick, &err), SIAM_ERR_NOT_FOUND);
    assert_int_equal(pick, -1);
}

static void test_select_by_substring(void **state)
{
    (void)state;
    ocl_candidate l[3];
    make_list(l);
    int pick = -1;
    assert_int_equal(ocl_select(l, 3, "pocl", &pick, NULL), SIAM_OK); /* platform vendor */
    assert_int_equal(pick, 0);
    assert_int_equal(ocl_select(l, 3, "nvidia", &pick, NULL), SIAM_OK); /* any case */
    assert_int_equal(pick, 1);
    assert_int_equal(ocl_select(l, 3, "a100", &pick, NULL), SIAM_OK); /* device name */
    assert_int_equal(pick, 2);
    assert_int_equal(ocl_select(l, 3, "PORTABLE", &pick, NULL), SIAM_OK); /* platform name */
    assert_int_equal(pick, 0);
}

static void test_select_no_match_lists_candidates(void **state)
{
    (void)state;
    ocl_candidate l[3];
    make_list(l);
    int pick = 7;
    siam_error err = {0};
    assert_int_equal(ocl_select(l, 3, "radeon", &pick, &err), SIAM_ERR_NOT_FOUND);
    assert_int_equal(pick, -1);
    assert_non_null(strstr(err.msg, "'radeon'"));
    assert_non_null(strstr(err.msg, "candidates"));
    assert_non_null(strstr(err.msg, "0:0 pthread-skylake"));
    assert_non_null(strstr(err.msg, "1:0 NVIDIA H200"));
    assert_non_null(strstr(err.msg, "1:1 NVIDIA A100"));
    /* And with no device at all. */
    assert_int_equal(ocl_select(l, 0, NULL, &pick, &err), SIAM_ERR_NOT_FOUND);
}

/* ---- error names ---- */

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(ocl_error_name(-5), "CL_OUT_OF_RESOURCES");
    assert_string_equal(ocl_error_name(0), "CL_SUCCESS");
    assert_string_equal(ocl_error_name(-4), "CL_MEM_OBJECT_ALLOCATION_FAILURE");
    assert_string_equal(ocl_error_name(-11), "CL_BUILD_PROGRAM_FAILURE");
    assert_string_equal(ocl_error_name(-54), "CL_INVALID_WORK_GROUP_SIZE");
    assert_string_equal(ocl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    assert_string_equal(ocl_error_name(-9999), "CL_UNKNOWN_ERROR");
    assert_string_equal(ocl_clblast_name(-5), "CL_OUT_OF_RESOURCES");
    assert_string_equal(ocl_clblast_name(-2050), "CLBlastInsufficientMemoryTemp");
    assert_string_equal(ocl_clblast_name(-1017), "CLBlastInvalidDimension");
}

static void test_error_messages(void **state)
{
    (void)state;
    siam_error err = {0};
    assert_int_equal(ocl_fail(&err, "clEnqueueNDRangeKernel", "relu_fwd", -5),
                     SIAM_ERR_OUT_OF_MEMORY);
    assert_non_null(strstr(err.msg, "clEnqueueNDRangeKernel(relu_fwd): CL_OUT_OF_RESOURCES"));
    assert_non_null(strstr(err.msg, "smaller batch"));
    assert_int_equal(ocl_fail(&err, "clCreateKernel", "adam_update", -46), SIAM_ERR_BACKEND);
    assert_string_equal(err.msg, "clCreateKernel(adam_update): CL_INVALID_KERNEL_NAME");
    assert_int_equal(ocl_clblast_fail(&err, "linear_fwd", -1017), SIAM_ERR_BACKEND);
    assert_string_equal(err.msg, "CLBlastSgemm(linear_fwd): CLBlastInvalidDimension");
}

/* ---- the cache files, without a device ---- */

static void make_tmpdir(char *dir, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, size, "%s/siam-ocl-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
}

/* Removes the cache files and the folder (nothing else is in it). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[2048];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    closedir(d);
    rmdir(dir);
}

static int count_and_corrupt(const char *dir, int corrupt)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int n = 0;
    char path[2048];
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".clbin") != 0)
            continue;
        n++;
        if (!corrupt)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        fseek(f, 60, SEEK_SET); /* inside the binary, past the 48-byte header */
        int c = fgetc(f);
        fseek(f, 60, SEEK_SET);
        fputc(c ^ 0x5a, f);
        fclose(f);
    }
    closedir(d);
    return n;
}

static void test_cache_key_and_files(void **state)
{
    (void)state;
    char k1[65], k2[65], k3[65];
    ocl_cache_key("src", 3, "-cl-std=CL1.2", "dev", "drv 1", "OpenCL 3.0", k1);
    ocl_cache_key("src", 3, "-cl-std=CL1.2", "dev", "drv 1", "OpenCL 3.0", k2);
    assert_string_equal(k1, k2);
    assert_int_equal(strlen(k1), 64); /* SHA-256 */
    ocl_cache_key("src", 3, "-cl-std=CL1.2", "dev", "drv 2", "OpenCL 3.0", k3);
    assert_string_not_equal(k1, k3); /* a driver update invalidates */
    ocl_cache_key("src", 3, "-cl-std=CL1.2 -DTILE=8", "dev", "drv 1", "OpenCL 3.0", k3);
    assert_string_not_equal(k1, k3);

    char dir[512];
    make_tmpdir(dir, sizeof dir);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/a/b", dir); /* created on demand */
    unsigned char bin[100];
    for (int i = 0; i < 100; i++)
        bin[i] = (unsigned char)(i * 7);
    assert_int_equal(ocl_cache_store(sub, k1, bin, sizeof bin), 1);
    /* Entries are native code: the folder is ours alone, the entry 0600. */
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char entry[800];
    snprintf(entry, sizeof entry, "%s/%s.clbin", sub, k1);
    assert_int_equal(stat(entry, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    unsigned char *got = NULL;
    size_t n = 0;
    int rejected = 0;
    assert_int_equal(ocl_cache_load(sub, k1, &got, &n, &rejected), 1);
    assert_int_equal(n, 100);
    assert_memory_equal(got, bin, 100);
    free(got);
    assert_int_equal(ocl_cache_load(sub, k3, &got, &n, &rejected), 0); /* a plain miss */
    assert_int_equal(rejected, 0);
    /* A folder others may write to is not used: anyone could plant code. */
    chmod(sub, 0777);
    assert_int_equal(ocl_cache_load(sub, k1, &got, &n, &rejected), 0);
    assert_int_equal(ocl_cache_store(sub, k2, bin, sizeof bin), 0);
    chmod(sub, 0700);
    /* A link in place of an entry is not followed. */
    char moved[800];
    snprintf(moved, sizeof moved, "%s/real.bin", sub);
    assert_int_equal(rename(entry, moved), 0);
    assert_int_equal(symlink(moved, entry), 0);
    assert_int_equal(ocl_cache_load(sub, k1, &got, &n, &rejected), 0);
    unlink(entry);
    assert_int_equal(rename(moved, entry), 0);
    assert_int_equal(ocl_cache_load(sub, k1, &got, &n, &rejected), 1);
    free(got);
    assert_int_equal(count_and_corrupt(sub, 1), 1);
    assert_int_equal(ocl_cache_load(sub, k1, &got, &n, &rejected), 0);
    assert_int_equal(rejected, 1);
    remove_dir(sub);
    snprintf(sub, sizeof sub, "%s/a", dir);
    rmdir(sub);
    rmdir(dir);
}

/* Copies the first cache entry over the second (both stay valid files). */
static int swap_two_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char names[2][300];
    int n = 0;
    struct dirent *e;
    while (n < 2 && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".clbin") == 0)
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    if (n < 2)
        return -1;
    char a[2048], b[2048], cmd[4200];
    snprintf(a, sizeof a, "%s/%s", dir, names[0]);
    snprintf(b, sizeof b, "%s/%s", dir, names[1]);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", a, b);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- through the module, on a real device ---- */

typedef void (*stats_fn)(void *, int *);
typedef siam_status (*build_fn)(void *, siam_error *);

static int have_device(void)
{
    ocl_candidate *l = NULL;
    int n = 0;
    siam_status st = ocl_enumerate(&l, &n, NULL);
    free(l);
    return st == SIAM_OK && n > 0;
}

#define NEED_DEVICE()                                                                     \
    do {                                                                                  \
        if (!have_device()) {                                                             \
            print_message("no OpenCL device (no ICD or no platform): test skipped\n");   \
            skip();                                                                       \
        }                                                                                 \
    } while (0)

/* Opens opencl, builds every program, returns {hits, misses, stores, rejected}. */
static void build_and_stats(int out[4])
{
    siam_backend *be = NULL;
    siam_error err = {0};
    siam_status st = siam_backend_open("opencl", 0, &be, &err);
    if (st != SIAM_OK)
        fail_msg("opening opencl: %s", err.msg);
    const siam_backend_iface *ifc = siam_backend_get_iface(be);
    void *ctx = siam_backend_get_ctx(be);
    void *p1 = ifc->get_proc_address(ctx, "siam_opencl_cache_stats");
    void *p2 = ifc->get_proc_address(ctx, "siam_opencl_build_all");
    assert_non_null(p1);
    assert_non_null(p2);
    stats_fn stats;
    build_fn build;
    memcpy(&stats, &p1, sizeof stats);
    memcpy(&build, &p2, sizeof build);
    if (build(ctx, &err) != SIAM_OK)
        fail_msg("building: %s", err.msg);
    /* And the kernels work: relu of a few values. */
    siam_buffer *b = NULL;
    assert_int_equal(siam_backend_alloc(be, 8 * 4, &b, &err), SIAM_OK);
    float in[4] = {-1.0f, 2.0f, -0.0f, 3.5f}, outv[4];
    siam_op_args a = {0};
    a.op = SIAM_OP_RELU_FWD;
    a.t[0] = siam_tensor_1d(b, 0, 4);
    a.t[1] = siam_tensor_1d(b, 4, 4);
    assert_int_equal(siam_tensor_upload(be, &a.t[0], in, &err), SIAM_OK);
    assert_int_equal(siam_backend_run(be, &a, &err), SIAM_OK);
    assert_int_equal(siam_tensor_download(be, &a.t[1], outv, &err), SIAM_OK);
    assert_true(outv[0] == 0.0f && outv[1] == 2.0f && outv[2] == 0.0f && outv[3] == 3.5f);
    siam_backend_free(be, b);
    stats(ctx, out);
    siam_backend_close(be);
}

static void test_program_cache(void **state)
{
    (void)state;
    NEED_DEVICE();
    char dir[512];
    make_tmpdir(dir, sizeof dir);
    setenv("SIAMESE_OPENCL_CACHE", dir, 1);
    int s[4];
    build_and_stats(s); /* cold: everything compiled and stored */
    int programs = s[1];
    assert_true(programs > 0);
    assert_int_equal(s[0], 0);
    assert_int_equal(s[2], programs);
    assert_int_equal(count_and_corrupt(dir, 0), programs);

    build_and_stats(s); /* a second context hits the cache */
    assert_int_equal(s[0], programs);
    assert_int_equal(s[1], 0);

    assert_int_equal(count_and_corrupt(dir, 1), programs); /* flip a byte in each */
    build_and_stats(s); /* corrupt files fall back to compiling, and are rewritten */
    assert_int_equal(s[0], 0);
    assert_int_equal(s[1], programs);
    assert_int_equal(s[3], programs);
    assert_int_equal(s[2], programs);
    build_and_stats(s);
    assert_int_equal(s[0], programs);

    /* An entry that passes every check but holds another program (written
     * for another source): its kernels are missing; the program is
     * rebuilt from source and the entry rewritten, no error. */
    assert_int_equal(swap_two_entries(dir), 0);
    build_and_stats(s);
    assert_true(s[3] >= 1);
    assert_true(s[2] >= 1);
    build_and_stats(s);
    assert_int_equal(s[0], programs);
    assert_int_equal(s[3], 0);

    setenv("SIAMESE_OPENCL_CACHE", "0", 1); /* off: compiles, stores nothing */
    build_and_stats(s);
    assert_int_equal(s[0], 0);
    assert_int_equal(s[1], programs);
    assert_int_equal(s[2], 0);
    unsetenv("SIAMESE_OPENCL_CACHE");
    remove_dir(dir);
}

static void test_module_selector_and_oom(void **state)
{
    (void)state;
    NEED_DEVICE();
    setenv("SIAMESE_OPENCL_CACHE", "0", 1);
    siam_backend *be = NULL;
    siam_error err = {0};
    assert_int_equal(siam_backend_open("opencl:no-such-device-xyz", 0, &be, &err),
                     SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "candidates: 0:0 "));
    assert_int_equal(siam_backend_open("opencl:0:0", 0, &be, &err), SIAM_OK);
    siam_device_info info;
    assert_int_equal(siam_backend_device(be, &info, &err), SIAM_OK);
    assert_non_null(strstr(info.extra, "CLBlast 1.5.3"));
    assert_true(info.max_alloc_bytes > 0);
    /* More than the device can allocate: a clear message, not a crash. */
    siam_buffer *b = NULL;
    assert_int_equal(siam_backend_alloc(be, (size_t)info.max_alloc_bytes + 4096, &b, &err),
                     SIAM_ERR_OUT_OF_MEMORY);
    assert_non_null(strstr(err.msg, "smaller batch"));
    siam_backend_close(be);
    /* The environment variable selects too. */
    setenv("SIAMESE_OPENCL_DEVICE", "no-such-device-xyz", 1);
    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_ERR_NOT_FOUND);
    unsetenv("SIAMESE_OPENCL_DEVICE");
    unsetenv("SIAMESE_OPENCL_CACHE");
}

/* SIAM_EXT_COUNTERS: one upload, one op and one download are counted as
 * the commands and bytes they are (bench_train prints them per step). */
static void test_counters(void **state)
{
    (void)state;
    NEED_DEVICE();
    setenv("SIAMESE_OPENCL_CACHE", "0", 1);
    siam_backend *be = NULL;
    siam_error err = {0};
    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_OK);
    const siam_backend_iface *iface = siam_backend_get_iface(be);
    void *fn = iface->get_proc_address(siam_backend_get_ctx(be), SIAM_EXT_COUNTERS);
    assert_non_null(fn);
    siam_counters_fn counters;
    memcpy(&counters, &fn, sizeof counters);
    siam_counters a, b;
    counters(siam_backend_get_ctx(be), &a);
    siam_buffer *buf = NULL;
    assert_int_equal(siam_backend_alloc(be, 2 * 100 * sizeof(float), &buf, &err), SIAM_OK);
    float host[100];
    for (int i = 0; i < 100; i++)
        host[i] = (float)i - 50.0f;
    siam_op_args r = {.op = SIAM_OP_RELU_FWD};
    r.t[0] = siam_tensor_2d(buf, 0, 10, 10);
    r.t[1] = siam_tensor_2d(buf, 100, 10, 10);
    assert_int_equal(siam_tensor_upload(be, &r.t[0], host, &err), SIAM_OK);
    assert_int_equal(siam_backend_run(be, &r, &err), SIAM_OK);
    assert_int_equal(siam_tensor_download(be, &r.t[1], host, &err), SIAM_OK);
    counters(siam_backend_get_ctx(be), &b);
    assert_int_equal(b.upload_bytes - a.upload_bytes, 400);
    assert_int_equal(b.download_bytes - a.download_bytes, 400);
    assert_int_equal(b.launches - a.launches, 3);
    assert_int_equal(b.library_calls - a.library_calls, 0);
    assert_true(host[0] == 0.0f && host[99] == 49.0f);
    siam_backend_free(be, buf);
    siam_backend_close(be);
    unsetenv("SIAMESE_OPENCL_CACHE");
}

/* A kernel that does not compile: SIAM_ERR_BACKEND, the file named, the
 * build log (with the offending identifier) in the message. */
static void test_build_failure_has_log(void **state)
{
    (void)state;
    NEED_DEVICE();
    ocl_candidate *l = NULL;
    int n = 0, pick = -1;
    assert_int_equal(ocl_enumerate(&l, &n, NULL), SIAM_OK);
    assert_int_equal(ocl_select(l, n, NULL, &pick, NULL), SIAM_OK);
    ocl_ctx *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->device = l[pick].device;
    snprintf(c->info.name, sizeof c->info.name, "%s", l[pick].name);
    snprintf(c->options, sizeof c->options, "-cl-std=CL1.2");
    /* cache_dir stays "": off */
    cl_int rc;
    c->context = clCreateContext(NULL, 1, &c->device, NULL, NULL, &rc);
    assert_int_equal(rc, CL_SUCCESS);
    const char *bad = "__kernel void broken(__global float *x) { x[0] = undeclared_thing; }\n";
    cl_program p = NULL;
    siam_error err = {0};
    assert_int_equal(ocl_program_build(c, "broken", bad, strlen(bad), &p, &err), SIAM_ERR_BACKEND);
    assert_null(p);
    assert_non_null(strstr(err.msg, "clBuildProgram(kernels/broken.cl"));
    assert_non_null(strstr(err.msg, "CL_BUILD_PROGRAM_FAILURE"));
    assert_non_null(strstr(err.msg, "undeclared_thing"));
    clReleaseContext(c->context);
    free(c);
    free(l);
}

/* ---- the GEMM split along k, on made-up devices ---- */

/* Koch's conv1 weight gradient (dw 64 x 100, k = images x 96 x 96) as the
 * backend arranges it, ta = 1, tb = 0. */
static ocl_gemm conv1_dw(size_t images)
{
    ocl_gemm g;
    memset(&g, 0, sizeof g);
    g.ta = 1;
    g.m = 64, g.n = 100, g.k = images * 96 * 96;
    g.lda = g.m, g.ldb = g.n, g.ldc = g.n;
    return g;
}

/* An H200-like GPU (132 compute units) splits conv1's small output into
 * hundreds of slices (the range measured fastest there: 264-528 for 44
 * images); a CPU device, a large output or a short k is left whole, and
 * the test hook forces or forbids a split on any device. */
static void test_gemm_split_choice(void **state)
{
    (void)state;
    ocl_ctx *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->info.compute_units = 132;
    ocl_gemm g = conv1_dw(44);
    size_t parts = ocl_gemm_split_floats(c, &g) / (g.m * g.n);
    assert_true(parts >= 264 && parts <= 528);
    g = conv1_dw(256);
    assert_true(ocl_gemm_split_floats(c, &g) / (g.m * g.n) >= 264);
    g.k = 600; /* slices of at least 512: one slice, no split */
    assert_int_equal(ocl_gemm_split_floats(c, &g), 0);
    ocl_gemm fc = conv1_dw(256); /* fc1's weight gradient: 4096 x 9216, already thousands of tiles */
    fc.m = 4096, fc.n = 9216, fc.k = 256, fc.lda = fc.m, fc.ldb = fc.n, fc.ldc = fc.n;
    assert_int_equal(ocl_gemm_split_floats(c, &fc), 0);
    ocl_gemm nt = conv1_dw(44); /* only the k-major arrangement is cut */
    nt.ta = 0;
    assert_int_equal(ocl_gemm_split_floats(c, &nt), 0);
    c->cpu_device = 1;
    g = conv1_dw(44);
    assert_int_equal(ocl_gemm_split_floats(c, &g), 0);
    c->tune.gemm_k_split = 7;
    assert_int_equal(ocl_gemm_split_floats(c, &g), 7 * g.m * g.n);
    c->cpu_device = 0;
    c->tune.gemm_k_split = -1;
    assert_int_equal(ocl_gemm_split_floats(c, &g), 0);
    free(c);
}

/* Conv sub-batches: a CPU device keeps a cache-sized budget; a GPU takes
 * an eighth of its memory, so an H200 (141 GB) runs Koch's conv2 (23 MB of
 * scratch per image) for a whole batch of 256 images in one GEMM. */
static void test_conv_budget_by_device(void **state)
{
    (void)state;
    siam_device_info info;
    memset(&info, 0, sizeof info);
    info.global_mem_bytes = (uint64_t)141 << 30;
    assert_int_equal(ocl_conv_budget_of(1, &info), OCL_CONV_BUDGET_CPU);
    size_t gpu = ocl_conv_budget_of(0, &info);
    assert_true(gpu >= (size_t)17 << 30);
    assert_true(gpu / ((3136 + 128) * 42 * 42 * sizeof(float)) >= 256);
    info.global_mem_bytes = (uint64_t)1 << 30; /* a small GPU keeps at least the CPU budget */
    assert_int_equal(ocl_conv_budget_of(0, &info), OCL_CONV_BUDGET_CPU);
    info.global_mem_bytes = 0; /* unknown */
    assert_int_equal(ocl_conv_budget_of(0, &info), OCL_CONV_BUDGET_CPU);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_default_prefers_gpu),
        cmocka_unit_test(test_select_by_index),
        cmocka_unit_test(test_select_by_substring),
        cmocka_unit_test(test_select_no_match_lists_candidates),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_cache_key_and_files),
        cmocka_unit_test(test_program_cache),
        cmocka_unit_test(test_module_selector_and_oom),
        cmocka_unit_test(test_build_failure_has_log),
        cmocka_unit_test(test_gemm_split_choice),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_conv_budget_by_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
