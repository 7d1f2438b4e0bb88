/* One-shot trial generation (see trials.h for the protocols). */
#include "data/trials.h"

#include <stdlib.h>
#include <string.h>

#include "base/rng.h"

siam_status siam_protocol_parse(const char *name, siam_protocol *p, siam_error *err)
{
    if (name && p && strcmp(name, "within") == 0) {
        *p = SIAM_PROTOCOL_WITHIN;
        return SIAM_OK;
    }
    if (name && p && strcmp(name, "unstructured") == 0) {
        *p = SIAM_PROTOCOL_UNSTRUCTURED;
        return SIAM_OK;
    }
    return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                          "unknown protocol '%s' (expected within or unstructured)",
                          name ? name : "(null)");
}

void siam_trial_set_free(siam_trial_set *ts)
{
    if (!ts)
        return;
    free(ts->query);
    free(ts->support);
    free(ts->answer);
    memset(ts, 0, sizeof *ts);
}

siam_status siam_trial_set_alloc(siam_trial_set *ts, size_t n_trials, int way, int shots,
                                 siam_error *err)
{
    memset(ts, 0, sizeof *ts);
    if (way < 1 || shots < 1 || way > 100000 || shots > 100000)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trials: bad shape %d-way %d-shot", way, shots);
    size_t per = (size_t)way * (size_t)shots;
    if (n_trials > SIZE_MAX / sizeof(uint32_t) / per)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trials: %zu trials is too many", n_trials);
    size_t nt = n_trials ? n_trials : 1;
    ts->query = malloc(sizeof(uint32_t) * nt);
    ts->answer = malloc(sizeof(uint32_t) * nt);
    ts->support = malloc(sizeof(uint32_t) * nt * per);
    if (!ts->query || !ts->answer || !ts->support) {
        siam_trial_set_free(ts);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "trials: out of memory");
    }
    ts->n_trials = n_trials;
    ts->way = way;
    ts->shots = shots;
    return SIAM_OK;
}

/* Moves k uniformly chosen elements of a[0..n) to a[0..k) (partial
 * Fisher-Yates; a stays a permutation of its contents). */
static void choose(siam_rng *r, uint32_t *a, size_t n, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)siam_rng_below(r, n - i);
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static void iota(uint32_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (uint32_t)i;
}

static uint32_t image_at(const siam_subset *s, size_t cls, size_t pos)
{
    return s->images[s->class_first[cls] + pos];
}

static size_t max_class_size(const siam_subset *s)
{
    size_t m = 1;
    for (size_t c = 0; c < s->n_classes; c++)
        if (s->class_count[c] > m)
            m = s->class_count[c];
    return m;
}

/* Classes with at least `need` images in the alphabet that has most. */
static size_t largest_alphabet(const siam_subset *sub, size_t need)
{
    size_t most = 0;
    for (size_t a = 0; a < sub->n_alphabets; a++) {
        size_t ok = 0;
        for (size_t c = 0; c < sub->alphabet_count[a]; c++)
            ok += sub->class_count[sub->alphabet_first[a] + c] >= need;
        if (ok > most)
            most = ok;
    }
    return most;
}

static siam_status make_within(const siam_subset *sub, int way, int shots, size_t n_trials,
                               siam_rng *r, siam_trial_set *ts, uint32_t *scratch,
                               siam_error *err)
{
    size_t need = (size_t)shots + 1;
    /* Eligible alphabets: at least `way` classes with >= 1 + shots images. */
    size_t *elig = malloc(sizeof(size_t) * (sub->n_alphabets ? sub->n_alphabets : 1));
    uint32_t *classes = malloc(sizeof(uint32_t) * (sub->n_classes ? sub->n_classes : 1));
    uint32_t *perm = malloc(sizeof(uint32_t) * (size_t)way);
    if (!elig || !classes || !perm) {
        free(elig);
        free(classes);
        free(perm);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "trials: out of memory");
    }
    size_t n_elig = 0;
    for (size_t a = 0; a < sub->n_alphabets; a++) {
        size_t ok = 0;
        for (size_t c = 0; c < sub->alphabet_count[a]; c++)
            ok += sub->class_count[sub->alphabet_first[a] + c] >= need;
        if (ok >= (size_t)way)
            elig[n_elig++] = a;
    }
    siam_status st = SIAM_OK;
    if (n_elig == 0)
        st = siam_error_set(err, SIAM_ERR_INVALID_ARG,
                            "trials: no alphabet has %d classes with %zu drawings each "
                            "(needed for %d-way %d-shot within-alphabet trials)",
                            way, need, way, shots);
    size_t t = 0;
    for (size_t round = 0; st == SIAM_OK && t < n_trials; round++) {
        size_t a = elig[round % n_elig];
        size_t n_cls = 0;
        for (size_t c = 0; c < sub->alphabet_count[a]; c++) {
            size_t cls = sub->alphabet_first[a] + c;
            if (sub->class_count[cls] >= need)
                classes[n_cls++] = (uint32_t)cls;
        }
        choose(r, classes, n_cls, (size_t)way);
        size_t m = sub->class_count[classes[0]];
        for (int i = 1; i < way; i++)
            if (sub->class_count[classes[i]] < m)
                m = sub->class_count[classes[i]];
        /* Drawer positions: scratch[0] is the query's, scratch[1..shots]
         * the support's. */
        iota(scratch, m);
        choose(r, scratch, m, need);
        for (int i = 0; i < way && t < n_trials; i++, t++) {
            ts->query[t] = image_at(sub, classes[i], scratch[0]);
            iota(perm, (size_t)way);
            choose(r, perm, (size_t)way, (size_t)way);
            for (int j = 0; j < way; j++) {
                if ((int)perm[j] == i)
                    ts->answer[t] = (uint32_t)j;
                for (int s = 0; s < shots; s++)
                    ts->support[((size_t)t * way + j) * shots + s] =
                        image_at(sub, classes[perm[j]], scratch[1 + s]);
            }
        }
    }
    free(elig);
    free(classes);
    free(perm);
    return st;
}

