/* siamese eval: non-learned one-shot baselines, as siam_score_fn scorers.
 *
 * mhd        Modified Hausdorff Distance (Dubuisson & Jain 1994) between
 *            the ink pixels of two images, as in Lake's
 *            demo_classification.py: ink = stored value >= 128 (for
 *            Omniglot's 1-bit images exactly the black pixels); each point
 *            set is centred on its own mean; MHD(A, B) =
 *            max(mean_a min_b |a - b|, mean_b min_a |a - b|) with Euclidean
 *            distances. Score = -MHD (an image without ink scores -inf).
 * pixel-1nn  nearest neighbour on raw pixels: score = -sum (a - b)^2 over
 *            the stored pixels scaled to [0, 1].
 */
#ifndef SIAMESE_EVAL_BASELINES_H
#define SIAMESE_EVAL_BASELINES_H

#include "data/dataset.h"
#include "eval/trial_scoring.h"

typedef struct siam_mhd siam_mhd;

/* Extracts the ink points of every image of ds once (a few MB for
 * Omniglot); ds must outlive the context. */
siam_status siam_mhd_create(const siam_dataset *ds, siam_mhd **out, siam_error *err);
void siam_mhd_destroy(siam_mhd *m);
/* MHD between images a and b of the dataset (+inf if either has no ink). */
double siam_mhd_distance(const siam_mhd *m, uint32_t a, uint32_t b);
/* siam_score_fn with ctx = siam_mhd *. */
siam_status siam_mhd_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                           float *out_scores, siam_error *err);

/* siam_score_fn with ctx = const siam_dataset *. */
siam_status siam_pixel_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                             float *out_scores, siam_error *err);

#endif
