/* Affine distortions (see distort.h). */
#include "data/distort.h"

#include <math.h>
#include <stddef.h>

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
    double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
    for (int y = 0; y < h; y++) {
        double dy = (double)y - cy - t->ty, dx0 = -cx - t->tx;
        /* Source coordinates are linear in x: step by the matrix column. */
        double sx = i00 * dx0 + i01 * dy + cx, sy = i10 * dx0 + i11 * dy + cy;
        float *row = dst + (size_t)y * w;
        for (int x = 0; x < w; x++, sx += i00, sy += i10) {
            if (!(sx > -1.0 && sy > -1.0 && sx < (double)w && sy < (double)h)) {
                row[x] = 0.0f;
                continue;
            }
            /* sx, sy > -1, so truncating sx + 1 is floor(sx) + 1. */
            int x0 = (int)(sx + 1.0) - 1, y0 = (int)(sy + 1.0) - 1;
            float fx = (float)(sx - x0), fy = (float)(sy - y0);
            float p00, p01, p10, p11;
            const uint8_t *s0 = src + (ptrdiff_t)y0 * w + x0;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
                p00 = s0[0];
                p01 = s0[1];
                p10 = s0[w];
                p11 = s0[w + 1];
            } else {
                /* Neighbours outside the image count as background. */
                p00 = (x0 >= 0 && y0 >= 0) ? s0[0] : 0.0f;
                p01 = (x0 + 1 < w && y0 >= 0) ? s0[1] : 0.0f;
                p10 = (x0 >= 0 && y0 + 1 < h) ? s0[w] : 0.0f;
                p11 = (x0 + 1 < w && y0 + 1 < h) ? s0[w + 1] : 0.0f;
            }
            float top = p00 + (p01 - p00) * fx, bot = p10 + (p11 - p10) * fx;
            row[x] = (top + (bot - top) * fy) * scale;
        }
    }
    return SIAM_OK;
}
