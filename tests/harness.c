#include "harness.h"

#include "base/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char *h_backend_name(void)
{
    const char *env = getenv("SIAMESE_TEST_BACKEND");
    return env && *env ? env : "cpu";
}

void h_open(harness *h, const char *name)
{
    memset(h, 0, sizeof *h);
    siam_status st = siam_backend_open(name ? name : h_backend_name(), 0, &h->be, &h->err);
    if (st != SIAM_OK)
        fail_msg("cannot open backend: %s", h->err.msg);
}

void h_close(harness *h)
{
    for (int i = 0; i < h->nbufs; i++)
        siam_backend_free(h->be, h->bufs[i]);
    siam_backend_close(h->be);
    h->be = NULL;
    h->nbufs = 0;
}

siam_tensor h_make(harness *h, siam_dtype dt, int ndim, const int64_t *shape, const void *init)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    assert_true(h->nbufs < 64);
    siam_buffer *b;
    if (siam_backend_alloc(h->be, (size_t)n * 4, &b, &h->err) != SIAM_OK)
        fail_msg("alloc: %s", h->err.msg);
    h->bufs[h->nbufs++] = b;
    siam_tensor t = siam_tensor_view(b, 0, dt, ndim, shape);
    if (init)
        assert_int_equal(siam_tensor_upload(h->be, &t, init, &h->err), SIAM_OK);
    else
        assert_int_equal(siam_tensor_fill(h->be, &t, 0.0f, &h->err), SIAM_OK);
    return t;
}

void h_read(harness *h, const siam_tensor *t, void *out)
{
    if (siam_tensor_download(h->be, t, out, &h->err) != SIAM_OK)
        fail_msg("download: %s", h->err.msg);
}

void h_run(harness *h, siam_op_args *a)
{
    size_t ws = siam_backend_workspace(h->be, a);
    if (ws) {
        int64_t s[1] = {(int64_t)((ws + 3) / 4)};
        a->workspace = h_make(h, SIAM_F32, 1, s, NULL);
    }
    if (siam_backend_run(h->be, a, &h->err) != SIAM_OK)
        fail_msg("run: %s", h->err.msg);
}

void h_uniform(float *x, int64_t n, uint64_t seed, double lo, double hi)
{
    siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_TEST);
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)siam_rng_range(&r, lo, hi);
}

void h_fd_check(h_scalar_fn f, void *ctx, const float *x, int64_t n, const float *analytic,
                double atol, double rtol, const char *what)
{
    double *xd = malloc((size_t)n * sizeof *xd);
    assert_non_null(xd);
    for (int64_t i = 0; i < n; i++)
        xd[i] = x[i];
    const double eps = 1e-6;
    int bad = 0;
    for (int64_t i = 0; i < n; i++) {
        double keep = xd[i];
        xd[i] = keep + eps;
        double fp = f(xd, ctx);
        xd[i] = keep - eps;
        double fm = f(xd, ctx);
        xd[i] = keep;
        double fd = (fp - fm) / (2 * eps);
        if (!(fabs(fd - analytic[i]) <= atol + rtol * fabs(fd))) {
            if (bad++ < 5)
                print_error("%s: d/dx[%lld]: finite difference %.8g, analytic %.8g\n", what,
                            (long long)i, fd, (double)analytic[i]);
        }
    }
    free(xd);
    if (bad)
        fail_msg("%s: %d of %lld gradient entries off", what, bad, (long long)n);
}

double h_max_abs_diff(const float *a, const float *b, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m))
            m = d; /* NaN sticks */
    }
    return m;
}
