/* siamese: scoring images with a trained model, through an embedding cache.
 *
 * Every image is embedded once (in batches through the tower) and its
 * embedding kept on the device; a one-shot trial then costs one batched
 * PAIR_SCORES call (query x support) instead of 2 x way twin passes.
 * Scores are "higher = more similar": the head's logit for BCE models, the
 * negated L2 distance for contrastive ones.
 */
#ifndef SIAMESE_CORE_EVALUATOR_H
#define SIAMESE_CORE_EVALUATOR_H

#include "data/dataset.h"
#include "eval/trial_scoring.h"
#include "engine/graph.h"

typedef struct siam_evaluator siam_evaluator;

siam_status siam_evaluator_create(siam_model *m, const siam_dataset *ds, int batch,
                                  siam_metric metric, siam_evaluator **out, siam_error *err);
void siam_evaluator_destroy(siam_evaluator *e);
/* Test-time augmentation: from now on every image is seen in `views`
 * views, itself and views - 1 copies under Koch's affine distortions
 * (siam_affine_at(seed, image * SIAM_TTA_MAX_VIEWS + view)), and a score
 * is the mean of the views' scores. 1 (the default) turns it off. Forgets
 * the cache. */
#define SIAM_TTA_MAX_VIEWS 64
siam_status siam_evaluator_set_views(siam_evaluator *e, int views, uint64_t seed,
                                     siam_error *err);
/* Embeds every listed image not yet cached (in every view). */
siam_status siam_evaluator_prepare(siam_evaluator *e, const uint32_t *images, size_t n,
                                   siam_error *err);
/* Forgets the cache (after the weights change). */
void siam_evaluator_reset(siam_evaluator *e);
/* A siam_score_fn: ctx is the evaluator; embeds on demand. */
siam_status siam_evaluator_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                                 float *out, siam_error *err);
/* Embeds a trial set's images, then scores it (ties broken from seed). */
siam_status siam_evaluator_trials(siam_evaluator *e, const siam_trial_set *ts, uint64_t seed,
                                  siam_eval_result *out, siam_error *err);
/* Scores n pairs (a[i], b[i]) into out. */
siam_status siam_evaluator_pairs(siam_evaluator *e, const uint32_t *a, const uint32_t *b,
                                 size_t n, float *out, siam_error *err);
/* Images embedded so far and the seconds spent embedding them. */
void siam_evaluator_stats(const siam_evaluator *e, size_t *embedded, double *seconds);

#endif
