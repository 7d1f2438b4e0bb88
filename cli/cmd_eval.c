/* siamese eval: one-shot accuracy of a scorer on Lake's runs or on
 * generated N-way k-shot trials.
 *
 * The trial harness only sees a siam_score_fn (core/eval/trial_scoring.h); each
 * method is a scorer made by make_scorer(). Model evaluation plugs in there:
 * a scorer whose context holds the model and embeds images with
 * siam_image_float. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "commands.h"

#include "base/term_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/baselines.h"
#include "data/datapath.h"
#include "data/class_split.h"
#include "data/dataset.h"
#include "data/lake_runs.h"
#include "data/split.h"
#include "eval/trial_scoring.h"
#include "eval/evaluator.h"
#include "eval/session.h"
#include "eval/verification.h"
#include "report/eval_report.h"
#include "json_out.h"

typedef struct eval_args {
    const char *baseline, *model, *runs, *dataset, *data, *split, *backend, *report;
    long threads, verification, tta;
    const char *protocol;
    long way, shots, trials;
    unsigned long long seed;
    int json, invert, generated; /* generated: any of way/shots/trials/protocol/dataset/split */
    int way_given;
    /* A model trained on a class-folder dataset, evaluated on its own test
     * classes: the dataset (the model's, or --dataset), its layout, and the
     * test class keys, from the model's metadata. */
    char *own_root, *own_classes;
    siam_layout own_layout;
} eval_args;

/* A scoring method bound to a dataset. */
typedef struct eval_scorer {
    const char *name;
    siam_score_fn fn;
    void *ctx;
    void (*destroy)(void *ctx);
} eval_scorer;

enum {
    OPT_BASELINE = 1, OPT_MODEL, OPT_VERIFICATION, OPT_BACKEND, OPT_THREADS, OPT_RUNS, OPT_WAY,
    OPT_SHOTS, OPT_TRIALS, OPT_PROTOCOL, OPT_DATASET, OPT_SPLIT, OPT_REPORT, OPT_DATA, OPT_SEED,
    OPT_INVERT, OPT_TTA, OPT_JSON
};

static const cli_option eval_options[] = {
    {OPT_BASELINE, "baseline", 0, CLI_CHOICE, "mhd|pixel-1nn", 0, 0, 0,
     "mhd: Modified Hausdorff Distance (Lake's demo,\n38.8% error on all_runs); "
     "pixel-1nn: nearest\nneighbour on raw pixels", 0},
    {OPT_MODEL, "model", 'm', CLI_TEXT, "MODEL", 0, 0, 0,
     "a trained model (siamese train --out); embeds each\nimage once and scores each trial in "
     "one batched call", 0},
    {OPT_VERIFICATION, "verification", 0, CLI_INT, "N", 2, 1e7, 0,
     "with --model: same/different accuracy on N test\npairs at the threshold best on N "
     "validation pairs,\nand ROC AUC", 0},
    CLI_OPT_BACKEND(OPT_BACKEND),
    CLI_OPT_THREADS(OPT_THREADS),
    {OPT_RUNS, "runs", 0, CLI_TEXT, "DIR", 0, 0, 0,
     "Lake's all_runs folder (the default: DATA/all_runs)", 0},
    {OPT_WAY, "way", 0, CLI_INT, "N", 2, 10000, 0, "classes per trial (default 20)", 0},
    {OPT_SHOTS, "shots", 0, CLI_INT, "K", 1, 10000, 0, "examples per class (default 1)", 0},
    {OPT_TRIALS, "trials", 0, CLI_INT, "T", 1, 1e8, 0, "number of trials (default 400)", 0},
    {OPT_PROTOCOL, "protocol", 0, CLI_CHOICE, "within|unstructured", 0, 0, 0,
     "within: Koch's within-alphabet rounds (default);\nunstructured: classes from any alphabet", 0},
    {OPT_DATASET, "dataset", 0, CLI_TEXT, "DIR", 0, 0, 0,
     "generate trials from this folder (Omniglot or\nclass-folder layout) instead of an "
     "Omniglot split;\na model trained with train --dataset is scored on\nits own test classes "
     "by default", 0},
    {OPT_SPLIT, "split", 0, CLI_TEXT, "S", 0, 0, 0,
     "Omniglot split for generated trials: test (default,\nLake's alphabets, drawers 17-20), "
     "validation, or\nevaluation (all of images_evaluation)", 0},
    {OPT_REPORT, "report", 0, CLI_TEXT, "DIR", 0, 0, 0,
     "also write DIR/index.html: accuracy and CI, the\ntrials' verification ROC (DIR/roc.svg), "
     "and 60\ntrials as images, wrong ones first", 0},
    CLI_OPT_DATA(OPT_DATA),
    {OPT_SEED, "seed", 's', CLI_INT, "S", 0, 9007199254740991.0, 0,
     "seed for trial sampling and tie-breaking (default 1)", 0},
    {OPT_INVERT, "invert", 0, CLI_FLAG, NULL, 0, 0, 0,
     "images are light ink on dark (skip auto-detection)", 0},
    {OPT_TTA, "tta", 0, CLI_INT, "N", 1, SIAM_TTA_MAX_VIEWS, 0,
     "with --model: score each image in N views, itself\nand N-1 affine-distorted copies, "
     "and average\n(test-time augmentation; default 1, off)", 0},
    {OPT_JSON, "json", 0, CLI_FLAG, NULL, 0, 0, 0, "print one JSON object", 0},
};

