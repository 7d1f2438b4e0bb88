/* Verification pairs, thresholds and ROC AUC (see verification.h). */
#include "eval/verification.h"

#include "data/pairs.h"
#include "data/split.h"

#include <stdio.h>
#include <stdlib.h>

siam_status siam_verification_pairs(siam_evaluator *ev, const siam_subset *sub, uint64_t seed,
                                    size_t n, float *scores, float *labels, siam_error *err)
{
    siam_pair *p = malloc((n ? n : 1) * sizeof *p);
    uint32_t *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    siam_status st = p && a && b ? siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, seed, n, p, err)
                                 : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; st == SIAM_OK && i < n; i++) {
        a[i] = p[i].left;
        b[i] = p[i].right;
        labels[i] = (float)p[i].same;
    }
    if (st == SIAM_OK)
        st = siam_evaluator_pairs(ev, a, b, n, scores, err);
    free(p), free(a), free(b);
    return st;
}

static siam_status split_pairs(siam_evaluator *ev, const siam_dataset *ds, siam_split_id id,
                               size_t n, uint64_t seed, float *scores, float *labels,
                               siam_error *err)
{
    siam_subset *sub = NULL;
    siam_status st = siam_split_subset(ds, id, 0, &sub, err);
    if (st == SIAM_OK)
        st = siam_verification_pairs(ev, sub, seed, n, scores, labels, err);
    siam_subset_destroy(sub);
    return st;
}

siam_status siam_verification_measure(siam_model *m, siam_metric metric, int views,
                                      const char *data_dir,
                                      size_t n, uint64_t seed, siam_verification *out,
                                      siam_error *err)
{
    if (!m || !data_dir || !out || n < 2)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_verification_measure: bad argument");
    siam_dataset *ds = NULL;
    siam_evaluator *ev = NULL;
    float *vs = malloc(n * 4), *vl = malloc(n * 4), *ts = malloc(n * 4), *tl = malloc(n * 4);
    char path[4096];
    int fits = (size_t)snprintf(path, sizeof path, "%s/images_evaluation", data_dir) < sizeof path;
    siam_load_options lo;
    siam_load_options_default(&lo);
    siam_status st = !fits ? siam_error_set(err, SIAM_ERR_INVALID_ARG, "data folder path too long: %s", data_dir)
                     : vs && vl && ts && tl ? SIAM_OK
                                            : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_dataset_load(path, &lo, NULL, &ds, err);
    if (st == SIAM_OK)
        st = siam_evaluator_create(m, ds, 64, metric, &ev, err);
    if (st == SIAM_OK && views > 1)
        st = siam_evaluator_set_views(ev, views, seed, err);
    if (st == SIAM_OK)
        st = split_pairs(ev, ds, SIAM_SPLIT_VAL, n, seed, vs, vl, err);
    if (st == SIAM_OK)
        st = split_pairs(ev, ds, SIAM_SPLIT_TEST, n, seed + 1, ts, tl, err);
    if (st == SIAM_OK) {
        out->pairs = n;
        out->threshold = siam_best_threshold(vs, vl, n, &out->val_accuracy);
        out->accuracy = siam_threshold_accuracy(ts, tl, n, out->threshold);
        out->auc = siam_roc_auc(ts, tl, n);
    }
    siam_evaluator_destroy(ev);
    siam_dataset_destroy(ds);
    free(vs), free(vl), free(ts), free(tl);
    return st;
}

typedef struct scored {
    float s;
    float y;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    float x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

static scored *sorted(const float *s, const float *y, size_t n)
{
    scored *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (scored){s[i], y[i]};
    qsort(v, n, sizeof *v, cmp_scored);
    return v;
}

double siam_threshold_accuracy(const float *s, const float *y, size_t n, double thr)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += ((double)s[i] > thr) == (y[i] > 0.5f);
    return n ? (double)ok / (double)n : 0.0;
}

double siam_best_threshold(const float *s, const float *y, size_t n, double *accuracy)
{
    scored *v = sorted(s, y, n);
    if (!v || n == 0) {
        free(v);
        if (accuracy)
            *accuracy = 0;
        return 0;
    }
    /* Threshold below everything: all predicted "same". Then walk up. */
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += v[i].y > 0.5f;
    size_t correct = pos, best = correct;
    double thr = (double)v[0].s - 1.0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s) {
            correct += v[j].y > 0.5f ? (size_t)-1 : 1; /* now predicted "different" */
            j++;
        }
        if (correct > best) {
            best = correct;
            thr = j < n ? 0.5 * ((double)v[i].s + v[j].s) : (double)v[i].s;
        }
        i = j;
    }
    free(v);
    if (accuracy)
        *accuracy = (double)best / (double)n;
    return thr;
}

double siam_roc_auc(const float *s, const float *y, size_t n)
{
    scored *v = sorted(s, y, n);
    if (!v)
        return -1;
    /* Mann-Whitney U with mid-ranks for ties. */
    double rank_sum = 0;
    size_t pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].s == v[i].s)
            j++;
        double mid = 0.5 * (double)(i + 1 + j); /* ranks i+1..j */
        for (size_t k = i; k < j; k++)
            if (v[k].y > 0.5f)
                rank_sum += mid, pos++;
        i = j;
    }
    free(v);
    size_t neg = n - pos;
    if (!pos || !neg)
        return -1;
    return (rank_sum - (double)pos * (double)(pos + 1) / 2.0) / ((double)pos * (double)neg);
}
