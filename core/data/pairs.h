/* siamese data: balanced same/different pair sampling (Koch 4.1).
 *
 * Pair k of the stream for a seed is a pure function of (seed, k): it uses
 * the draws at counters [k * SIAM_PAIR_DRAWS, (k+1) * SIAM_PAIR_DRAWS) of
 * stream SIAM_RNG_STREAM_PAIRS. Even k are same-class pairs, odd k
 * different-class pairs, so every even-sized run of the stream is exactly
 * balanced. The sampler's only state is its siam_rng, whose counter is
 * k * SIAM_PAIR_DRAWS: saving and restoring it resumes the stream exactly.
 *
 * Drawing pair k: an alphabet uniformly (so every alphabet gives the same
 * number of examples, as in the paper), a class of it uniformly, and an
 * image of that class. Same: a second, different image of that class.
 * Different: another class, either from a uniformly drawn alphabet
 * (ANY_ALPHABET) or from the same alphabet (SAME_ALPHABET, harder
 * negatives), then one of its images.
 */
#ifndef SIAMESE_DATA_PAIRS_H
#define SIAMESE_DATA_PAIRS_H

#include "data/subset.h"
#include "base/rng.h"

#define SIAM_PAIR_DRAWS 16

typedef struct siam_pair {
    uint32_t left, right; /* dataset image indices */
    uint32_t same;        /* 1 = same class, 0 = different */
    uint32_t variant;     /* 0 = as drawn; 1..8 = fixed distorted copy
                             (see siam_pair_set_expand) */
    uint64_t key;         /* index k of the pair in its stream */
} siam_pair;

typedef enum siam_negatives {
    SIAM_NEG_ANY_ALPHABET = 0,
    SIAM_NEG_SAME_ALPHABET = 1
} siam_negatives;

typedef struct siam_pair_sampler {
    const siam_subset *sub;
    siam_negatives negatives;
    siam_rng rng; /* the whole sampling state */
} siam_pair_sampler;

/* Checks that the subset can give both kinds of pair: some class with two
 * images, two classes (in one alphabet for SAME_ALPHABET). */
siam_status siam_pair_sampler_init(siam_pair_sampler *s, const siam_subset *sub,
                                   siam_negatives negatives, uint64_t seed,
                                   siam_error *err);
/* Endless stream: the next n pairs. */
siam_status siam_pair_sampler_next(siam_pair_sampler *s, siam_pair *out, size_t n,
                                   siam_error *err);
/* A fixed set: pairs 0..n-1 of the stream for seed (30k, 90k, 150k in the
 * paper). */
siam_status siam_pair_set_make(const siam_subset *sub, siam_negatives negatives,
                               uint64_t seed, size_t n, siam_pair *out, siam_error *err);
/* The paper's precomputed 8x augmentation: out (n * (copies + 1)) holds, for
 * each input pair, the pair itself (variant 0) followed by `copies` copies
 * with variant 1..copies, each of which the batch builder distorts with a
 * transform fixed by (seed, key, variant, side). */
siam_status siam_pair_set_expand(const siam_pair *in, size_t n, unsigned copies,
                                 siam_pair *out, siam_error *err);

#endif