const cli_command siam_cli_eval = CLI_OPTIONS(
    "eval", "", 0, 0,
    "One-shot classification accuracy of a baseline (--baseline) or a model\n"
    "(--model) with a 95% Wilson confidence interval, on Lake's runs (--runs,\n"
    "the default) or on generated trials (--way, --shots, --trials, --protocol,\n"
    "with --dataset or --split).\n",
    eval_options);

static int fail(const char *msg)
{
    siam_print_errorf("eval", "%s", msg);
    return 2;
}

/* Returns 0 to go on, -1 to exit with *status (after --help, or a bad
 * option with its message printed). */
static int parse_args(int argc, char **argv, eval_args *a, int *status)
{
    memset(a, 0, sizeof *a);
    a->way = 20;
    a->shots = 1;
    a->trials = 400;
    a->seed = 1;
    a->tta = 1;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_eval, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        switch (id) {
        case OPT_BASELINE: a->baseline = v.text; break;
        case OPT_MODEL: a->model = v.text; break;
        case OPT_VERIFICATION: a->verification = (long)v.number; break;
        case OPT_BACKEND: a->backend = v.text; break;
        case OPT_THREADS: a->threads = (long)v.number; break;
        case OPT_RUNS: a->runs = v.text; break;
        case OPT_REPORT: a->report = v.text; break;
        case OPT_DATA: a->data = v.text; break;
        case OPT_SEED: a->seed = (unsigned long long)v.number; break;
        case OPT_INVERT: a->invert = 1; break;
        case OPT_TTA: a->tta = (long)v.number; break;
        case OPT_JSON: a->json = 1; break;
        case OPT_DATASET: a->dataset = v.text; a->generated = 1; break;
        case OPT_SPLIT: a->split = v.text; a->generated = 1; break;
        case OPT_PROTOCOL: a->protocol = v.text; a->generated = 1; break;
        case OPT_WAY: a->way = (long)v.number; a->generated = a->way_given = 1; break;
        case OPT_SHOTS: a->shots = (long)v.number; a->generated = 1; break;
        case OPT_TRIALS: a->trials = (long)v.number; a->generated = 1; break;
        default: *status = p.exit_status; return -1;
        }
    }
    return 0;
}

