/* siamese data: Koch et al.'s affine distortions (§3.2, Fig. 5).
 *
 * T = (theta, rho_x, rho_y, s_x, s_y, t_x, t_y), each component drawn
 * uniformly from its range and included with probability p (0.5); an
 * excluded component takes its identity value. The forward map, about the
 * image centre c = ((w-1)/2, (h-1)/2), is
 *     p' = R(theta) * [[1, rho_x], [rho_y, 1]] * diag(s_x, s_y) * (p - c) + c + t
 * and the warp samples the source at the inverse image of each output
 * pixel with bilinear interpolation; outside the image is background (0).
 * Translation is in pixels of the image being warped.
 */
#ifndef SIAMESE_DATA_DISTORT_H
#define SIAMESE_DATA_DISTORT_H

#include <stdint.h>

#include "base/rng.h"
#include "siamese/status.h"

/* Draws consumed by one siam_affine_sample, whatever is included. */
#define SIAM_AFFINE_DRAWS 14

typedef struct siam_affine_range {
    double rotation_deg; /* theta in [-r, r] */
    double shear;        /* rho_x, rho_y in [-s, s] */
    double scale_lo, scale_hi; /* s_x, s_y independently */
    double translate;    /* t_x, t_y in [-t, t] pixels */
    double p;            /* probability of including each component */
} siam_affine_range;

typedef struct siam_affine {
    double theta_deg;
    double shear_x, shear_y;
    double scale_x, scale_y;
    double tx, ty;
} siam_affine;

/* Koch's ranges: 10 degrees, 0.3, 0.8-1.2, 2 px, p = 0.5. */
void siam_affine_range_koch(siam_affine_range *r);
void siam_affine_identity(siam_affine *t);
/* Draws one transform; consumes exactly SIAM_AFFINE_DRAWS draws of r. */
void siam_affine_sample(siam_rng *r, const siam_affine_range *range, siam_affine *t);
/* The transform for a key, independent of any stream position: draws at
 * counters [key * SIAM_AFFINE_DRAWS, ...) of (seed, SIAM_RNG_STREAM_DISTORT). */
void siam_affine_at(uint64_t seed, uint64_t key, const siam_affine_range *range,
                    siam_affine *t);
siam_status siam_affine_check_range(const siam_affine_range *range, siam_error *err);

/* Warps src (h, w) uint8 into dst (h, w) float, scaled by `scale`
 * (1/255: ink = 1.0). Fails only on bad arguments or a singular matrix. */
siam_status siam_affine_warp(const uint8_t *src, int h, int w, const siam_affine *t,
                             float *dst, float scale, siam_error *err);

#endif
