/* siamese: a counter-based random number generator.
 *
 * Every draw is a pure function of (seed, stream, counter): the state is
 * three integers, so it is trivially saved in a checkpoint and restored, and
 * any backend or thread that asks for draw k of stream s gets the same bits.
 * Weight initialisation, pair sampling and distortions each use their own
 * stream so that changing one never shifts the others.
 */
#ifndef SIAMESE_CORE_RNG_H
#define SIAMESE_CORE_RNG_H

#include <stdint.h>

typedef struct siam_rng {
    uint64_t seed;
    uint64_t stream;
    uint64_t counter;
} siam_rng;

/* Well-known streams; data code may add its own above 1000. */
enum {
    SIAM_RNG_STREAM_INIT = 1,    /* weight initialisation */
    SIAM_RNG_STREAM_PAIRS = 2,   /* pair sampling */
    SIAM_RNG_STREAM_DISTORT = 3, /* affine distortions */
    SIAM_RNG_STREAM_TRIALS = 4,  /* one-shot trial sampling */
    SIAM_RNG_STREAM_TEST = 99    /* tests' synthetic data */
};

siam_rng siam_rng_make(uint64_t seed, uint64_t stream);
/* The 64-bit value at (seed, stream, counter); does not advance anything. */
uint64_t siam_rng_at(uint64_t seed, uint64_t stream, uint64_t counter);
uint64_t siam_rng_u64(siam_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double siam_rng_uniform(siam_rng *r);
/* Uniform in [lo, hi). */
double siam_rng_range(siam_rng *r, double lo, double hi);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t siam_rng_below(siam_rng *r, uint64_t n);
/* Standard normal (Box-Muller; consumes two draws). */
double siam_rng_normal(siam_rng *r);

#endif