/* The options' combinations: 0, or 2 with the message printed. */
static int check_args(const eval_args *a)
{
    if (a->baseline && a->model)
        return fail("give --baseline or --model, not both");
    if (!a->baseline && !a->model && !a->verification)
        return fail("nothing to evaluate: give --baseline mhd|pixel-1nn (see siamese eval --help)");
    if (a->runs && a->generated)
        return fail("--runs (Lake's runs) excludes --way/--shots/--trials/--protocol/--dataset/--split");
    if (a->dataset && a->split)
        return fail("give --dataset or --split, not both");
    if (a->tta > 1 && !a->model)
        return fail("--tta is for a --model");
    return 0;
}

static void mhd_destroy(void *ctx) { siam_mhd_destroy(ctx); }

/* A trained model on a backend, scoring through the embedding cache. */
typedef struct model_scorer {
    siam_session *s;
    siam_evaluator *ev;
} model_scorer;

static void model_destroy(void *ctx)
{
    model_scorer *ms = ctx;
    if (!ms)
        return;
    siam_evaluator_destroy(ms->ev);
    siam_session_close(ms->s);
    free(ms);
}

/* Takes the session *s (closed with the scorer, or here on failure). */
static siam_status model_create(siam_session **s, const siam_dataset *ds, int views,
                                uint64_t seed, model_scorer **out, siam_error *err)
{
    model_scorer *ms = calloc(1, sizeof *ms);
    if (!ms) {
        siam_session_close(*s);
        *s = NULL;
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    ms->s = *s;
    *s = NULL;
    siam_status st = siam_evaluator_create(ms->s->m, ds, 64, ms->s->metric, &ms->ev, err);
    if (st == SIAM_OK && views > 1)
        st = siam_evaluator_set_views(ms->ev, views, seed, err);
    if (st != SIAM_OK) {
        model_destroy(ms);
        return st;
    }
    *out = ms;
    return SIAM_OK;
}

static siam_status model_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                               float *out, siam_error *err)
{
    return siam_evaluator_score(((model_scorer *)ctx)->ev, query, support, n, out, err);
}

/* --verification N: accuracy on N test pairs at the threshold best on N
 * validation pairs, and the ROC AUC. */
static int eval_verification(const eval_args *a, const char *dir)
{
    siam_error err = {0};
    siam_session *s = NULL;
    siam_verification v;
    siam_session_options so = {.backend = a->backend, .threads = (int)a->threads, .batch = 1};
    siam_status st = siam_session_open(a->model, &so, &s, &err);
    if (st == SIAM_OK)
        st = siam_verification_measure(s->m, s->metric, (int)a->tta, dir, (size_t)a->verification, a->seed,
                                       &v, &err);
    siam_session_close(s);
    if (st != SIAM_OK) {
        siam_print_error("eval", err.msg);
        return 1;
    }
    if (a->json)
        printf("{\"method\":\"verification\",\"pairs\":%zu,\"threshold\":%.6g,"
               "\"val_accuracy\":%.6f,\"accuracy\":%.6f,\"auc\":%.6f,\"tta\":%ld}\n",
               v.pairs, v.threshold, v.val_accuracy, v.accuracy, v.auc, a->tta);
    else
        printf("verification on %zu test pairs%s: accuracy %.2f%% at the threshold %.4g "
               "chosen on %zu validation pairs (%.2f%% there); ROC AUC %.4f\n",
               v.pairs, a->tta > 1 ? " (test-time views averaged)" : "", 100 * v.accuracy,
               v.threshold, v.pairs, 100 * v.val_accuracy, v.auc);
    return 0;
}

