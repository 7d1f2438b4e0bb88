/* Test helpers: run single ops on a backend from host arrays, and check
 * gradients against central finite differences of a double-precision
 * reference. Used by tests/ops and tests/core. */
#ifndef SIAMESE_TESTS_HARNESS_H
#define SIAMESE_TESTS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "engine/backend_loader.h"

typedef struct harness {
    siam_backend *be;
    siam_buffer *bufs[64];
    int nbufs;
    siam_error err;
} harness;

/* The backend the op tests run on: SIAMESE_TEST_BACKEND, else cpu (ctest
 * runs the conv tests on the blas backend's paths this way). */
const char *h_backend_name(void);
/* Opens the backend named by `name` (NULL: h_backend_name()); fails the
 * test if absent. */
void h_open(harness *h, const char *name);
void h_close(harness *h);
/* A fresh buffer holding one tensor; init may be NULL (zeros). */
siam_tensor h_make(harness *h, siam_dtype dt, int ndim, const int64_t *shape, const void *init);
void h_read(harness *h, const siam_tensor *t, void *out);
/* Allocates the declared workspace and runs; fails the test on error. */
void h_run(harness *h, siam_op_args *a);

/* Deterministic uniform values in [lo, hi). */
void h_uniform(float *x, int64_t n, uint64_t seed, double lo, double hi);

/* f(x) -> scalar in double. Checks analytic[i] against the central
 * difference (f(x+e) - f(x-e)) / 2e with e = 1e-6, for every i:
 * |fd - analytic| <= atol + rtol*|fd|. */
typedef double (*h_scalar_fn)(const double *x, void *ctx);
void h_fd_check(h_scalar_fn f, void *ctx, const float *x, int64_t n, const float *analytic,
                double atol, double rtol, const char *what);

/* Max |a-b| over n values. */
double h_max_abs_diff(const float *a, const float *b, int64_t n);

#endif