static siam_status make_unstructured(const siam_subset *sub, int way, int shots,
                                     size_t n_trials, siam_rng *r, siam_trial_set *ts,
                                     uint32_t *scratch, siam_error *err)
{
    size_t need = (size_t)shots + 1;
    uint32_t *classes = malloc(sizeof(uint32_t) * (sub->n_classes ? sub->n_classes : 1));
    uint32_t *perm = malloc(sizeof(uint32_t) * (size_t)way);
    if (!classes || !perm) {
        free(classes);
        free(perm);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "trials: out of memory");
    }
    size_t n_cls = 0;
    for (size_t c = 0; c < sub->n_classes; c++)
        if (sub->class_count[c] >= need)
            classes[n_cls++] = (uint32_t)c;
    siam_status st = SIAM_OK;
    if (n_cls < (size_t)way)
        st = siam_error_set(err, SIAM_ERR_INVALID_ARG,
                            "trials: only %zu classes have %zu images; %d-way %d-shot needs %d",
                            n_cls, need, way, shots, way);
    for (size_t t = 0; st == SIAM_OK && t < n_trials; t++) {
        choose(r, classes, n_cls, (size_t)way);
        /* classes[0] is the true class; perm[j] = which chosen class sits
         * at position j. */
        iota(perm, (size_t)way);
        choose(r, perm, (size_t)way, (size_t)way);
        for (int j = 0; j < way; j++) {
            size_t cls = classes[perm[j]];
            size_t n = sub->class_count[cls];
            iota(scratch, n);
            if (perm[j] == 0) {
                ts->answer[t] = (uint32_t)j;
                choose(r, scratch, n, need);
                ts->query[t] = image_at(sub, cls, scratch[0]);
                for (int s = 0; s < shots; s++)
                    ts->support[((size_t)t * way + j) * shots + s] = image_at(sub, cls, scratch[1 + s]);
            } else {
                choose(r, scratch, n, (size_t)shots);
                for (int s = 0; s < shots; s++)
                    ts->support[((size_t)t * way + j) * shots + s] = image_at(sub, cls, scratch[s]);
            }
        }
    }
    free(classes);
    free(perm);
    return st;
}

siam_status siam_trials_make(const siam_subset *sub, siam_protocol protocol, int way,
                             int shots, size_t n_trials, uint64_t seed,
                             siam_trial_set *out, siam_error *err)
{
    if (!sub || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trials: NULL argument");
    memset(out, 0, sizeof *out);
    if (way < 2)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trials: way must be at least 2 (got %d)", way);
    if (n_trials == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "trials: number of trials must be positive");
    /* Before the rounds check below: asking for more classes than exist is
     * the first thing to tell (--way 1000 would otherwise be told that 400
     * trials are not a multiple of 1000). */
    if (protocol == SIAM_PROTOCOL_WITHIN) {
        size_t most = largest_alphabet(sub, (size_t)shots + 1);
        if ((size_t)way > most)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "trials: %d-way within-alphabet trials need an alphabet with %d "
                                  "classes of %d+ drawings; the largest here has %zu",
                                  way, way, shots + 1, most);
    } else if ((size_t)way > sub->n_classes) {
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "trials: %d-way trials need %d classes; only %zu are available", way,
                              way, sub->n_classes);
    }
    if (protocol == SIAM_PROTOCOL_WITHIN && n_trials % (size_t)way != 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "trials: within-alphabet trials come in rounds of %d; %zu is not a multiple",
                              way, n_trials);
    siam_status st = siam_trial_set_alloc(out, n_trials, way, shots, err);
    if (st != SIAM_OK)
        return st;
    uint32_t *scratch = malloc(sizeof(uint32_t) * max_class_size(sub));
    if (!scratch) {
        siam_trial_set_free(out);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "trials: out of memory");
    }
    siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_TRIALS);
    if (protocol == SIAM_PROTOCOL_WITHIN)
        st = make_within(sub, way, shots, n_trials, &r, out, scratch, err);
    else if (protocol == SIAM_PROTOCOL_UNSTRUCTURED)
        st = make_unstructured(sub, way, shots, n_trials, &r, out, scratch, err);
    else
        st = siam_error_set(err, SIAM_ERR_INVALID_ARG, "trials: unknown protocol");
    free(scratch);
    if (st != SIAM_OK)
        siam_trial_set_free(out);
    return st;
}