/* Binds the requested method to the dataset the trials index. */
static siam_status make_scorer(const eval_args *a, siam_session **session,
                               const siam_dataset *ds, eval_scorer *sc, siam_error *err)
{
    memset(sc, 0, sizeof *sc);
    if (a->model) {
        model_scorer *ms = NULL;
        siam_status st = model_create(session, ds, (int)a->tta, a->seed, &ms, err);
        if (st != SIAM_OK)
            return st;
        sc->name = a->model;
        sc->fn = model_score;
        sc->ctx = ms;
        sc->destroy = model_destroy;
        return SIAM_OK;
    }
    if (strcmp(a->baseline, "mhd") == 0) {
        siam_mhd *m = NULL;
        siam_status st = siam_mhd_create(ds, &m, err);
        if (st != SIAM_OK)
            return st;
        sc->name = "mhd";
        sc->fn = siam_mhd_score;
        sc->ctx = m;
        sc->destroy = mhd_destroy;
        return SIAM_OK;
    }
    if (strcmp(a->baseline, "pixel-1nn") == 0) {
        sc->name = "pixel-1nn";
        sc->fn = siam_pixel_score;
        sc->ctx = (void *)ds;
        return SIAM_OK;
    }
    return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                          "unknown baseline '%s' (expected mhd or pixel-1nn)", a->baseline);
}

/* Trials on the test classes a model was trained without (class_split.h):
 * at most 20-way (fewer when there are fewer test classes, unless --way),
 * across groups unless the classes are in one. */
static siam_status load_own_trials(const eval_args *a, siam_load_options *opt,
                                   siam_protocol protocol, siam_dataset **ds, siam_trial_set *ts,
                                   char *what, size_t what_cap, siam_error *err)
{
    opt->layout = a->own_layout;
    siam_load_report rep = {0, NULL, 0};
    siam_status st = siam_dataset_load(a->own_root, opt, &rep, ds, err);
    siam_load_report_clear(&rep);
    if (st != SIAM_OK)
        return siam_error_prefix(err, "the model's dataset: ");
    siam_subset *sub = NULL;
    st = siam_class_subset_from_json(*ds, a->own_classes, &sub, err);
    if (st != SIAM_OK)
        siam_error_prefix(err, "the model's test classes: ");
    long way = a->way;
    if (st == SIAM_OK && !a->way_given && (size_t)way > sub->n_classes)
        way = (long)sub->n_classes;
    if (st == SIAM_OK && !a->protocol && sub->n_alphabets > 1)
        protocol = SIAM_PROTOCOL_UNSTRUCTURED;
    if (st == SIAM_OK)
        st = siam_trials_make(sub, protocol, (int)way, (int)a->shots, (size_t)a->trials, a->seed,
                              ts, err);
    size_t n_classes = sub ? sub->n_classes : 0;
    siam_subset_destroy(sub);
    if (st != SIAM_OK) {
        siam_dataset_destroy(*ds);
        *ds = NULL;
        return st;
    }
    snprintf(what, what_cap, "%s:%s (its %zu test classes)",
             protocol == SIAM_PROTOCOL_WITHIN ? "within" : "unstructured", a->own_root, n_classes);
    return SIAM_OK;
}

/* The model's own test classes, when it was trained on a class-folder
 * dataset and no other trials were asked for. */
static siam_status find_own_test(eval_args *a, const siam_session *f, siam_error *err)
{
    const char *root = siam_session_meta(f, "dataset"), *keys = siam_session_meta(f, "test_classes");
    const char *layout = siam_session_meta(f, "dataset_layout");
    if (!root || !keys || !layout || a->runs || a->split || a->data)
        return SIAM_OK;
    if (strcmp(keys, "[]") == 0) {
        if (a->dataset)
            return SIAM_OK; /* the whole of the --dataset given */
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s was trained with --test-classes 0: give --dataset DIR or "
                              "--data DIR to evaluate it", a->model);
    }
    a->own_root = strdup(a->dataset ? a->dataset : root);
    a->own_classes = strdup(keys);
    if (!a->own_root || !a->own_classes)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    a->own_layout = strcmp(layout, "class_folders") == 0 ? SIAM_LAYOUT_CLASS_FOLDERS
                                                         : SIAM_LAYOUT_NESTED;
    a->generated = 1;
    return SIAM_OK;
}

