/* The OpenCL backend's tuned Xgemm parameters (gemm_params.c, gemm_tune.c):
 * entry files read as hostile input (no device needed), a stored entry
 * applied by a later context before its first GEMM, a refused entry
 * stopping the context with one line, and SIAM_EXT_TUNE storing nothing
 * when no set wins. Tests that need a device skip without one. */
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

#define DEV "test-device"

/* A set every device with 256 work-items and 16 KiB of local memory runs. */
static const ocl_xgemm_set SET128 = {
    "gpu_128x128_local", {0, 1, 16, 2, 16, 16, 128, 16, 16, 128, 1, 1, 0, 0, 4, 4}};

static void make_tmpdir(char *dir, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, size, "%s/siam-ocl-tune-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
}

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

static void write_text(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* The entry for SET128 as text, with line `bad` (1-based) replaced by
 * `with` when bad > 0. */
static void entry_text(char *out, size_t size, const char *device, int bad, const char *with)
{
    char line[300];
    size_t used = 0;
    for (int i = 1; i <= 3 + OCL_XGEMM_N; i++) {
        if (i == 1)
            snprintf(line, sizeof line, "siamese-xgemm 1");
        else if (i == 2)
            snprintf(line, sizeof line, "device %s", device);
        else if (i == 3)
            snprintf(line, sizeof line, "set %s", SET128.name);
        else
            snprintf(line, sizeof line, "%s %zu", ocl_xgemm_names[i - 4], SET128.v[i - 4]);
        used += (size_t)snprintf(out + used, size - used, "%s\n", i == bad ? with : line);
    }
}

static int load(const char *path, char *why, size_t size)
{
    ocl_xgemm_set s;
    return ocl_xgemm_load(path, DEV, 1024, 65536, &s, why, size);
}

static void test_entry_files(void **state)
{
    (void)state;
    char dir[512], path[700], text[2048], why[200];
    make_tmpdir(dir, sizeof dir);
    ocl_xgemm_path(dir, DEV, "drv 1", "OpenCL 3.0", path, sizeof path);
    char other[700];
    ocl_xgemm_path(dir, DEV, "drv 2", "OpenCL 3.0", other, sizeof other);
    assert_string_not_equal(path, other); /* a driver update is a new entry */
    assert_int_equal(load(path, why, sizeof why), 0); /* none yet */

    /* What the store writes, the load reads back. */
    assert_int_equal(ocl_xgemm_store(path, DEV, &SET128, NULL), SIAM_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ocl_xgemm_set got;
    assert_int_equal(ocl_xgemm_load(path, DEV, 1024, 65536, &got, why, sizeof why), 1);
    assert_string_equal(got.name, SET128.name);
    assert_memory_equal(got.v, SET128.v, sizeof got.v);
    /* Device limits: too few work-items, too little local memory. */
    assert_int_equal(ocl_xgemm_load(path, DEV, 128, 65536, &got, why, sizeof why), -1);
    assert_non_null(strstr(why, "work-groups of 256"));
    assert_int_equal(ocl_xgemm_load(path, DEV, 1024, 4096, &got, why, sizeof why), -1);
    assert_non_null(strstr(why, "local memory"));

    /* Each damaged line is refused with a reason naming it. */
    const struct {
        int line;
        const char *with, *reason;
    } bad[] = {
        {1, "siamese-xgemm 2", "line 1"},
        {2, "device someone-else", "another device"},
        {3, "set ../../etc", "the set's name"},
        {5, "KWG 16", "line 5"},            /* KREG's line names another parameter */
        {6, "KWG abc", "not a number"},
        {6, "KWG 16000", "not a number"},
        {6, "KWG -16", "not a number"},
        {10, "MWG 96", "power of two"},
        {10, "MWG 32", "tiles do not divide"},
        {4, "GEMMK 1", "GEMMK must be 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        entry_text(text, sizeof text, DEV, bad[i].line, bad[i].with);
        write_text(path, text, 0600);
        why[0] = '\0';
        assert_int_equal(load(path, why, sizeof why), -1);
        if (!strstr(why, bad[i].reason))
            fail_msg("'%s': reason '%s', wanted '%s'", bad[i].with, why, bad[i].reason);
    }
    entry_text(text, sizeof text, DEV, 0, NULL);
    strcat(text, "VWN 4\n");
    write_text(path, text, 0600);
    assert_int_equal(load(path, why, sizeof why), -1);
    assert_non_null(strstr(why, "after the last"));
    text[strlen(text) - 1] = '\0'; /* no final newline */
    write_text(path, text, 0600);
    assert_int_equal(load(path, why, sizeof why), -1);
    memset(text, 'x', 1500); /* larger than any entry */
    text[1500] = '\0';
    write_text(path, text, 0600);
    assert_int_equal(load(path, why, sizeof why), -1);
    assert_non_null(strstr(why, "larger than"));
    static const char nul[] = "siamese-xgemm 1\n\0device x\n";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(nul, 1, sizeof nul - 1, f);
    fclose(f);
    assert_int_equal(load(path, why, sizeof why), -1);
    assert_non_null(strstr(why, "NUL"));

    /* Files others could have written: refused; a folder others can write
     * to: not read at all. */
    entry_text(text, sizeof text, DEV, 0, NULL);
    write_text(path, text, 0620);
    assert_int_equal(load(path, why, sizeof why), -1);
    assert_non_null(strstr(why, "writable by others"));
    write_text(other, text, 0600);
    unlink(path);
    assert_int_equal(symlink(other, path), 0);
    assert_int_equal(load(path, why, sizeof why), -1);
    assert_non_null(strstr(why, "link"));
    unlink(path);
    write_text(path, text, 0600);
    assert_int_equal(load(path, why, sizeof why), 1);
    chmod(dir, 0777);
    assert_int_equal(load(path, why, sizeof why), 0);
    chmod(dir, 0700);
    remove_dir(dir);
}

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

/* A GEMM whose sizes are multiples of no tile, so that CLBlast's temp
 * buffer (the padded copies) depends on the tiles in use. */
static size_t odd_temp_bytes(siam_backend *be)
{
    ocl_gemm g = {.ta = 1, .m = 1030, .n = 1030, .k = 1030, .lda = 1030, .ldb = 1030,
                  .ldc = 1030};
    return ocl_gemm_temp_bytes(siam_backend_get_ctx(be), &g);
}

/* The stored entry's path for the default device, as the backend makes it. */
static void entry_path(siam_backend *be, char *out, size_t size)
{
    snprintf(out, size, "%s", ((ocl_ctx *)siam_backend_get_ctx(be))->xgemm_path);
}

/* Runs first among the device tests: CLBlast keeps an override for the
 * process, so the database's temp size is read before any is applied. */
static void test_entry_applied_and_refused(void **state)
{
    (void)state;
    NEED_DEVICE();
    char dir[512], path[1100];
    make_tmpdir(dir, sizeof dir);
    setenv("SIAMESE_OPENCL_CACHE", dir, 1);
    siam_backend *be = NULL;
    siam_error err = {0};
    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_OK);
    size_t database = odd_temp_bytes(be);
    entry_path(be, path, sizeof path);
    siam_device_info info;
    assert_int_equal(siam_backend_device(be, &info, &err), SIAM_OK);
    assert_null(strstr(info.extra, "Xgemm"));
    siam_backend_close(be);

    assert_int_equal(ocl_xgemm_store(path, info.name, &SET128, NULL), SIAM_OK);
    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_OK);
    assert_int_equal(siam_backend_device(be, &info, &err), SIAM_OK);
    assert_non_null(strstr(info.extra, "Xgemm tuned: set gpu_128x128_local"));
    ocl_ctx *c = siam_backend_get_ctx(be);
    assert_int_equal(c->xgemm_pending, 1); /* not before the first GEMM */
    size_t tuned = odd_temp_bytes(be);
    assert_int_equal(c->xgemm_pending, 0);
    /* At least C padded to the stored set's 128 x 128 tiles, and not the
     * database's (PoCL's tiles are smaller). */
    print_message("temp bytes: database %zu, tuned %zu\n", database, tuned);
    assert_true(tuned >= (size_t)1152 * 1152 * sizeof(float));
    assert_int_not_equal(tuned, database);
    siam_backend_close(be);

    /* A damaged entry stops the context with one line naming the file. */
    write_text(path, "siamese-xgemm 1\ndevice x\n", 0600);
    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "refused"));
    assert_null(strchr(err.msg, '\n'));
    unsetenv("SIAMESE_OPENCL_CACHE");
    remove_dir(dir);
}

