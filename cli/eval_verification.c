/* Verification accuracy and ROC AUC (see eval_verification.h). */
#include "eval_verification.h"

#include "term_text.h"

#include "data/pairs.h"
#include "data/split.h"
#include "evaluator.h"
#include "model_load.h"

#include <stdio.h>
#include <stdlib.h>

/* Scores n balanced pairs of a split (any-alphabet negatives). */
static siam_status score_pairs(siam_evaluator *ev, const siam_dataset *ds, siam_split_id id,
                               size_t n, uint64_t seed, float *scores, float *labels,
                               siam_error *err)
{
    siam_subset *sub = NULL;
    siam_pair *p = malloc(n * sizeof *p);
    uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    siam_status st = p && a && b ? siam_split_subset(ds, id, 0, &sub, err)
                                 : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_pair_set_make(sub, SIAM_NEG_ANY_ALPHABET, seed, n, p, err);
    for (size_t i = 0; st == SIAM_OK && i < n; i++) {
        a[i] = p[i].left;
        b[i] = p[i].right;
        labels[i] = (float)p[i].same;
    }
    if (st == SIAM_OK)
        st = siam_evaluator_pairs(ev, a, b, n, scores, err);
    siam_subset_destroy(sub);
    free(p), free(a), free(b);
    return st;
}

int cli_eval_verification(const char *model, const char *backend, int threads,
                          const char *data_dir, long n_pairs, uint64_t seed, int json)
{
    siam_error err = {0};
    siam_backend *be = NULL;
    siam_model *m = NULL;
    siam_metric metric;
    siam_dataset *ds = NULL;
    siam_evaluator *ev = NULL;
    size_t n = (size_t)n_pairs;
    float *vs = malloc(n * 4), *vl = malloc(n * 4), *ts = malloc(n * 4), *tl = malloc(n * 4);
    char path[4096];
    int fits = (size_t)snprintf(path, sizeof path, "%s/images_evaluation", data_dir) < sizeof path;
    siam_load_options lo;
    siam_load_options_default(&lo);
    siam_status st = !fits ? siam_error_set(&err, SIAM_ERR_INVALID_ARG, "data folder path too long: %s", data_dir)
                     : vs && vl && ts && tl ? SIAM_OK
                                            : siam_error_set(&err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = cli_model_open(model, backend, threads, &be, &m, &metric, &err);
    if (st == SIAM_OK)
        st = siam_dataset_load(path, &lo, NULL, &ds, &err);
    if (st == SIAM_OK)
        st = siam_evaluator_create(m, ds, 64, metric, &ev, &err);
    /* Validation and test pairs come from disjoint alphabets and drawers. */
    if (st == SIAM_OK)
        st = score_pairs(ev, ds, SIAM_SPLIT_VAL, n, seed, vs, vl, &err);
    if (st == SIAM_OK)
        st = score_pairs(ev, ds, SIAM_SPLIT_TEST, n, seed + 1, ts, tl, &err);
    if (st == SIAM_OK) {
        double val_acc, thr = siam_best_threshold(vs, vl, n, &val_acc);
        double acc = siam_threshold_accuracy(ts, tl, n, thr), auc = siam_roc_auc(ts, tl, n);
        if (json)
            printf("{\"method\":\"verification\",\"pairs\":%zu,\"threshold\":%.6g,"
                   "\"val_accuracy\":%.6f,\"accuracy\":%.6f,\"auc\":%.6f}\n",
                   n, thr, val_acc, acc, auc);
        else
            printf("verification on %zu test pairs: accuracy %.2f%% at the threshold %.4g "
                   "chosen on %zu validation pairs (%.2f%% there); ROC AUC %.4f\n",
                   n, 100 * acc, thr, n, 100 * val_acc, auc);
    }
    siam_evaluator_destroy(ev);
    siam_dataset_destroy(ds);
    cli_model_close(be, m);
    free(vs), free(vl), free(ts), free(tl);
    if (st != SIAM_OK) {
        siam_print_error("eval", err.msg);
        return 1;
    }
    return 0;
}
