/* siamese data: turning pair lists into float batches for the network.
 *
 * Batch layout (what the training driver uploads):
 *   images (2N, 1, H, W) float32, row-major. Rows 0..N-1 are the left
 *          images, rows N..2N-1 the right images: pair i is rows i and N+i.
 *   labels (N) float32: 1 = same class, 0 = different.
 * H, W are the model's input size; the dataset's stored images are
 * distorted (optionally) at the stored size, then area-resized to (H, W).
 * Pixel values are in [0, 1] with ink = 1.0 and background = 0.
 *
 * Distortion modes:
 *   NONE        images as stored;
 *   ON_THE_FLY  every image gets a fresh transform from the builder's RNG
 *               (stream SIAM_RNG_STREAM_DISTORT), left and right
 *               independently; the RNG is the only state and can be saved
 *               and restored with siam_batch_builder_rng / _set_rng;
 *   FIXED       the paper's precomputed 8x: a pair with variant v > 0 (see
 *               siam_pair_set_expand) gets, per side s, the transform
 *               siam_affine_at(seed, (key * 256 + v) * 2 + s), the same in
 *               every epoch; variant 0 is left undistorted.
 * The builder owns scratch buffers, so one builder serves one thread.
 */
#ifndef SIAMESE_DATA_BATCH_H
#define SIAMESE_DATA_BATCH_H

#include "data/dataset.h"
#include "data/distort.h"
#include "data/pairs.h"

typedef enum siam_distort_mode {
    SIAM_DISTORT_NONE = 0,
    SIAM_DISTORT_ON_THE_FLY = 1,
    SIAM_DISTORT_FIXED = 2
} siam_distort_mode;

typedef struct siam_batch_options {
    int out_h, out_w;          /* model input size */
    siam_distort_mode distort;
    siam_affine_range range;   /* Koch's by default */
    uint64_t seed;             /* distortion seed */
} siam_batch_options;

/* No distortion, Koch's ranges, seed 0. */
void siam_batch_options_default(siam_batch_options *o, int out_h, int out_w);

typedef struct siam_batch_builder siam_batch_builder;

siam_status siam_batch_builder_create(const siam_dataset *ds, const siam_batch_options *o,
                                      siam_batch_builder **out, siam_error *err);
void siam_batch_builder_destroy(siam_batch_builder *b);

/* Fills images (2n, 1, H, W) and labels (n) from n pairs (see above). */
siam_status siam_batch_fill(siam_batch_builder *b, const siam_pair *pairs, size_t n,
                            float *images, float *labels, siam_error *err);

/* Pairs [first, first + count) of the n as a batch of `count` (layout as
 * above), the distortion RNG moved past all n: what one of several ranks
 * fills, each rank's images as the whole batch would have them. */
siam_status siam_batch_fill_part(siam_batch_builder *b, const siam_pair *pairs, size_t n,
                                 size_t first, size_t count, float *images, float *labels,
                                 siam_error *err);

/* Distortion RNG state (ON_THE_FLY), for checkpoints. */
siam_rng siam_batch_builder_rng(const siam_batch_builder *b);
void siam_batch_builder_set_rng(siam_batch_builder *b, siam_rng rng);

/* Image `index` of ds as float (1, out_h, out_w), ink = 1.0, undistorted:
 * the input for computing one embedding. */
siam_status siam_image_float(const siam_dataset *ds, size_t index, int out_h, int out_w,
                             float *out, siam_error *err);

/* The same image warped by t first (at the dataset's size, into scratch:
 * height x width floats of ds), then resized. */
siam_status siam_image_float_warped(const siam_dataset *ds, size_t index, const siam_affine *t,
                                    int out_h, int out_w, float *scratch, float *out,
                                    siam_error *err);

/* n images (indices into ds) as float (n, 1, out_h, out_w), undistorted:
 * a batch for computing embeddings, e.g. a trial's support set. */
siam_status siam_images_float(const siam_dataset *ds, const uint32_t *indices, size_t n,
                              int out_h, int out_w, float *out, siam_error *err);

#endif
