/* Pair sampling (see pairs.h for the scheme and its guarantees). */
#include "data/pairs.h"

/* Index in [0, n) other than `skip` (n >= 2). */
static size_t below_except(siam_rng *r, size_t n, size_t skip)
{
    size_t v = (size_t)siam_rng_below(r, n - 1);
    return v >= skip ? v + 1 : v;
}

static uint32_t image_of(const siam_subset *s, size_t cls, size_t j)
{
    return s->images[s->class_first[cls] + j];
}

/* Pair k from its own block of draws. */
static void draw_pair(const siam_pair_sampler *s, uint64_t k, siam_pair *p)
{
    const siam_subset *sub = s->sub;
    siam_rng r = {s->rng.seed, s->rng.stream, k * SIAM_PAIR_DRAWS};
    int same = (k % 2) == 0;
    size_t a, c, n;
    /* First image: uniform alphabet, class, image; for same pairs the
     * class must have two images, so redraw classes that have one (the
     * block has room: the loop is capped well below SIAM_PAIR_DRAWS). */
    int tries = 0;
    do {
        a = (size_t)siam_rng_below(&r, sub->n_alphabets);
        c = sub->alphabet_first[a] + (size_t)siam_rng_below(&r, sub->alphabet_count[a]);
        n = sub->class_count[c];
    } while (same && n < 2 && ++tries < 4);
    if (same && n < 2) {
        /* Rare fallback: the first class with two images (init checked one
         * exists), keeping the pair same-class. */
        for (c = 0; sub->class_count[c] < 2; c++)
            ;
        n = sub->class_count[c];
    }
    size_t i1 = (size_t)siam_rng_below(&r, n);
    p->left = image_of(sub, c, i1);
    p->same = (uint32_t)same;
    p->variant = 0;
    p->key = k;
    if (same) {
        p->right = image_of(sub, c, below_except(&r, n, i1));
        return;
    }
    size_t a2 = a, c2;
    if (s->negatives == SIAM_NEG_SAME_ALPHABET) {
        /* Init guaranteed that some alphabet has two classes; if this one
         * does not, take the first that does. */
        if (sub->alphabet_count[a] < 2) {
            for (a2 = 0; sub->alphabet_count[a2] < 2; a2++)
                ;
            c = sub->alphabet_first[a2] + (size_t)siam_rng_below(&r, sub->alphabet_count[a2]);
            p->left = image_of(sub, c, (size_t)siam_rng_below(&r, sub->class_count[c]));
        }
    } else {
        a2 = (size_t)siam_rng_below(&r, sub->n_alphabets);
        if (a2 == a && sub->alphabet_count[a] < 2)
            a2 = below_except(&r, sub->n_alphabets, a);
    }
    size_t first = sub->alphabet_first[a2], count = sub->alphabet_count[a2];
    if (c >= first && c < first + count)
        c2 = first + below_except(&r, count, c - first);
    else
        c2 = first + (size_t)siam_rng_below(&r, count);
    p->right = image_of(sub, c2, (size_t)siam_rng_below(&r, sub->class_count[c2]));
}

siam_status siam_pair_sampler_init(siam_pair_sampler *s, const siam_subset *sub,
                                   siam_negatives negatives, uint64_t seed,
                                   siam_error *err)
{
    if (!s || !sub)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pair sampler: NULL argument");
    if (negatives != SIAM_NEG_ANY_ALPHABET && negatives != SIAM_NEG_SAME_ALPHABET)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pair sampler: unknown negatives mode");
    int has_two_images = 0, has_two_classes = 0;
    for (size_t c = 0; c < sub->n_classes; c++)
        has_two_images |= sub->class_count[c] >= 2;
    for (size_t a = 0; a < sub->n_alphabets; a++)
        has_two_classes |= sub->alphabet_count[a] >= 2;
    if (negatives == SIAM_NEG_ANY_ALPHABET)
        has_two_classes |= sub->n_classes >= 2;
    if (!has_two_images)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "pair sampler: no class has two images, so no same pair exists");
    if (!has_two_classes)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              negatives == SIAM_NEG_SAME_ALPHABET
                                  ? "pair sampler: no alphabet has two classes"
                                  : "pair sampler: fewer than two classes");
    s->sub = sub;
    s->negatives = negatives;
    s->rng = siam_rng_make(seed, SIAM_RNG_STREAM_PAIRS);
    return SIAM_OK;
}

siam_status siam_pair_sampler_next(siam_pair_sampler *s, siam_pair *out, size_t n,
                                   siam_error *err)
{
    if (!s || !s->sub || (!out && n))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pair sampler: NULL argument");
    for (size_t i = 0; i < n; i++) {
        uint64_t k = s->rng.counter / SIAM_PAIR_DRAWS;
        draw_pair(s, k, &out[i]);
        s->rng.counter = (k + 1) * SIAM_PAIR_DRAWS;
    }
    return SIAM_OK;
}

siam_status siam_pair_set_make(const siam_subset *sub, siam_negatives negatives,
                               uint64_t seed, size_t n, siam_pair *out, siam_error *err)
{
    siam_pair_sampler s;
    siam_status st = siam_pair_sampler_init(&s, sub, negatives, seed, err);
    if (st != SIAM_OK)
        return st;
    return siam_pair_sampler_next(&s, out, n, err);
}

siam_status siam_pair_set_expand(const siam_pair *in, size_t n, unsigned copies,
                                 siam_pair *out, siam_error *err)
{
    if ((!in || !out) && n)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pair expand: NULL argument");
    if (copies > 255)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "pair expand: %u copies is too many", copies);
    for (size_t i = 0; i < n; i++)
        for (unsigned v = 0; v <= copies; v++) {
            siam_pair p = in[i];
            p.variant = v;
            out[i * (copies + 1) + v] = p;
        }
    return SIAM_OK;
}
