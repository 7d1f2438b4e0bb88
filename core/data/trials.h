/* siamese data: N-way k-shot one-shot trials (their scoring: eval/trial_scoring.h).
 *
 * A trial set holds, for trial t:
 *   query[t]                      dataset image index
 *   support[(t * way + c) * shots + s]   shot s of candidate class c
 *   answer[t]                     position (0..way-1) of the true class
 * The query is never one of the support images, and the true class sits
 * at a uniformly random position (Lake's runs keep their published order,
 * in which each of the 20 positions is the answer exactly once per run).
 *
 * Protocols (koch2015-and-peers.md §2.4):
 *   within        Koch's: rounds of `way` trials. A round takes an alphabet
 *                 (cycling through the subset's alphabets that have >= way
 *                 classes), `way` of its classes at random, and 1 + shots
 *                 distinct drawer positions at random; each class's drawing
 *                 by the first drawer is a query against the other drawers'
 *                 drawings of all `way` classes, in a fresh random order.
 *   unstructured  `way` classes from any alphabet; the query is a random
 *                 image of the first, the shots are other images.
 * Sampling uses SIAM_RNG_STREAM_TRIALS of the seed.
 */
#ifndef SIAMESE_DATA_TRIALS_H
#define SIAMESE_DATA_TRIALS_H

#include "data/subset.h"

typedef struct siam_trial_set {
    size_t n_trials;
    int way, shots;
    uint32_t *query;   /* (n_trials) */
    uint32_t *support; /* (n_trials, way, shots) */
    uint32_t *answer;  /* (n_trials) */
} siam_trial_set;

typedef enum siam_protocol {
    SIAM_PROTOCOL_WITHIN = 0,
    SIAM_PROTOCOL_UNSTRUCTURED = 1
} siam_protocol;

siam_status siam_protocol_parse(const char *name, siam_protocol *p, siam_error *err);

/* n_trials must be a multiple of way for WITHIN. */
siam_status siam_trials_make(const siam_subset *sub, siam_protocol protocol, int way,
                             int shots, size_t n_trials, uint64_t seed,
                             siam_trial_set *out, siam_error *err);
/* Allocates the arrays of an empty set of the given shape. */
siam_status siam_trial_set_alloc(siam_trial_set *ts, size_t n_trials, int way, int shots,
                                 siam_error *err);
void siam_trial_set_free(siam_trial_set *ts);

#endif