/* Loads the images and trials the arguments ask for. `what` describes them. */
static siam_status load_trials(const eval_args *a, siam_dataset **ds, siam_trial_set *ts,
                               char *what, size_t what_cap, siam_error *err)
{
    char dir_buf[4096], path[4096];
    const char *dir = siam_data_dir(a->data, dir_buf, sizeof dir_buf);
    siam_load_options opt;
    siam_load_options_default(&opt);
    if (a->invert)
        opt.polarity = SIAM_POLARITY_LIGHT_INK;
    if (!a->generated) {
        if (!a->runs && siam_data_check(dir, "all_runs", err) != SIAM_OK)
            return err->status;
        const char *runs = a->runs ? a->runs : siam_data_join(path, sizeof path, dir, "all_runs");
        if (!runs)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "data path too long");
        snprintf(what, what_cap, "lake-runs");
        return siam_lake_runs_load(runs, &opt, NULL, ds, ts, err);
    }
    siam_protocol protocol = SIAM_PROTOCOL_WITHIN;
    if (a->protocol) {
        siam_status st = siam_protocol_parse(a->protocol, &protocol, err);
        if (st != SIAM_OK)
            return st;
    }
    if (a->own_classes)
        return load_own_trials(a, &opt, protocol, ds, ts, what, what_cap, err);
    const char *split = a->split ? a->split : "test";
    int whole = a->dataset || strcmp(split, "evaluation") == 0;
    siam_split_id sid = SIAM_SPLIT_TEST;
    if (!whole) {
        siam_status st = siam_split_parse(split, &sid, err);
        if (st != SIAM_OK)
            return siam_error_prefix(err, "--split: ");
        if (sid == SIAM_SPLIT_TRAIN)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "--split train: evaluate on validation, test or evaluation");
    }
    const char *root = a->dataset;
    if (!root) {
        const char *src = whole ? "images_evaluation" : siam_split_get(sid)->source;
        if (siam_data_check(dir, src, err) != SIAM_OK)
            return err->status;
        root = siam_data_join(path, sizeof path, dir, src);
        if (!root)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "data path too long");
    }
    siam_load_report rep = {0, NULL, 0};
    siam_status st = siam_dataset_load(root, &opt, &rep, ds, err);
    siam_load_report_clear(&rep);
    if (st != SIAM_OK)
        return st;
    siam_subset *sub = NULL;
    st = whole ? siam_subset_create(*ds, NULL, &sub, err)
               : siam_split_subset(*ds, sid, 0, &sub, err);
    if (st == SIAM_OK)
        st = siam_trials_make(sub, protocol, (int)a->way, (int)a->shots, (size_t)a->trials,
                              a->seed, ts, err);
    siam_subset_destroy(sub);
    if (st != SIAM_OK) {
        siam_dataset_destroy(*ds);
        *ds = NULL;
        return st;
    }
    snprintf(what, what_cap, "%s:%s", protocol == SIAM_PROTOCOL_WITHIN ? "within" : "unstructured",
             a->dataset ? a->dataset : split);
    return SIAM_OK;
}