static siam_tune_fn tune_of(siam_backend *be)
{
    void *fn = siam_backend_get_iface(be)->get_proc_address(siam_backend_get_ctx(be),
                                                            SIAM_EXT_TUNE);
    assert_non_null(fn);
    siam_tune_fn f;
    memcpy(&f, &fn, sizeof f);
    return f;
}

static void set_hook(siam_backend *be, const char *key, long value)
{
    void *fn = siam_backend_get_iface(be)->get_proc_address(siam_backend_get_ctx(be),
                                                            "siam_opencl_tune");
    int (*f)(void *, const char *, long);
    memcpy(&f, &fn, sizeof f);
    assert_int_equal(f(siam_backend_get_ctx(be), key, value), 1);
}

/* No set wins (the margin asked is out of reach): nothing is stored, an
 * older entry for the device goes, and the context cannot tune twice. */
static void test_tune_stores_nothing_without_a_winner(void **state)
{
    (void)state;
    NEED_DEVICE();
    char dir[512], path[1100];
    make_tmpdir(dir, sizeof dir);
    setenv("SIAMESE_OPENCL_CACHE", dir, 1);
    siam_backend *be = NULL;
    siam_error err = {0};
    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_OK);
    entry_path(be, path, sizeof path);
    siam_device_info info;
    assert_int_equal(siam_backend_device(be, &info, &err), SIAM_OK);
    siam_backend_close(be);
    assert_int_equal(ocl_xgemm_store(path, info.name, &SET128, NULL), SIAM_OK);

    assert_int_equal(siam_backend_open("opencl", 0, &be, &err), SIAM_OK);
    set_hook(be, "tune_margin_pct", 1000);
    set_hook(be, "tune_candidates", 1);
    siam_op_args ops[2] = {{.op = SIAM_OP_LINEAR_FWD}, {.op = SIAM_OP_RELU_FWD}};
    ops[0].t[0] = siam_tensor_2d(NULL, 0, 8, 72);
    ops[0].t[1] = siam_tensor_2d(NULL, 0, 40, 72);
    ops[0].t[3] = siam_tensor_2d(NULL, 0, 8, 40);
    char report[4096];
    assert_int_equal(tune_of(be)(siam_backend_get_ctx(be), ops, 2, report, sizeof report, &err),
                     SIAM_OK);
    assert_non_null(strstr(report, "set\tdatabase\t"));
    assert_non_null(strstr(report, "set\tgpu_64x64_local\t"));
    assert_non_null(strstr(report, "set\tgpu_128x128_local\t")); /* the stored set, measured */
    assert_non_null(strstr(report, "shape\tlinear_fwd\t8\t40\t72\t1\t"));
    assert_non_null(strstr(report, "result\tnone\t"));
    assert_non_null(strstr(report, "the older entry was removed"));
    struct stat st;
    assert_int_not_equal(lstat(path, &st), 0);
    /* Its GEMMs ran: CLBlast now holds some set for the process. */
    assert_int_equal(tune_of(be)(siam_backend_get_ctx(be), ops, 1, report, sizeof report, &err),
                     SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "run no GEMM"));
    siam_backend_close(be);
    unsetenv("SIAMESE_OPENCL_CACHE");
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_files),
        cmocka_unit_test(test_entry_applied_and_refused),
        cmocka_unit_test(test_tune_stores_nothing_without_a_winner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
