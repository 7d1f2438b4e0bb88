/* Finding and opening backend modules, and refusing bad ones. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdio.h>

#ifndef SIAM_TEST_MODULE_DIR
#error "SIAM_TEST_MODULE_DIR must name the folder of the test modules"
#endif

static void cpu_is_found_and_opens(void **state)
{
    (void)state;
    siam_module_entry *e = NULL;
    int n = 0, found = 0;
    siam_error err;
    assert_int_equal(siam_backend_scan(&e, &n, &err), SIAM_OK);
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].name, "cpu") == 0 && e[i].usable && e[i].score > 0)
            found = 1;
    free(e);
    assert_true(found);
    siam_backend *be;
    assert_int_equal(siam_backend_open("cpu", 1, &be, &err), SIAM_OK);
    assert_string_equal(siam_backend_name(be), "cpu");
    siam_device_info info;
    assert_int_equal(siam_backend_device(be, &info, &err), SIAM_OK);
    assert_int_equal(info.type, SIAM_DEVICE_CPU);
    siam_backend_close(be);
}

static void unknown_names_and_devices_are_refused(void **state)
{
    (void)state;
    siam_backend *be = NULL;
    siam_error err;
    assert_int_equal(siam_backend_open("quantum", 1, &be, &err), SIAM_ERR_NOT_FOUND);
    assert_null(be);
    assert_non_null(strstr(err.msg, "quantum"));
    assert_non_null(strstr(err.msg, "cpu")); /* lists what exists */
    assert_int_equal(siam_backend_open("cpu:7", 1, &be, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "7"));
    assert_int_equal(siam_backend_open(":x", 1, &be, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_backend_open("cpu", 1, NULL, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_backend_open_path("/nonexistent/libsiamese-backend-x.so", NULL, 1, &be,
                                            &err),
                     SIAM_ERR_NOT_FOUND);
}

static void wrong_abi_is_refused_naming_both_versions(void **state)
{
    (void)state;
    siam_backend *be = NULL;
    siam_error err;
    char path[1024];
    snprintf(path, sizeof path, "%s/libsiamese-backend-badabi.so", SIAM_TEST_MODULE_DIR);
    assert_int_equal(siam_backend_open_path(path, NULL, 1, &be, &err), SIAM_ERR_ABI);
    assert_null(be);
    assert_non_null(strstr(err.msg, "999"));
    char ours[16];
    snprintf(ours, sizeof ours, "%u", SIAM_BACKEND_ABI_VERSION);
    assert_non_null(strstr(err.msg, ours));
    snprintf(path, sizeof path, "%s/libsiamese-backend-noentry.so", SIAM_TEST_MODULE_DIR);
    assert_int_equal(siam_backend_open_path(path, NULL, 1, &be, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "siam_backend_entry"));
}

static void broken_modules_are_skipped_and_others_still_load(void **state)
{
    (void)state;
    const char *old = getenv("SIAMESE_BACKEND_PATH");
    char keep[4096] = "";
    if (old)
        snprintf(keep, sizeof keep, "%s", old);
    char path[8192];
    snprintf(path, sizeof path, "%s:%s", SIAM_TEST_MODULE_DIR, keep);
    setenv("SIAMESE_BACKEND_PATH", path, 1);
    siam_module_entry *e = NULL;
    int n = 0, bad = 0, noentry = 0, cpu = 0;
    siam_error err;
    assert_int_equal(siam_backend_scan(&e, &n, &err), SIAM_OK);
    for (int i = 0; i < n; i++) {
        if (strcmp(e[i].name, "badabi") == 0)
            bad = !e[i].usable && strstr(e[i].problem, "999") != NULL;
        if (strcmp(e[i].name, "noentry") == 0)
            noentry = !e[i].usable;
        if (strcmp(e[i].name, "cpu") == 0)
            cpu = e[i].usable;
    }
    free(e);
    assert_true(bad);
    assert_true(noentry);
    assert_true(cpu);
    siam_backend *be;
    assert_int_equal(siam_backend_open("badabi", 1, &be, &err), SIAM_ERR_ABI);
    assert_non_null(strstr(err.msg, "999"));
    assert_int_equal(siam_backend_open("cpu", 1, &be, &err), SIAM_OK);
    siam_backend_close(be);
    if (old)
        setenv("SIAMESE_BACKEND_PATH", keep, 1);
    else
        unsetenv("SIAMESE_BACKEND_PATH");
}

/* Prepends `dir` to SIAMESE_BACKEND_PATH; returns the old value (or ""). */
static void path_prepend(const char *dir, char *keep, size_t size)
{
    const char *old = getenv("SIAMESE_BACKEND_PATH");
    snprintf(keep, size, "%s", old ? old : "");
    char path[8192];
    snprintf(path, sizeof path, "%s:%s", dir, keep);
    setenv("SIAMESE_BACKEND_PATH", path, 1);
}

static void path_restore(const char *keep)
{
    if (keep[0])
        setenv("SIAMESE_BACKEND_PATH", keep, 1);
    else
        unsetenv("SIAMESE_BACKEND_PATH");
}

/* A module that aborts when loaded sits first in the path: --backend cpu
 * loads cpu alone and never touches it (before, every module was loaded
 * to be scored, and this one took the process down). */
static void a_named_backend_loads_no_other_module(void **state)
{
    (void)state;
    char keep[4096];
    path_prepend(SIAM_TEST_CRASH_DIR, keep, sizeof keep);
    siam_backend *be = NULL;
    siam_error err = {0};
    assert_int_equal(siam_backend_open("cpu", 1, &be, &err), SIAM_OK);
    assert_string_equal(siam_backend_name(be), "cpu");
    siam_backend_close(be);
    assert_int_equal(siam_backend_open("nosuch", 1, &be, &err), SIAM_ERR_NOT_FOUND);
    path_restore(keep);
}

/* auto: the highest score that fails to open is passed over, the next
 * one used, and why is in the backend's notes. */
static void auto_passes_over_a_module_that_fails(void **state)
{
    (void)state;
    char keep[4096];
    path_prepend(SIAM_TEST_FAILCREATE_DIR, keep, sizeof keep);
    siam_backend *be = NULL;
    siam_error err = {0};
    assert_int_equal(siam_backend_open("auto", 1, &be, &err), SIAM_OK);
    assert_string_not_equal(siam_backend_name(be), "failcreate");
    char notes[2048];
    siam_backend_notes(be, notes, sizeof notes);
    assert_non_null(strstr(notes, "backend failcreate failed to open (failcreate: the device is gone)"));
    assert_non_null(strstr(notes, "using "));
    siam_backend_close(be);
    assert_int_equal(siam_backend_open("failcreate", 1, &be, &err), SIAM_ERR_BACKEND);
    assert_non_null(strstr(err.msg, "the device is gone"));
    path_restore(keep);
}

static void null_arguments_get_errors(void **state)
{
    (void)state;
    siam_error err;
    siam_buffer *b;
    assert_int_equal(siam_backend_alloc(NULL, 4, &b, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_backend_scan(NULL, NULL, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_tensor_upload(NULL, NULL, NULL, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_backend_run(NULL, NULL, &err), SIAM_ERR_INVALID_ARG);
    siam_backend *be;
    assert_int_equal(siam_backend_open("cpu", 1, &be, &err), SIAM_OK);
    assert_int_equal(siam_backend_alloc(be, 0, &b, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_backend_alloc(be, 16, &b, &err), SIAM_OK);
    siam_tensor big = siam_tensor_1d(b, 2, 4); /* runs past the 4-float buffer */
    float host[4] = {0};
    assert_int_not_equal(siam_tensor_upload(be, &big, host, &err), SIAM_OK);
    siam_backend_free(be, b);
    siam_backend_close(be);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpu_is_found_and_opens),
        cmocka_unit_test(unknown_names_and_devices_are_refused),
        cmocka_unit_test(wrong_abi_is_refused_naming_both_versions),
        cmocka_unit_test(broken_modules_are_skipped_and_others_still_load),
        cmocka_unit_test(a_named_backend_loads_no_other_module),
        cmocka_unit_test(auto_passes_over_a_module_that_fails),
        cmocka_unit_test(null_arguments_get_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