int siam_cmd_eval(int argc, char **argv)
{
    eval_args a;
    int status = 0;
    if (parse_args(argc, argv, &a, &status) < 0)
        return status;
    int r = check_args(&a);
    if (r)
        return r;
    siam_error err;
    siam_error_clear(&err);
    if (a.verification) {
        if (!a.model)
            return fail("--verification needs --model");
    {
        char dir_buf[4096];
        const char *dir = siam_data_dir(a.data, dir_buf, sizeof dir_buf);
        if (siam_data_check(dir, "images_evaluation", &err) != SIAM_OK) {
            siam_print_error("eval", err.msg);
            return 1;
        }
        return eval_verification(&a, dir);
    }
    }
    siam_session *session = NULL;
    if (a.model) {
        /* Opened before loading any images, so a bad model fails at once;
         * its metadata may name the dataset and test classes it was trained
         * with. The graph is the evaluator's, so the session's is minimal. */
        siam_session_options so = {.backend = a.backend, .threads = (int)a.threads, .batch = 1};
        if (siam_session_open(a.model, &so, &session, &err) != SIAM_OK) {
            siam_print_error("eval", err.msg);
            return 1;
        }
        siam_status own = find_own_test(&a, session, &err);
        if (own != SIAM_OK) {
            siam_print_error("eval", err.msg);
            siam_session_close(session);
            free(a.own_root);
            free(a.own_classes);
            return own == SIAM_ERR_INVALID_ARG ? 2 : 1;
        }
    }
    siam_dataset *ds = NULL;
    siam_trial_set ts;
    char what[4200];
    siam_status lt = load_trials(&a, &ds, &ts, what, sizeof what, &err);
    free(a.own_root);
    free(a.own_classes);
    a.own_root = a.own_classes = NULL;
    if (lt != SIAM_OK) {
        siam_session_close(session);
        siam_print_error("eval", err.msg);
        return 1;
    }
    eval_scorer sc;
    siam_eval_result res;
    size_t emb_count = 0;
    double emb_rate = 0;
    siam_status st = make_scorer(&a, &session, ds, &sc, &err);
    siam_session_close(session); /* NULL once the scorer has it */
    /* A report needs every trial's choice and class scores. */
    uint32_t *picks = a.report ? malloc((ts.n_trials ? ts.n_trials : 1) * sizeof *picks) : NULL;
    float *cscores = a.report ? malloc((ts.n_trials * (size_t)ts.way + 1) * sizeof *cscores) : NULL;
    if (st == SIAM_OK && a.report && (!picks || !cscores))
        st = siam_error_set(&err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK) {
        st = siam_trials_evaluate_detail(&ts, sc.fn, sc.ctx, a.seed, &res, picks, cscores, &err);
        if (st == SIAM_OK && a.report) {
            cli_report_input in = {sc.name, what, ds, &ts, picks, cscores, &res, 60};
            st = cli_eval_report(a.report, &in, &err);
        }
        if (st == SIAM_OK && a.model) {
            size_t n_emb;
            double secs;
            siam_evaluator_stats(((model_scorer *)sc.ctx)->ev, &n_emb, &secs);
            emb_count = n_emb;
            emb_rate = secs > 0 ? (double)n_emb / secs : 0;
        }
        if (sc.destroy)
            sc.destroy(sc.ctx);
    }
    int way = ts.way, shots = ts.shots;
    free(picks);
    free(cscores);
    siam_trial_set_free(&ts);
    siam_dataset_destroy(ds);
    if (st != SIAM_OK) {
        siam_print_error("eval", err.msg);
        return st == SIAM_ERR_INVALID_ARG ? 2 : 1;
    }
    if (a.json) {
        printf("{\"method\":");
        cli_json_string(stdout, sc.name);
        printf(",\"trials_source\":");
        cli_json_string(stdout, what);
        printf(",\"way\":%d,\"shots\":%d,\"trials\":%zu,\"correct\":%zu,\"accuracy\":%.6f,"
               "\"error\":%.6f,\"ci95\":[%.6f,%.6f],\"seed\":%llu,\"embeddings\":%zu,"
               "\"embeddings_per_s\":%.1f,\"tta\":%ld}\n",
               way, shots, res.trials, res.correct, res.accuracy, 1.0 - res.accuracy, res.ci_low,
               res.ci_high, a.seed, emb_count, emb_rate, a.tta);
    } else {
        printf("%s on %s, %d-way %d-shot", sc.name, what, way, shots);
        if (a.tta > 1)
            printf(", %ld test-time views averaged", a.tta);
        printf("\n");
        printf("accuracy %.2f%% (error %.2f%%), %zu of %zu trials correct\n",
               100.0 * res.accuracy, 100.0 * (1.0 - res.accuracy), res.correct, res.trials);
        printf("95%% CI (Wilson) [%.2f%%, %.2f%%]\n", 100.0 * res.ci_low, 100.0 * res.ci_high);
        if (a.model)
            printf("%zu embeddings, %.1f embeddings/s\n", emb_count, emb_rate);
    }
    return 0;
}
