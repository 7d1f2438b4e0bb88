/* Counter-based RNG: splitmix64's finaliser applied to a mix of seed, stream
 * and counter. Not cryptographic; statistically fine for sampling and init. */
#include "base/rng.h"

#include <math.h>

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t siam_rng_at(uint64_t seed, uint64_t stream, uint64_t counter)
{
    /* Hash seed and stream into a key first so that neighbouring seeds and
     * streams give unrelated sequences, then mix the counter under the key. */
    uint64_t key = mix64(seed + 0x9e3779b97f4a7c15ULL) ^ mix64(stream * 0xd1b54a32d192ed03ULL + 1);
    return mix64(mix64(key + counter * 0x9e3779b97f4a7c15ULL) ^ key);
}

siam_rng siam_rng_make(uint64_t seed, uint64_t stream)
{
    siam_rng r = {seed, stream, 0};
    return r;
}

uint64_t siam_rng_u64(siam_rng *r)
{
    return siam_rng_at(r->seed, r->stream, r->counter++);
}

double siam_rng_uniform(siam_rng *r)
{
    return (double)(siam_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double siam_rng_range(siam_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * siam_rng_uniform(r);
}

uint64_t siam_rng_below(siam_rng *r, uint64_t n)
{
    /* Rejection sampling removes the modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = siam_rng_u64(r);
    } while (x >= limit);
    return x % n;
}

double siam_rng_normal(siam_rng *r)
{
    double u1 = siam_rng_uniform(r);
    double u2 = siam_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}
