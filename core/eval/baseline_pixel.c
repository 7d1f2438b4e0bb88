/* Raw-pixel nearest-neighbour baseline (see baselines.h). */
#include "eval/baselines.h"

siam_status siam_pixel_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                             float *out_scores, siam_error *err)
{
    const siam_dataset *ds = ctx;
    if (!ds || (!support && n) || (!out_scores && n))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pixel score: NULL argument");
    size_t count = siam_dataset_count(ds);
    size_t px = (size_t)siam_dataset_height(ds) * (size_t)siam_dataset_width(ds);
    if (query >= count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pixel score: image %u of %zu", query, count);
    const uint8_t *q = siam_dataset_pixels(ds, query);
    for (size_t j = 0; j < n; j++) {
        if (support[j] >= count)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pixel score: image %u of %zu",
                                  support[j], count);
        const uint8_t *s = siam_dataset_pixels(ds, support[j]);
        /* Integer sum: exact, so equal images tie exactly. */
        uint64_t acc = 0;
        for (size_t k = 0; k < px; k++) {
            int d = (int)q[k] - (int)s[k];
            acc += (uint64_t)(d * d);
        }
        out_scores[j] = (float)(-(double)acc / (255.0 * 255.0));
    }
    return SIAM_OK;
}
