/* Affine distortions (see distort.h). */
#include "data/distort.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

void siam_affine_range_koch(siam_affine_range *r)
{
    r->rotation_deg = 10.0;
    r->shear = 0.3;
    r->scale_lo = 0.8;
    r->scale_hi = 1.2;
    r->translate = 2.0;
    r->p = 0.5;
}

void siam_affine_identity(siam_affine *t)
{
    t->theta_deg = 0.0;
    t->shear_x = t->shear_y = 0.0;
    t->scale_x = t->scale_y = 1.0;
    t->tx = t->ty = 0.0;
}

siam_status siam_affine_check_range(const siam_affine_range *r, siam_error *err)
{
    if (!r || !(r->rotation_deg >= 0.0 && r->rotation_deg <= 180.0) ||
        !(r->shear >= 0.0 && r->shear < 1.0) || !(r->scale_lo > 0.0) ||
        !(r->scale_hi >= r->scale_lo) || !(r->translate >= 0.0) || !(r->p >= 0.0 && r->p <= 1.0))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "distortion range out of bounds (rotation 0-180, shear 0-1, "
                              "0 < scale_lo <= scale_hi, translate >= 0, p in [0, 1])");
    return SIAM_OK;
}

/* Fixed draw order: one coin and one value per component, always both, so
 * that the count is constant (SIAM_AFFINE_DRAWS). */
void siam_affine_sample(siam_rng *r, const siam_affine_range *g, siam_affine *t)
{
    double coin[7], val[7];
    for (int i = 0; i < 7; i++) {
        coin[i] = siam_rng_uniform(r);
        val[i] = siam_rng_uniform(r);
    }
    siam_affine_identity(t);
    if (coin[0] < g->p)
        t->theta_deg = (2.0 * val[0] - 1.0) * g->rotation_deg;
    if (coin[1] < g->p)
        t->shear_x = (2.0 * val[1] - 1.0) * g->shear;
    if (coin[2] < g->p)
        t->shear_y = (2.0 * val[2] - 1.0) * g->shear;
    if (coin[3] < g->p)
        t->scale_x = g->scale_lo + (g->scale_hi - g->scale_lo) * val[3];
    if (coin[4] < g->p)
        t->scale_y = g->scale_lo + (g->scale_hi - g->scale_lo) * val[4];
    if (coin[5] < g->p)
        t->tx = (2.0 * val[5] - 1.0) * g->translate;
    if (coin[6] < g->p)
        t->ty = (2.0 * val[6] - 1.0) * g->translate;
}

void siam_affine_at(uint64_t seed, uint64_t key, const siam_affine_range *range,
                    siam_affine *t)
{
    siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_DISTORT);
    r.counter = key * SIAM_AFFINE_DRAWS;
    siam_affine_sample(&r, range, t);
}

/* Narrows [*lo, *hi] to the x with a < s0 + x * step < b; 0 if empty. */
static int ink_span(double s0, double step, double a, double b, double *lo, double *hi)
{
    if (fabs(step) < 1e-12)
        return s0 > a - 1e-9 && s0 < b + 1e-9;
    double x1 = (a - s0) / step, x2 = (b - s0) / step;
    if (x1 > x2) {
        double tmp = x1;
        x1 = x2;
        x2 = tmp;
    }
    if (x1 > *lo)
        *lo = x1;
    if (x2 < *hi)
        *hi = x2;
    return *lo <= *hi + 1.0;
}

siam_status siam_affine_warp(const uint8_t *src, int h, int w, const siam_affine *t,
                             float *dst, float scale, siam_error *err)
{
    if (!src || !dst || !t || h <= 0 || w <= 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "affine warp: bad arguments");
    /* M = R * Sh * S; (x, y) order, x = column. */
    double th = t->theta_deg * 3.14159265358979323846 / 180.0;
    double c = cos(th), s = sin(th);
    double sh00 = 1.0, sh01 = t->shear_x, sh10 = t->shear_y, sh11 = 1.0;
    double rs00 = c * sh00 - s * sh10, rs01 = c * sh01 - s * sh11;
    double rs10 = s * sh00 + c * sh10, rs11 = s * sh01 + c * sh11;
    double m00 = rs00 * t->scale_x, m01 = rs01 * t->scale_y;
    double m10 = rs10 * t->scale_x, m11 = rs11 * t->scale_y;
    double det = m00 * m11 - m01 * m10;
    if (!(fabs(det) > 1e-9))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "affine warp: singular transform");
    double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
    /* Fixed point: source coordinates with FB fractional bits (int64, so
     * extreme matrices cannot overflow), interpolation weights with 8.
     * Coordinates are rounded once per row start and step, so an exact
     * transform (identity, whole-pixel shifts, 90 degree turns) samples
     * exactly; elsewhere the error is under 1/256 pixel. */
    enum { FB = 20 };
    const int64_t one = (int64_t)1 << FB;
    const int64_t xmax = (int64_t)w << FB, ymax = (int64_t)h << FB;
    if (fabs(i00) * w + fabs(i01) * h > 1e6 || fabs(i10) * w + fabs(i11) * h > 1e6)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "affine warp: transform too extreme");
    const int64_t dxs = llround(i00 * one), dys = llround(i10 * one);
    const float unit = scale / 65536.0f;
    double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
    /* Only output pixels whose source point lies near the ink can be
     * non-zero: find the ink's bounding box, and per row the x interval
     * that maps into it (widened by a pixel), and zero the rest. */
    int bx0 = w, bx1 = -1, by0 = h, by1 = -1;
    for (int y = 0; y < h; y++) {
        const uint8_t *r = src + (size_t)y * w;
        for (int x = 0; x < w; x++)
            if (r[x]) {
                if (x < bx0)
                    bx0 = x;
                if (x > bx1)
                    bx1 = x;
                if (y < by0)
                    by0 = y;
                by1 = y;
            }
    }
    memset(dst, 0, sizeof(float) * (size_t)h * w);
    if (bx1 < 0)
        return SIAM_OK; /* no ink at all */
    for (int y = 0; y < h; y++) {
        double dy = (double)y - cy - t->ty, dx0 = -cx - t->tx;
        double sx0 = i00 * dx0 + i01 * dy + cx, sy0 = i10 * dx0 + i11 * dy + cy;
        double lo = 0.0, hi = w - 1.0;
        if (!ink_span(sx0, i00, bx0 - 1.0, bx1 + 1.0, &lo, &hi) ||
            !ink_span(sy0, i10, by0 - 1.0, by1 + 1.0, &lo, &hi))
            continue;
        int xlo = lo - 1.0 < 0.0 ? 0 : (int)(lo - 1.0);
        int xhi = hi + 2.0 > w ? w : (int)(hi + 2.0);
        int64_t X = llround(sx0 * one) + (int64_t)xlo * dxs;
        int64_t Y = llround(sy0 * one) + (int64_t)xlo * dys;
        float *row = dst + (size_t)y * w;
        for (int x = xlo; x < xhi; x++, X += dxs, Y += dys) {
            if (X <= -one || Y <= -one || X >= xmax || Y >= ymax) {
                row[x] = 0.0f;
                continue;
            }
            /* X + one > 0, so the shifts act on non-negative values. */
            int64_t xs = X + one, ys = Y + one;
            int x0 = (int)(xs >> FB) - 1, y0 = (int)(ys >> FB) - 1;
            int fx = (int)((xs >> (FB - 8)) & 255), fy = (int)((ys >> (FB - 8)) & 255);
            const uint8_t *s0 = src + (ptrdiff_t)y0 * w + x0;
            int p00, p01, p10, p11;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
                p00 = s0[0];
                p01 = s0[1];
                p10 = s0[w];
                p11 = s0[w + 1];
            } else {
                /* Neighbours outside the image count as background. */
                p00 = (x0 >= 0 && y0 >= 0) ? s0[0] : 0;
                p01 = (x0 + 1 < w && y0 >= 0) ? s0[1] : 0;
                p10 = (x0 >= 0 && y0 + 1 < h) ? s0[w] : 0;
                p11 = (x0 + 1 < w && y0 + 1 < h) ? s0[w + 1] : 0;
            }
            int top = p00 * (256 - fx) + p01 * fx, bot = p10 * (256 - fx) + p11 * fx;
            row[x] = (float)(top * (256 - fy) + bot * fy) * unit;
        }
    }
    return SIAM_OK;
}
