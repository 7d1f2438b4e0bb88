/* The training driver (see train.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "train/train.h"

#include "base/atomic_file.h"
#include "engine/checkpoint.h"
#include "base/clock.h"
#include "data/class_split.h"
#include "data/datapath.h"
#include "data/split.h"
#include "eval/evaluator.h"
#include "eval/verification.h"
#include "train/data_parallel.h"
#include "train/hparams.h"
#include "train/progress.h"
#include "train/weight_avg.h"
#include "base/rng.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RNG_STREAM_EPOCH_ORDER 2000 /* + epoch: the order of a fixed set */
/* Steps between folds of the weights into their average: a download of
 * every weight each time, which would otherwise stall a GPU every step. */
#define EMA_EVERY 4

void siam_train_options_default(siam_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->preset = "koch35";
    o->backend = NULL;
    o->head_bias = 1;
    o->loss = SIAM_LOSS_BCE;
    o->margin = 1.0f;
    o->optim = SIAM_OPTIM_SGD;
    o->init = SIAM_INIT_UNIFORM;
    o->lr = 0.1f;
    o->momentum = 0.9f;
    o->l2 = 1e-4f;
    o->schedule = SIAM_SCHEDULE_EXP;
    o->lr_decay = 0.99f;
    o->warmup = 0.02f;
    o->lr_floor = 0.01f;
    o->momentum_start = 0.5f;
    o->momentum_slope = 0.4f; /* 0.5 -> 0.9 after one epoch: see README */
    o->epoch_pairs = 30000;
    o->distort = SIAM_DISTORT_ON_THE_FLY;
    o->negatives = SIAM_NEGMIX_HALF;
    o->epochs = 200;
    o->batch = 128;
    o->seed = 1;
    o->val_trials = 320;
    o->val_way = 20;
    o->patience = 20;
    o->val_classes = 0.15;
    o->test_classes = 0.15;
}

char *siam_train_latest_path(const char *out)
{
    const char *ext = ".safetensors";
    size_t n = strlen(out), e = strlen(ext);
    char *buf = malloc(n + sizeof ".latest");
    if (!buf)
        return NULL;
    if (n > e && strcmp(out + n - e, ext) == 0)
        sprintf(buf, "%.*s.latest%s", (int)(n - e), out, ext);
    else
        sprintf(buf, "%s.latest", out);
    return buf;
}

/* Everything a run holds; freed by run_free. */
typedef struct run {
    siam_train_options o;
    siam_backend *be;
    siam_dataset *train_ds, *val_ds;
    siam_subset *train_sub, *val_sub;
    siam_pair_sampler samp[2];   /* any-alphabet, same-alphabet negatives */
    siam_pair *set;              /* fixed set (pairs * copies) or NULL */
    size_t set_n;
    uint32_t *order;
    siam_batch_builder *builder;
    siam_trial_set val;
    siam_model *m;
    siam_optim *opt;
    siam_optim_config base;      /* per-group values before the schedule */
    siam_graph *g;
    siam_evaluator *ev;
    siam_pair *pairs;
    /* data-parallel (o.comm): rank 0 alone writes; host gradients plus the
     * step's loss and flags; a stop signal some rank caught */
    int root, ranks;
    float *dp_host;
    int dp_signal;
    FILE *log;
    char *latest;
    /* state */
    int epoch;
    int64_t epoch_pos, step;
    double best_val, elapsed_before, t0;
    int best_epoch, since_best;
    double last_val;   /* the last validation accuracy, -1 before one */
    siam_weight_avg avg;        /* with --ema */
    int64_t ck_avg_updates;     /* the checkpoint's, -1 when it has none */
    double raw_val, best_raw;   /* with --ema: validation of the raw weights */
    double val_spread;          /* max - min of the last validation's class scores */
    double epoch_loss_sum;      /* this epoch's losses, for the collapse guard */
    int64_t epoch_steps;
    int collapsed;              /* validations in a row that looked collapsed */
    int64_t run_pairs; /* pairs trained by this process, and since when */
    double t_loop;
    /* A resumed run's random streams (any, same, distort), applied once the
     * samplers and the batch builder exist. */
    uint64_t ck_rng[3];
    int have_ck_rng;
    /* A class-folder dataset (o.dataset): its split, and the metadata that
     * records it (absolute root, layout, validation and test class keys);
     * a resumed run's validation keys, to check the split is unchanged. */
    siam_class_split split;
    char *meta_dataset, *meta_val, *meta_test, *ck_val, *ck_dataset;
    /* The best model's verification threshold on validation pairs (in the
     * evaluator's score units: same when the score is above it). */
    double verify_thr, verify_acc;
    int have_verify;
    const char *meta_layout;
} run;

static void run_free(run *r)
{
    siam_weight_avg_free(&r->avg);
    free(r->dp_host);
    siam_evaluator_destroy(r->ev);
    siam_graph_destroy(r->g);
    siam_optim_destroy(r->opt);
    siam_model_destroy(r->m);
    siam_batch_builder_destroy(r->builder);
    siam_trial_set_free(&r->val);
    siam_subset_destroy(r->train_sub);
    siam_subset_destroy(r->val_sub);
    siam_dataset_destroy(r->train_ds);
    siam_dataset_destroy(r->val_ds);
    siam_class_split_free(&r->split);
    free(r->meta_dataset);
    free(r->meta_val);
    free(r->meta_test);
    free(r->ck_val);
    free(r->ck_dataset);
    siam_backend_close(r->be);
    free(r->set);
    free(r->order);
    free(r->pairs);
    free(r->latest);
    if (r->log)
        fclose(r->log);
}

static siam_status check_options(const siam_train_options *o, siam_error *err)
{
    if ((!o->data_dir && !o->dataset) || !o->out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "training needs a data folder and --out");
    if (o->batch < 1 || o->batch > 65536)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "batch must be 1..65536 pairs (got %d)",
                              o->batch);
    if (!(o->lr >= 0) || !(o->l2 >= 0) || !(o->momentum >= 0 && o->momentum < 1))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "need learning rate >= 0, L2 >= 0, 0 <= momentum < 1 (got %g, %g, %g)",
                              o->lr, o->l2, o->momentum);
    if (!(o->lr_decay > 0 && o->lr_decay <= 1) || !(o->momentum_start >= 0 && o->momentum_start < 1) ||
        !(o->momentum_slope >= 0))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "need 0 < lr decay <= 1, 0 <= momentum start < 1, slope >= 0");
    if (!siam_lr_schedule_name(o->schedule) || !(o->warmup >= 0 && o->warmup < 1) ||
        !(o->lr_floor >= 0 && o->lr_floor <= 1))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "need schedule exp or cosine, 0 <= warm-up < 1, 0 <= lr floor <= 1");
    if (!(o->ema >= 0 && o->ema < 1))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "need 0 <= ema decay < 1 (got %g)", o->ema);
    if (o->epochs < 1 || o->pairs < 0 || (o->pairs == 0 && o->epoch_pairs < 1) ||
        o->minutes < 0 || o->max_steps < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "need epochs >= 1, pairs >= 0, epoch pairs >= 1, minutes >= 0");
    /* A dataset's validation rounds are fitted to its classes (class_val_trials). */
    if (o->val_trials < 1 || o->val_way < 2 || (!o->dataset && o->val_trials % o->val_way) ||
        o->patience < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "validation needs way >= 2, trials a multiple of the way, patience >= 1");
    if (o->dataset && o->all_drawers)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "--all-drawers is for Omniglot; a --dataset trains on every image "
                              "of its training classes");
    if (o->dataset_depth < 0 || o->dataset_depth > 2)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "dataset depth is 0 (auto), 1 or 2");
    if (o->loss == SIAM_LOSS_CONTRASTIVE && !(o->margin > 0))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "contrastive margin must be > 0");
    return SIAM_OK;
}

/* ---- checkpoint metadata ---- */

#define META_MAX 40

typedef struct meta {
    const char *kv[2 * META_MAX];
    char val[META_MAX][96];
    char hp[2048];
    int n;
} meta;

static void meta_add(meta *m, const char *key, const char *fmt, ...)
{
    if (m->n >= META_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->val[m->n], sizeof m->val[m->n], fmt, ap);
    va_end(ap);
    m->kv[2 * m->n] = key;
    m->kv[2 * m->n + 1] = m->val[m->n];
    m->n++;
}

static void meta_fill(run *r, meta *m, int with_state)
{
    const siam_train_options *o = &r->o;
    m->n = 0;
    meta_add(m, "loss", "%s", o->loss == SIAM_LOSS_BCE ? "bce" : "contrastive");
    meta_add(m, "margin", "%.9g", o->margin);
    meta_add(m, "seed", "%" PRIu64, o->seed);
    meta_add(m, "best_val_accuracy", "%.6f", r->best_val);
    meta_add(m, "best_epoch", "%d", r->best_epoch);
    if (r->meta_dataset) {
        const char *kv[] = {"dataset", r->meta_dataset, "dataset_layout", r->meta_layout,
                            "val_classes", r->meta_val, "test_classes", r->meta_test};
        for (int i = 0; i < 4 && m->n < META_MAX; i++, m->n++) {
            m->kv[2 * m->n] = kv[2 * i];
            m->kv[2 * m->n + 1] = kv[2 * i + 1];
        }
    }
    if (r->have_verify) {
        meta_add(m, "verify_threshold", "%.9g", r->verify_thr);
        meta_add(m, "verify_accuracy", "%.6f", r->verify_acc);
    }
    if (!with_state)
        return;
    siam_hparams_format(r->m, &r->base, m->hp, sizeof m->hp);
    m->kv[2 * m->n] = "hparams";
    m->kv[2 * m->n + 1] = m->hp;
    snprintf(m->val[m->n], sizeof m->val[m->n], "-");
    m->n++;
    meta_add(m, "lr_decay", "%.9g", o->lr_decay);
    meta_add(m, "schedule", "%s", siam_lr_schedule_name(o->schedule));
    meta_add(m, "warmup", "%.9g", o->warmup);
    meta_add(m, "lr_floor", "%.9g", o->lr_floor);
    meta_add(m, "ema", "%.9g", o->ema);
    meta_add(m, "ema_updates", "%" PRId64, r->avg.updates);
    meta_add(m, "momentum_start", "%.9g", o->momentum_start);
    meta_add(m, "momentum_slope", "%.9g", o->momentum_slope);
    meta_add(m, "pairs", "%d", o->pairs);
    meta_add(m, "epoch_pairs", "%d", o->epoch_pairs);
    meta_add(m, "distort", "%d", (int)o->distort);
    meta_add(m, "negatives", "%d", (int)o->negatives);
    meta_add(m, "all_drawers", "%d", o->all_drawers);
    meta_add(m, "batch", "%d", o->batch);
    meta_add(m, "val_trials", "%d", o->val_trials);
    meta_add(m, "val_way", "%d", o->val_way);
    meta_add(m, "patience", "%d", o->patience);
    meta_add(m, "epoch", "%d", r->epoch);
    meta_add(m, "epoch_pos", "%" PRId64, r->epoch_pos);
    meta_add(m, "step", "%" PRId64, r->step);
    meta_add(m, "since_best", "%d", r->since_best);
    meta_add(m, "elapsed", "%.17g", r->elapsed_before + (siam_now() - r->t0));
    meta_add(m, "rng_any", "%" PRIu64, r->samp[0].rng.counter);
    meta_add(m, "rng_same", "%" PRIu64, r->samp[1].rng.counter);
    meta_add(m, "rng_distort", "%" PRIu64, siam_batch_builder_rng(r->builder).counter);
}

static int meta_num(const siam_st_file *f, const char *key, double *v)
{
    const char *s = siam_st_meta(f, key);
    char *end;
    if (!s)
        return 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

/* A trajectory option the user gave that the checkpoint disagrees with:
 * refused by name (equal values pass, so a command line repeated with
 * --resume works). Compared as the float or integer the option is. */
static siam_status agree(const siam_train_options *o, unsigned bit, const char *flag, double user,
                         double ck, int as_float, const char *path, siam_error *err)
{
    int same = as_float ? (float)user == (float)ck : (int64_t)user == (int64_t)ck;
    if (!(o->given & bit) || same)
        return SIAM_OK;
    return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                          "%s %g conflicts with the checkpoint %s, which has %g: drop %s to "
                          "resume it, or start a new run (siamese train --help lists what may "
                          "change on resume)",
                          flag, user, path, ck, flag);
}

static siam_status agree_name(const siam_train_options *o, unsigned bit, const char *flag,
                              const char *user, const char *ck, const char *path, siam_error *err)
{
    if (!(o->given & bit) || strcmp(user, ck) == 0)
        return SIAM_OK;
    return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                          "%s %s conflicts with the checkpoint %s, which has %s: drop %s to "
                          "resume it, or start a new run",
                          flag, user, path, ck, flag);
}

static const char *distort_name(int d)
{
    return d == SIAM_DISTORT_NONE ? "off" : d == SIAM_DISTORT_FIXED ? "8x" : "on";
}

static const char *negatives_name(int n)
{
    return n == SIAM_NEGMIX_ANY ? "any" : n == SIAM_NEGMIX_SAME ? "same" : "half";
}

/* The learning-rate schedule and weight averaging of a checkpoint; one
 * written before schedules were stored used exp and no average. */
static siam_status resume_schedule(const siam_st_file *f, siam_train_options *o, run *r,
                                   siam_error *err)
{
    const char *name = siam_st_meta(f, "schedule");
    double warmup = o->warmup, floor = o->lr_floor;
    siam_lr_schedule_kind kind = SIAM_SCHEDULE_EXP;
    if (name) {
        if (strcmp(name, "cosine") == 0)
            kind = SIAM_SCHEDULE_COSINE;
        else if (strcmp(name, "exp") != 0)
            return siam_error_set(err, SIAM_ERR_FORMAT, "%s: unknown schedule '%s'", f->path, name);
        if (!meta_num(f, "warmup", &warmup) || !meta_num(f, "lr_floor", &floor))
            return siam_error_set(err, SIAM_ERR_FORMAT, "%s: schedule metadata incomplete", f->path);
    }
    siam_status st = agree_name(o, SIAM_GIVEN_SCHEDULE, "--schedule",
                                siam_lr_schedule_name(o->schedule), siam_lr_schedule_name(kind),
                                f->path, err);
    if (st == SIAM_OK)
        st = agree(o, SIAM_GIVEN_WARMUP, "--warmup", o->warmup, warmup, 1, f->path, err);
    if (st == SIAM_OK)
        st = agree(o, SIAM_GIVEN_LR_FLOOR, "--lr-floor", o->lr_floor, floor, 1, f->path, err);
    o->schedule = kind;
    o->warmup = (float)warmup;
    o->lr_floor = (float)floor;
    /* The weights' average: absent before --ema existed (none). */
    double ema = 0, updates = -1;
    if (siam_st_meta(f, "ema") &&
        (!meta_num(f, "ema", &ema) || !meta_num(f, "ema_updates", &updates)))
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: averaging metadata incomplete", f->path);
    if (st == SIAM_OK)
        st = agree(o, SIAM_GIVEN_EMA, "--ema", o->ema, ema, 1, f->path, err);
    o->ema = (float)ema;
    r->ck_avg_updates = ema > 0 ? (int64_t)updates : -1;
    return st;
}

/* Reads the trajectory-defining options and the state of a latest
 * checkpoint; an option the user gave that disagrees is refused. */
static siam_status resume_options(const siam_st_file *f, siam_train_options *o, run *r,
                                  siam_error *err)
{
    static const char *keys[] = {"margin", "seed", "best_val_accuracy", "best_epoch", "lr_decay",
                                 "momentum_start", "momentum_slope", "pairs", "epoch_pairs",
                                 "distort", "negatives", "all_drawers", "batch", "val_trials",
                                 "val_way", "patience", "epoch", "epoch_pos", "step", "since_best",
                                 "elapsed", "rng_any", "rng_same", "rng_distort"};
    double v[sizeof keys / sizeof keys[0]];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!meta_num(f, keys[i], &v[i]))
            return siam_error_set(err, SIAM_ERR_FORMAT,
                                  "%s: not a training checkpoint (metadata '%s' missing); resume "
                                  "from the .latest file",
                                  f->path, keys[i]);
    const char *loss = siam_st_meta(f, "loss"), *kind = siam_st_meta(f, "optim_kind");
    if (!loss || !kind || !siam_st_meta(f, "hparams"))
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: not a training checkpoint", f->path);
    const char *p = f->path;
    siam_status st = agree_name(o, SIAM_GIVEN_LOSS, "--loss",
                                o->loss == SIAM_LOSS_BCE ? "bce" : "contrastive", loss, p, err);
    if (st == SIAM_OK)
        st = agree_name(o, SIAM_GIVEN_OPTIM, "--optimizer",
                        o->optim == SIAM_OPTIM_ADAM ? "adam" : "sgd", kind, p, err);
    if (st == SIAM_OK)
        st = agree_name(o, SIAM_GIVEN_DISTORT, "--distort", distort_name(o->distort),
                        distort_name((int)v[9]), p, err);
    if (st == SIAM_OK)
        st = agree_name(o, SIAM_GIVEN_NEGATIVES, "--negatives", negatives_name(o->negatives),
                        negatives_name((int)v[10]), p, err);
    const struct {
        unsigned bit;
        const char *flag;
        double user;
        int key, as_float;
    } nums[] = {
        {SIAM_GIVEN_MARGIN, "--margin", o->margin, 0, 1},
        {SIAM_GIVEN_SEED, "--seed", (double)o->seed, 1, 0},
        {SIAM_GIVEN_LR_DECAY, "--lr-decay", o->lr_decay, 4, 1},
        {SIAM_GIVEN_MOMENTUM_START, "--momentum-start", o->momentum_start, 5, 1},
        {SIAM_GIVEN_MOMENTUM_SLOPE, "--momentum-slope", o->momentum_slope, 6, 1},
        {SIAM_GIVEN_PAIRS, "--pairs", o->pairs, 7, 0},
        {SIAM_GIVEN_EPOCH_PAIRS, "--epoch-pairs", o->epoch_pairs, 8, 0},
        {SIAM_GIVEN_ALL_DRAWERS, "--all-drawers", o->all_drawers, 11, 0},
        {SIAM_GIVEN_BATCH, "--batch", o->batch, 12, 0},
        {SIAM_GIVEN_VAL_TRIALS, "--val-trials", o->val_trials, 13, 0},
        {SIAM_GIVEN_PATIENCE, "--patience", o->patience, 15, 0},
    };
    for (size_t i = 0; st == SIAM_OK && i < sizeof nums / sizeof nums[0]; i++)
        st = agree(o, nums[i].bit, nums[i].flag, nums[i].user, v[nums[i].key], nums[i].as_float,
                   p, err);
    if (st == SIAM_OK)
        st = resume_schedule(f, o, r, err);
    if (st != SIAM_OK)
        return st;
    o->loss = strcmp(loss, "bce") == 0 ? SIAM_LOSS_BCE : SIAM_LOSS_CONTRASTIVE;
    o->optim = strcmp(kind, "adam") == 0 ? SIAM_OPTIM_ADAM : SIAM_OPTIM_SGD;
    o->margin = (float)v[0];
    o->seed = (uint64_t)v[1];
    r->best_val = v[2];
    r->best_epoch = (int)v[3];
    o->lr_decay = (float)v[4];
    o->momentum_start = (float)v[5];
    o->momentum_slope = (float)v[6];
    o->pairs = (int)v[7];
    o->epoch_pairs = (int)v[8];
    o->distort = (siam_distort_mode)(int)v[9];
    o->negatives = (siam_negative_mix)(int)v[10];
    o->all_drawers = (int)v[11];
    o->batch = (int)v[12];
    o->val_trials = (int)v[13];
    o->val_way = (int)v[14];
    o->patience = (int)v[15];
    r->epoch = (int)v[16];
    r->epoch_pos = (int64_t)v[17];
    r->step = (int64_t)v[18];
    r->since_best = (int)v[19];
    r->elapsed_before = v[20];
    /* A class-folder run resumes on its dataset (--dataset may move it)
     * with the same split; an Omniglot run stays on Omniglot. */
    const char *ck_ds = siam_st_meta(f, "dataset"), *ck_val = siam_st_meta(f, "val_classes");
    const char *ck_layout = siam_st_meta(f, "dataset_layout");
    if (!ck_ds && o->dataset)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "--dataset: the checkpoint %s trained on Omniglot; drop --dataset to "
                              "resume it", p);
    if (ck_ds) {
        if (!ck_val || !ck_layout)
            return siam_error_set(err, SIAM_ERR_FORMAT, "%s: dataset metadata incomplete", p);
        r->ck_val = strdup(ck_val);
        r->ck_dataset = strdup(o->dataset ? o->dataset : ck_ds);
        if (!r->ck_val || !r->ck_dataset)
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        o->dataset = r->ck_dataset;
        o->dataset_depth = strcmp(ck_layout, "class_folders") == 0 ? 1 : 2;
    }
    r->ck_rng[0] = (uint64_t)v[21];
    r->ck_rng[1] = (uint64_t)v[22];
    r->ck_rng[2] = (uint64_t)v[23];
    r->have_ck_rng = 1;
    return SIAM_OK;
}

/* The checkpoint's positions in the pair and distortion streams, on the
 * samplers and builder that load_data made with the checkpoint's seed. */
static void resume_streams(run *r)
{
    if (!r->have_ck_rng)
        return;
    r->samp[0].rng.counter = r->ck_rng[0];
    r->samp[1].rng.counter = r->ck_rng[1];
    siam_rng d = siam_rng_make(r->o.seed, SIAM_RNG_STREAM_DISTORT);
    d.counter = r->ck_rng[2];
    siam_batch_builder_set_rng(r->builder, d);
}

/* The network and the per-layer optimiser values come from the checkpoint
 * too: a --preset, --no-head-bias, --lr, --momentum, --l2 or --config
 * given with --resume must describe the same. */
static siam_status resume_model_agrees(const run *r, const siam_net_desc *ck, siam_error *err)
{
    const siam_train_options *o = &r->o;
    const char *p = o->resume;
    if (o->given & SIAM_GIVEN_PRESET) {
        siam_net_desc user;
        siam_error e2 = {0};
        siam_status st = siam_net_preset(o->preset, &user, &e2);
        if (st == SIAM_ERR_NOT_FOUND && strchr(o->preset, ':'))
            st = siam_net_parse(o->preset, 1, ck->in_h, ck->in_w, &user, &e2);
        char a[1024] = "", b[1024] = "";
        if (st == SIAM_OK)
            siam_net_format(&user, a, sizeof a, &e2);
        siam_net_format(ck, b, sizeof b, &e2);
        if (st != SIAM_OK || strcmp(a, b) != 0 || user.in_h != ck->in_h || user.in_w != ck->in_w)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "--preset %s conflicts with the checkpoint %s, whose network is "
                                  "%s (%dx%d): drop --preset to resume it",
                                  o->preset, p, b, ck->in_h, ck->in_w);
    }
    if ((o->given & SIAM_GIVEN_HEAD_BIAS) && ck->head_bias != o->head_bias)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "--no-head-bias conflicts with the checkpoint %s, whose head has a "
                              "bias: drop it to resume",
                              p);
    siam_optim_config user = r->base;
    if (o->given & SIAM_GIVEN_CONFIG) {
        siam_status st = siam_hparams_load(o->config, r->m, &user, err);
        if (st != SIAM_OK)
            return st;
    }
    for (int g = 0; g < r->m->n_groups; g++) {
        const siam_group_hparams *c = &r->base.group[g], *u = &user.group[g];
        char flag[1100] = "";
        if ((o->given & SIAM_GIVEN_LR) && o->lr != c->lr)
            snprintf(flag, sizeof flag, "--lr %g", o->lr);
        else if ((o->given & SIAM_GIVEN_MOMENTUM) && o->momentum != c->momentum)
            snprintf(flag, sizeof flag, "--momentum %g", o->momentum);
        else if ((o->given & SIAM_GIVEN_L2) && o->l2 != c->l2)
            snprintf(flag, sizeof flag, "--l2 %g", o->l2);
        else if ((o->given & SIAM_GIVEN_CONFIG) &&
                 (u->lr != c->lr || u->momentum != c->momentum || u->l2 != c->l2))
            snprintf(flag, sizeof flag, "--config %.1000s", o->config);
        if (flag[0])
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "%s conflicts with the checkpoint %s, whose layer %s has lr %g, "
                                  "momentum %g, L2 %g: drop it to resume",
                                  flag, p, r->m->groups[g].name, c->lr, c->momentum, c->l2);
    }
    return SIAM_OK;
}

/* ---- setup ---- */

static const char *layout_name(siam_layout l)
{
    return l == SIAM_LAYOUT_CLASS_FOLDERS ? "class_folders"
           : l == SIAM_LAYOUT_OMNIGLOT    ? "omniglot"
                                          : "nested";
}

/* Validation trials on the validation classes: Koch's within-group rounds
 * where the classes are in one group, else drawn across groups; at most as
 * many ways as there are classes, trials a whole number of rounds. */
static siam_status class_val_trials(run *r, siam_error *err)
{
    siam_train_options *o = &r->o;
    int way = o->val_way;
    if ((size_t)way > r->val_sub->n_classes)
        way = (int)r->val_sub->n_classes;
    int trials = o->val_trials - o->val_trials % way;
    if (trials < way)
        trials = way;
    if ((way != o->val_way || trials != o->val_trials) && o->progress)
        fprintf(o->progress, "note: %zu validation classes: validation on %d trials of %d-way\n",
                r->val_sub->n_classes, trials, way);
    o->val_way = way;
    o->val_trials = trials;
    siam_protocol p = r->val_sub->n_alphabets > 1 ? SIAM_PROTOCOL_UNSTRUCTURED : SIAM_PROTOCOL_WITHIN;
    return siam_trials_make(r->val_sub, p, way, 1, (size_t)trials, o->seed, &r->val, err);
}

/* A class-folder dataset: loaded at Omniglot's 105 pixels (or the input's
 * size when larger, so the distortions keep their scale), its classes
 * split with the seed, the split recorded for the model's metadata. */
static siam_status load_class_data(run *r, int in_h, int in_w, siam_error *err)
{
    const siam_train_options *o = &r->o;
    siam_load_options lo;
    siam_load_options_default(&lo);
    lo.layout = o->dataset_depth == 1   ? SIAM_LAYOUT_CLASS_FOLDERS
                : o->dataset_depth == 2 ? SIAM_LAYOUT_NESTED
                                        : SIAM_LAYOUT_AUTO;
    lo.store_h = in_h > 105 ? in_h : 105;
    lo.store_w = in_w > 105 ? in_w : 105;
    siam_load_report rep = {0};
    siam_status st = siam_dataset_load(o->dataset, &lo, &rep, &r->train_ds, err);
    if (st != SIAM_OK && rep.n_bad)
        siam_error_set(err, st, "%s (and %zu more unreadable files)", rep.bad[0], rep.n_bad - 1);
    siam_load_report_clear(&rep);
    if (st != SIAM_OK)
        return st;
    const siam_dataset *ds = r->train_ds;
    st = siam_class_split_make(ds, o->val_classes, o->test_classes, o->seed, &r->split, err);
    if (st == SIAM_OK)
        st = siam_class_split_subset(ds, &r->split, SIAM_PART_TRAIN, &r->train_sub, err);
    if (st == SIAM_OK)
        st = siam_class_split_subset(ds, &r->split, SIAM_PART_VAL, &r->val_sub, err);
    if (st != SIAM_OK)
        return st;
    r->meta_dataset = realpath(o->dataset, NULL);
    r->meta_val = siam_class_split_keys_json(ds, &r->split, SIAM_PART_VAL);
    r->meta_test = siam_class_split_keys_json(ds, &r->split, SIAM_PART_TEST);
    if (!r->meta_dataset || !r->meta_val || !r->meta_test)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: cannot record the split",
                              o->dataset);
    /* The layout as found, so that eval reads the folder the same way. */
    int nested = siam_dataset_n_alphabets(ds) > 1 || lo.layout == SIAM_LAYOUT_NESTED;
    r->meta_layout = layout_name(nested ? SIAM_LAYOUT_NESTED : SIAM_LAYOUT_CLASS_FOLDERS);
    if (r->ck_val && strcmp(r->ck_val, r->meta_val) != 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s no longer splits into the checkpoint's validation classes (its "
                              "classes changed): resume on the dataset it trained on",
                              o->dataset);
    /* Same-group negatives need a group with two classes; without one,
     * every negative is drawn from anywhere. */
    siam_negatives same = SIAM_NEG_SAME_ALPHABET;
    int two = 0;
    for (size_t a = 0; a < r->train_sub->n_alphabets; a++)
        two |= r->train_sub->alphabet_count[a] >= 2;
    if (!two)
        same = SIAM_NEG_ANY_ALPHABET;
    st = siam_pair_sampler_init(&r->samp[0], r->train_sub, SIAM_NEG_ANY_ALPHABET, o->seed, err);
    if (st == SIAM_OK)
        st = siam_pair_sampler_init(&r->samp[1], r->train_sub, same, o->seed + 0x5eed, err);
    if (st == SIAM_OK)
        st = class_val_trials(r, err);
    return st;
}

static siam_status load_data(run *r, int in_h, int in_w, siam_error *err)
{
    if (r->o.dataset)
        return load_class_data(r, in_h, in_w, err);
    /* No Omniglot: a message that says where it looked and how to fetch it. */
    if (siam_data_check(r->o.data_dir, "images_background", err) != SIAM_OK ||
        siam_data_check(r->o.data_dir, "images_evaluation", err) != SIAM_OK)
        return err->status;
    const siam_train_options *o = &r->o;
    char path[2048];
    siam_load_options lo;
    siam_load_options_default(&lo);
    siam_load_report rep = {0};
    if ((size_t)snprintf(path, sizeof path, "%s/images_background", o->data_dir) >= sizeof path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "data folder path too long: %s",
                              o->data_dir);
    siam_status st = siam_dataset_load(path, &lo, &rep, &r->train_ds, err);
    siam_load_report_clear(&rep);
    if (st == SIAM_OK) {
        snprintf(path, sizeof path, "%s/images_evaluation", o->data_dir);
        st = siam_dataset_load(path, &lo, &rep, &r->val_ds, err);
        siam_load_report_clear(&rep);
    }
    if (st == SIAM_OK)
        st = siam_split_subset(r->train_ds, SIAM_SPLIT_TRAIN, o->all_drawers, &r->train_sub, err);
    if (st == SIAM_OK)
        st = siam_split_subset(r->val_ds, SIAM_SPLIT_VAL, 0, &r->val_sub, err);
    if (st == SIAM_OK)
        st = siam_pair_sampler_init(&r->samp[0], r->train_sub, SIAM_NEG_ANY_ALPHABET, o->seed, err);
    if (st == SIAM_OK)
        st = siam_pair_sampler_init(&r->samp[1], r->train_sub, SIAM_NEG_SAME_ALPHABET,
                                    o->seed + 0x5eed, err);
    if (st == SIAM_OK)
        st = siam_trials_make(r->val_sub, SIAM_PROTOCOL_WITHIN, o->val_way, 1,
                              (size_t)o->val_trials, o->seed, &r->val, err);
    return st;
}

/* Pair k of the fixed set interleaves the two negative kinds for HALF. */
static siam_status make_fixed_set(run *r, siam_error *err)
{
    const siam_train_options *o = &r->o;
    size_t n = (size_t)o->pairs;
    siam_pair *base = malloc(n * sizeof *base);
    if (!base)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st;
    if (o->negatives == SIAM_NEGMIX_HALF) {
        size_t half = n / 2;
        st = siam_pair_set_make(r->train_sub, SIAM_NEG_ANY_ALPHABET, o->seed, half, base, err);
        if (st == SIAM_OK)
            st = siam_pair_set_make(r->train_sub, SIAM_NEG_SAME_ALPHABET, o->seed + 0x5eed,
                                    n - half, base + half, err);
    } else {
        st = siam_pair_set_make(r->train_sub,
                                o->negatives == SIAM_NEGMIX_SAME ? SIAM_NEG_SAME_ALPHABET
                                                                 : SIAM_NEG_ANY_ALPHABET,
                                o->seed, n, base, err);
    }
    unsigned copies = o->distort == SIAM_DISTORT_FIXED ? 8 : 0;
    r->set_n = n * (copies + 1);
    r->set = copies ? malloc(r->set_n * sizeof *r->set) : base;
    r->order = malloc(r->set_n * sizeof *r->order);
    if (st == SIAM_OK && (!r->set || !r->order))
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK && copies)
        st = siam_pair_set_expand(base, n, copies, r->set, err);
    if (copies)
        free(base);
    return st;
}

static void shuffle_epoch(run *r)
{
    siam_rng g = siam_rng_make(r->o.seed, RNG_STREAM_EPOCH_ORDER + (uint64_t)r->epoch);
    for (size_t i = 0; i < r->set_n; i++)
        r->order[i] = (uint32_t)i;
    for (size_t i = r->set_n; i > 1; i--) {
        size_t j = (size_t)siam_rng_below(&g, i);
        uint32_t t = r->order[i - 1];
        r->order[i - 1] = r->order[j];
        r->order[j] = t;
    }
}

static int64_t epoch_size(const run *r)
{
    return r->set ? (int64_t)r->set_n : r->o.epoch_pairs;
}

static double elapsed_now(const run *r) { return r->elapsed_before + siam_now() - r->t0; }

/* How much of the run's budget is spent after `elapsed` seconds. */
static double budget_spent(const run *r, double elapsed)
{
    const siam_train_options *o = &r->o;
    double esize = (double)(r->set ? (int64_t)r->set_n : o->epoch_pairs);
    return siam_budget_spent(elapsed, o->minutes, (double)r->step, (double)o->max_steps,
                             r->epoch + (double)r->epoch_pos / esize, o->epochs);
}

/* The optimiser's hyperparameters for the current epoch and `elapsed`
 * seconds (rank 0's, so that every rank takes the same step). */
static void schedule(run *r, double elapsed)
{
    const siam_lr_schedule sched = {r->o.schedule, r->o.lr_decay, r->o.warmup, r->o.lr_floor};
    double f = siam_lr_factor(&sched, r->epoch, budget_spent(r, elapsed));
    for (int i = 0; i < r->m->n_groups; i++) {
        siam_group_hparams *h = &r->opt->cfg.group[i];
        const siam_group_hparams *b = &r->base.group[i];
        h->lr = (float)(b->lr * f);
        h->l2 = b->l2;
        double mu = r->o.momentum_start + r->o.momentum_slope * r->epoch;
        h->momentum = (float)(mu < b->momentum ? mu : b->momentum);
    }
}

/* The n pairs at position pos of this epoch. */
static siam_status next_pairs(run *r, int64_t pos, int n, siam_error *err)
{
    if (r->set) {
        for (int i = 0; i < n; i++)
            r->pairs[i] = r->set[r->order[pos + i]];
        return SIAM_OK;
    }
    if (r->o.negatives != SIAM_NEGMIX_HALF)
        return siam_pair_sampler_next(&r->samp[r->o.negatives == SIAM_NEGMIX_SAME], r->pairs,
                                      (size_t)n, err);
    int half = n / 2;
    siam_status st = siam_pair_sampler_next(&r->samp[0], r->pairs, (size_t)half, err);
    if (st == SIAM_OK && n - half)
        st = siam_pair_sampler_next(&r->samp[1], r->pairs + half, (size_t)(n - half), err);
    return st;
}

static siam_status validate(run *r, double *acc, siam_error *err)
{
    siam_eval_result res;
    siam_evaluator_reset(r->ev);
    const siam_trial_set *ts = &r->val;
    size_t per = (size_t)ts->way * (size_t)ts->shots, n = ts->n_trials * (size_t)ts->way;
    float *cs = malloc((n ? n : 1) * sizeof *cs);
    siam_status st = cs ? siam_evaluator_prepare(r->ev, ts->query, ts->n_trials, err)
                        : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_evaluator_prepare(r->ev, ts->support, ts->n_trials * per, err);
    if (st == SIAM_OK)
        st = siam_trials_evaluate_detail(ts, siam_evaluator_score, r->ev, r->o.seed, &res, NULL,
                                         cs, err);
    if (st == SIAM_OK) {
        *acc = res.accuracy;
        float lo = n ? cs[0] : 0, hi = lo;
        for (size_t i = 1; i < n; i++)
            lo = cs[i] < lo ? cs[i] : lo, hi = cs[i] > hi ? cs[i] : hi;
        r->val_spread = (double)hi - (double)lo;
    }
    free(cs);
    return st;
}

/* A collapsed net gives every image (nearly) the same embedding: the
 * validation scores all but tie, and a BCE loss sits at ln 2 (the head can
 * only learn the base rate). Seen with the paper's initialisation at lr
 * 0.1 (tiny: score spread 1e-5 against 5e-3 for a run that learns); more
 * training does not bring it back, so three such validations in a row stop
 * the run with advice. */
static siam_status collapse_guard(run *r, siam_error *err)
{
    double loss = r->epoch_steps ? r->epoch_loss_sum / (double)r->epoch_steps : 0;
    int tied = r->val_spread < 1e-4; /* a learning net's spread: 5e-3 after 640 pairs */
    int flat = r->o.loss != SIAM_LOSS_BCE || fabs(loss - log(2.0)) < 0.01;
    r->collapsed = tied && flat ? r->collapsed + 1 : 0;
    if (r->collapsed < 3)
        return SIAM_OK;
    if (r->log)
        fprintf(r->log, "{\"type\":\"collapse\",\"epoch\":%d,\"loss\":%.6g}\n", r->epoch, loss);
    return siam_error_set(err, SIAM_ERR_NUMERIC,
                          "training collapsed: since epoch %d every image gets the same "
                          "embedding (validation scores within 1e-4, loss %.4f%s), and more "
                          "training will not undo it; start again with a lower learning rate "
                          "(--lr %g) or --init uniform (the latest checkpoint is %s)",
                          r->epoch - 2, loss, r->o.loss == SIAM_LOSS_BCE ? " = ln 2" : "",
                          r->o.lr / 10, r->latest);
}

/* A checkpoint write with SIGINT and SIGTERM held back when the caller
 * handles them (o->stop): a second Ctrl-C then ends the process after the
 * write, not in the middle of it. */
static siam_status save(run *r, const char *path, int latest, siam_error *err)
{
    if (!r->root)
        return SIAM_OK; /* rank 0 writes for every rank */
    sigset_t hold, old;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    if (r->o.stop)
        pthread_sigmask(SIG_BLOCK, &hold, &old);
    meta m;
    meta_fill(r, &m, latest);
    const float *avg = latest && r->avg.avg ? r->avg.avg : NULL;
    siam_status st = siam_checkpoint_save_avg(path, r->m, latest ? r->opt : NULL, avg, m.kv, m.n,
                                              err);
    if (r->o.stop)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    return st;
}

static siam_status save_latest(run *r, siam_error *err) { return save(r, r->latest, 1, err); }

/* The threshold that best separates same from different on 2000 balanced
 * validation pairs, scored by the model being saved as the best. */
static siam_status verify_threshold(run *r, siam_error *err)
{
    enum { N = 2000 };
    float *s = malloc(N * sizeof *s), *y = malloc(N * sizeof *y);
    siam_status st = s && y ? siam_verification_pairs(r->ev, r->val_sub, r->o.seed + 0x7e51, N,
                                                      s, y, err)
                            : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK) {
        r->verify_thr = siam_best_threshold(s, y, N, &r->verify_acc);
        r->have_verify = 1;
    }
    free(s), free(y);
    return st;
}

static siam_status save_best(run *r, siam_error *err)
{
    if (!r->root)
        return SIAM_OK;
    siam_status st = verify_threshold(r, err);
    return st == SIAM_OK ? save(r, r->o.out, 0, err) : st;
}

/* Log records are appended line by line (a crash keeps every line before
 * it), so the log is the one output not written through a temporary file;
 * a write error ends the run, after the latest checkpoint is saved. */
static siam_status log_check(run *r, siam_error *err)
{
    if (!r->log || (fflush(r->log) == 0 && !ferror(r->log)))
        return SIAM_OK;
    int e = errno;
    siam_status st = save_latest(r, err);
    if (st != SIAM_OK)
        return st;
    return siam_error_set(err, SIAM_ERR_IO, "writing log %s: %s (the latest checkpoint %s is saved)",
                          r->o.log, e ? strerror(e) : "write error", r->latest);
}

static void print_header(run *r)
{
    FILE *p = r->o.progress;
    if (!p)
        return;
    siam_device_info info;
    siam_error e;
    if (siam_backend_device(r->be, &info, &e) == SIAM_OK)
        fprintf(p, "backend %s, device %s (%s)\n", siam_backend_name(r->be), info.name,
                info.driver);
    char notes[2048];
    siam_backend_notes(r->be, notes, sizeof notes);
    /* e.g. why the device is a CPU while a GPU driver is present */
    for (const char *line = notes, *end; *line; line = *end ? end + 1 : end) {
        end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        fprintf(p, "note: %.*s\n", (int)(end - line), line);
    }
    siam_net_print(&r->m->desc, p);
    if (r->o.dataset)
        fprintf(p, "data: %s (%s): train %zu images in %zu classes of %zu groups; validation "
                   "%zu classes, %d trials of %d-way; %zu test classes held out\n",
                r->o.dataset, r->meta_layout, r->train_sub->n_images, r->train_sub->n_classes,
                r->train_sub->n_alphabets, r->val_sub->n_classes, r->o.val_trials, r->o.val_way,
                r->split.n[SIAM_PART_TEST]);
    else
        fprintf(p, "data: train %zu images in %zu classes of %zu alphabets (drawers 1-%d); "
                   "validation %zu images, %d trials of %d-way\n",
                r->train_sub->n_images, r->train_sub->n_classes, r->train_sub->n_alphabets,
                r->o.all_drawers ? 20 : 12, r->val_sub->n_images, r->o.val_trials, r->o.val_way);
    fprintf(p, "optimiser %s, batch %d pairs, %s, %" PRId64 " pairs per epoch\n",
            r->o.optim == SIAM_OPTIM_SGD ? "sgd" : "adam", r->o.batch,
            r->set ? "fixed pair set" : "endless pair stream", epoch_size(r));
}

static siam_status setup(run *r, siam_error *err)
{
    siam_train_options *o = &r->o;
    /* Threads the backend starts (its pool, OpenBLAS's) inherit this
     * thread's signal mask: with SIGINT and SIGTERM blocked there, the
     * signals reach only this thread, which holds them back during
     * checkpoint writes (save); another thread taking the second signal
     * would end the process mid-write. */
    sigset_t hold, old;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    if (o->stop)
        pthread_sigmask(SIG_BLOCK, &hold, &old);
    siam_status st = siam_backend_open(o->backend, o->threads, &r->be, err);
    if (o->stop)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    siam_net_desc desc;
    memset(&desc, 0, sizeof desc); /* sizes below stay 0 if the preset is bad */
    siam_st_file ck = {0};
    int have_ck = 0;
    if (st == SIAM_OK && o->resume) {
        st = siam_checkpoint_open(o->resume, &ck, &desc, err);
        have_ck = st == SIAM_OK;
    } else if (st == SIAM_OK) {
        st = siam_net_preset(o->preset, &desc, err);
        if (st == SIAM_ERR_NOT_FOUND && strchr(o->preset, ':')) {
            int in = o->input ? o->input : 105;
            st = siam_net_parse(o->preset, 1, in, in, &desc, err);
        } else if (st == SIAM_OK && o->input && o->input != desc.in_h) {
            st = siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                "--input %d: the preset %s takes %dx%d images (resized to it); "
                                "give a layer list for another size",
                                o->input, o->preset, desc.in_h, desc.in_w);
        }
        desc.head_bias = o->head_bias;
    }
    /* The checkpoint's seed, drawers and validation settings first: the
     * data, samplers and trials below are made from them. */
    if (st == SIAM_OK && have_ck)
        st = resume_options(&ck, o, r, err);
    if (st == SIAM_OK)
        st = check_options(o, err);
    if (st == SIAM_OK)
        st = load_data(r, desc.in_h, desc.in_w, err);
    siam_batch_options bo;
    siam_batch_options_default(&bo, desc.in_h, desc.in_w);
    bo.distort = o->distort;
    bo.seed = o->seed;
    if (st == SIAM_OK)
        st = siam_batch_builder_create(r->train_ds, &bo, &r->builder, err);
    if (st == SIAM_OK)
        resume_streams(r);
    if (st == SIAM_OK && o->pairs > 0)
        st = make_fixed_set(r, err);
    if (st == SIAM_OK)
        st = siam_model_create(r->be, &desc, &r->m, err);
    if (st == SIAM_OK && have_ck)
        st = siam_checkpoint_load_params(&ck, r->m, err);
    else if (st == SIAM_OK)
        st = siam_model_init(r->m, o->seed, o->init, err);
    if (st == SIAM_OK) {
        siam_optim_config_uniform(&r->base, o->optim, o->lr, o->momentum, o->l2);
        if (have_ck)
            st = siam_hparams_parse(siam_st_meta(&ck, "hparams"), o->resume, r->m, &r->base, err);
        if (st == SIAM_OK && have_ck)
            st = resume_model_agrees(r, &desc, err);
        else if (st == SIAM_OK && o->config)
            st = siam_hparams_load(o->config, r->m, &r->base, err);
    }
    if (st == SIAM_OK)
        st = siam_optim_create(r->m, &r->base, &r->opt, err);
    if (st == SIAM_OK && have_ck)
        st = siam_checkpoint_load_optim(&ck, r->opt, err);
    if (st == SIAM_OK && o->ema > 0)
        st = siam_weight_avg_init(&r->avg, r->m, o->ema, EMA_EVERY, err);
    if (st == SIAM_OK && o->ema > 0 && have_ck) {
        st = siam_checkpoint_load_avg(&ck, r->m, r->avg.avg, err);
        r->avg.updates = r->ck_avg_updates;
    }
    siam_st_close(&ck);
    /* each rank trains its slice of the batch */
    siam_graph_config gc = {.max_pairs = (o->batch + r->ranks - 1) / r->ranks, .train = 1,
                            .loss = o->loss, .margin = o->margin};
    if (st == SIAM_OK)
        st = siam_graph_create(r->m, &gc, &r->g, err);
    if (st == SIAM_OK)
        st = siam_evaluator_create(r->m, r->val_ds ? r->val_ds : r->train_ds, 64,
                                   o->loss == SIAM_LOSS_BCE ? SIAM_METRIC_WL1 : SIAM_METRIC_L2,
                                   &r->ev, err);
    if (st == SIAM_OK) {
        r->pairs = malloc((size_t)o->batch * sizeof *r->pairs);
        if (r->ranks > 1)
            r->dp_host = malloc(((size_t)r->m->n_params + 4) * sizeof *r->dp_host);
        if (!r->pairs || (r->ranks > 1 && !r->dp_host))
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (st == SIAM_OK && o->log)
        st = siam_open_log(o->log, have_ck, &r->log, err);
    if (!have_ck)
        r->best_val = -1;
    r->best_raw = -1;
    return st;
}

/* ---- the loop ---- */

/* A batch drawn and staged on the graph, with the random streams as they
 * were before it was drawn. */
typedef struct drawn_batch {
    int ready;
    int n, first, count; /* pairs in the batch; this rank's slice of them */
    siam_rng rng[3];     /* any, same, distort */
} drawn_batch;

/* Draws the batch at position pos of this epoch, fills this rank's slice
 * straight into the graph's staging memory and enqueues its upload. */
static siam_status draw_batch(run *r, int64_t pos, drawn_batch *b, siam_error *err)
{
    int64_t left = epoch_size(r) - pos;
    b->ready = 0;
    b->n = (int)(left < r->o.batch ? left : r->o.batch);
    siam_dp_slice(r->o.comm, b->n, &b->first, &b->count);
    b->rng[0] = r->samp[0].rng;
    b->rng[1] = r->samp[1].rng;
    b->rng[2] = siam_batch_builder_rng(r->builder);
    float *images, *labels;
    siam_status st = next_pairs(r, pos, b->n, err);
    if (st == SIAM_OK)
        st = siam_graph_staging(r->g, &images, &labels, err);
    if (st == SIAM_OK)
        st = siam_batch_fill_part(r->builder, r->pairs, (size_t)b->n, (size_t)b->first,
                                  (size_t)b->count, images, labels, err);
    if (st == SIAM_OK && b->count > 0)
        st = siam_graph_stage(r->g, b->count, err);
    b->ready = st == SIAM_OK;
    return st;
}

/* A batch drawn ahead but never trained on (the run stops): the streams go
 * back to before it, so the checkpoint resumes with that batch. */
static void undraw_batch(run *r, drawn_batch *b)
{
    if (!b->ready)
        return;
    r->samp[0].rng = b->rng[0];
    r->samp[1].rng = b->rng[1];
    siam_batch_builder_set_rng(r->builder, b->rng[2]);
    b->ready = 0;
}

/* One progress line: on a terminal redrawn in place every step, otherwise
 * every 50 steps and at each epoch's end. `epoch` is the line's own
 * (1-based); the rate is the last measured one, else this process's
 * average so far, so the first line's time left is already an estimate. */
static void progress_line(run *r, int epoch, float loss, double pps, int last)
{
    FILE *p = r->o.progress;
    if (!p)
        return;
    int tty = isatty(fileno(p));
    if (!tty && !last && r->step % 50)
        return;
    double now = siam_now();
    double avg = r->run_pairs > 0 && now > r->t_loop ? (double)r->run_pairs / (now - r->t_loop) : 0;
    int64_t esize = epoch_size(r);
    siam_progress pr = {
        .epoch = epoch,
        .step = r->step,
        .max_steps = r->o.max_steps,
        .pairs_done = (int64_t)r->epoch * esize + r->epoch_pos,
        .pairs_total = (int64_t)r->o.epochs * esize,
        .batch = r->o.batch,
        .elapsed = r->elapsed_before + now - r->t0,
        .minutes = r->o.minutes,
        .rate = pps > 0 ? pps : avg,
        .loss = loss,
        .val = r->last_val,
    };
    char line[256];
    siam_progress_format(&pr, tty, line, sizeof line);
    fprintf(p, "%s%s%s", tty ? "\r" : "", line, tty && !last ? "\033[K" : "\n");
    fflush(p);
}

/* Every output is checked before any work (a missing folder, a read-only
 * mount, a device or an empty path would otherwise fail only at the first
 * checkpoint, minutes later), and no output may be one of the run's inputs
 * or another output. */
static siam_status check_outputs(const run *r, siam_error *err)
{
    const siam_train_options *o = &r->o;
    siam_status st = siam_output_check(o->out, err);
    if (st == SIAM_OK)
        st = siam_output_check(r->latest, err);
    if (st == SIAM_OK && o->log)
        st = siam_output_check(o->log, err);
    if (st != SIAM_OK)
        return st;
    /* A run killed mid-write leaves its temporary files; a write only sweeps
     * its own path, and the best model may never be written again. */
    siam_temp_sweep(o->out);
    siam_temp_sweep(r->latest);
    if (o->log)
        siam_temp_sweep(o->log);
    const struct {
        const char *a, *b, *what;
    } pairs[] = {
        {o->log, o->out, "--log is the model file (--out)"},
        {o->log, r->latest, "--log is the latest checkpoint"},
        {o->log, o->resume, "--log is the checkpoint being resumed"},
        {o->log, o->config, "--log is the --config file"},
        {o->out, o->resume, "--out would replace the checkpoint being resumed"},
        {o->out, o->config, "--out is the --config file"},
        {r->latest, o->config, "the latest checkpoint would replace the --config file"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i].a && pairs[i].b && siam_same_file(pairs[i].a, pairs[i].b))
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s (%s): refusing to overwrite it",
                                  pairs[i].what, pairs[i].a);
    return SIAM_OK;
}

/* The signal that stops the run: this process's, or with several ranks
 * the one some rank caught (learnt at the last step's reduction, so that
 * every rank stops after the same step). */
static int stop_asked(const run *r)
{
    if (r->ranks > 1)
        return r->dp_signal;
    return r->o.stop ? (int)*r->o.stop : 0;
}

/* Validation on rank 0, its result shared with every rank. */
static siam_status validate_shared(run *r, double *acc, siam_error *err)
{
    if (r->ranks == 1)
        return validate(r, acc, err);
    siam_status st = r->root ? validate(r, acc, err) : SIAM_OK;
    int ok = st == SIAM_OK;
    siam_status bst = siam_dp_share(r->o.comm, acc, &r->val_spread, &ok, err);
    if (st != SIAM_OK)
        return st;
    if (bst != SIAM_OK)
        return bst;
    return ok ? SIAM_OK : siam_error_set(err, SIAM_ERR_IO, "rank 0's validation failed");
}

/* Validates what the run keeps: the weights' average with --ema (the
 * weights themselves first, for the log), else the weights. A new best is
 * saved as the best model, of epoch `epoch`. */
static siam_status validate_kept(run *r, int epoch, double *acc, int *better, siam_error *err)
{
    *better = 0;
    siam_status st = SIAM_OK;
    if (r->avg.avg) {
        st = validate_shared(r, &r->raw_val, err);
        if (st == SIAM_OK && r->raw_val > r->best_raw)
            r->best_raw = r->raw_val;
        if (st == SIAM_OK)
            st = siam_weight_avg_swap_in(&r->avg, r->m, err);
    }
    if (st == SIAM_OK)
        st = validate_shared(r, acc, err);
    if (st == SIAM_OK && *acc > r->best_val) {
        *better = 1;
        r->best_val = *acc;
        r->best_epoch = epoch;
        st = save_best(r, err);
    }
    siam_status back = r->avg.avg ? siam_weight_avg_swap_out(&r->avg, r->m, err) : SIAM_OK;
    return st == SIAM_OK ? back : st;
}

/* The log record of a validation: at the end of an epoch, or of the part
 * of one a stopped run trained (partial; a resumed run logs the epoch's
 * end again). */
static void log_validation(run *r, int epoch, float loss, double acc, int partial)
{
    if (!r->log)
        return;
    fprintf(r->log,
            "{\"type\":\"epoch\",\"epoch\":%d,\"step\":%" PRId64 ",\"loss\":%.6g,"
            "\"val_accuracy\":%.6f,\"best_val_accuracy\":%.6f,\"lr\":%.6g,\"time\":%.3f",
            epoch, r->step, loss, acc, r->best_val, r->opt->cfg.group[0].lr, elapsed_now(r));
    if (r->avg.avg)
        fprintf(r->log, ",\"val_raw_accuracy\":%.6f", r->raw_val);
    fprintf(r->log, "%s}\n", partial ? ",\"partial\":true" : "");
}

siam_status siam_train(const siam_train_options *opts, siam_train_result *res, siam_error *err)
{
    if (!opts || !res)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_train: NULL argument");
    memset(res, 0, sizeof *res);
    siam_status st = check_options(opts, err);
    if (st != SIAM_OK)
        return st;
    run *r = calloc(1, sizeof *r);
    if (!r)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    r->o = *opts;
    r->t0 = siam_now();
    r->ranks = opts->comm ? opts->comm->size : 1;
    r->root = !opts->comm || opts->comm->rank == 0;
    if (!r->root) { /* rank 0 reports and writes for every rank */
        r->o.progress = NULL;
        r->o.log = NULL;
    }
    r->latest = siam_train_latest_path(opts->out);
    st = !r->latest ? siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory")
         : r->root  ? check_outputs(r, err)
                    : SIAM_OK;
    if (st == SIAM_OK)
        st = setup(r, err);
    if (st == SIAM_OK)
        print_header(r);
    const siam_train_options *o = &r->o;
    int stop = 0;
    float loss = 0;
    double t_rate = siam_now();
    r->t_loop = t_rate;
    r->last_val = -1;
    int64_t rate_pairs = 0;
    double pps = 0;
    while (st == SIAM_OK && !stop && r->epoch < o->epochs) {
        if (r->set)
            shuffle_epoch(r);
        schedule(r, 0); /* exp: the epoch's rate; cosine: set again each step */
        int64_t esize = epoch_size(r);
        /* The batch of this step, drawn during the last one (or now). */
        drawn_batch cur = {0};
        while (st == SIAM_OK && r->epoch_pos < esize) {
            if (stop_asked(r)) {
                stop = 1;
                break;
            }
            if (!cur.ready)
                st = draw_batch(r, r->epoch_pos, &cur, err);
            int n = cur.n, count = cur.count; /* this rank's slice: all of it with one rank */
            if (st == SIAM_OK && count > 0)
                st = siam_graph_forward_staged(r->g, err);
            if (st == SIAM_OK && count > 0)
                st = siam_graph_backward(r->g, err);
            /* With one rank the whole step is enqueued before the next
             * batch is drawn; ranks first sum their gradients (below). */
            if (st == SIAM_OK && r->ranks == 1) {
                if (o->schedule == SIAM_SCHEDULE_COSINE)
                    schedule(r, elapsed_now(r));
                st = siam_optim_step(r->opt, siam_graph_grad_buffer(r->g), err);
            }
            /* The next batch of this epoch is drawn and staged while the
             * device runs this step; the loss read-back then waits. */
            drawn_batch next = {0};
            if (st == SIAM_OK && r->epoch_pos + n < esize)
                st = draw_batch(r, r->epoch_pos + n, &next, err);
            if (st == SIAM_OK && count > 0)
                st = siam_graph_read_loss(r->g, &loss, err);
            if (st == SIAM_OK && count > 0 && !isfinite(loss))
                st = siam_error_set(err, SIAM_ERR_NUMERIC,
                                    "training diverged at step %" PRId64 " (loss %g); the last "
                                    "good checkpoint is %s; try a lower learning rate",
                                    r->step + 1, loss, r->latest);
            cur = next;
            siam_dp_step dps = {0};
            if (st == SIAM_OK && r->ranks > 1) {
                double el = r->root ? elapsed_now(r) : 0;
                st = siam_dp_reduce(o->comm, r->g, r->dp_host, (size_t)r->m->n_params, count, n,
                                    loss, o->stop ? (int)*o->stop : 0, el, &dps, err);
                loss = dps.loss;
                r->dp_signal = dps.signal;
            }
            if (st == SIAM_OK && r->ranks > 1) {
                if (o->schedule == SIAM_SCHEDULE_COSINE)
                    schedule(r, dps.elapsed);
                st = siam_optim_step(r->opt, siam_graph_grad_buffer(r->g), err);
            }
            if (st != SIAM_OK)
                break;
            r->epoch_pos += n;
            r->step++;
            st = siam_weight_avg_step(&r->avg, r->m, r->step, err);
            if (st != SIAM_OK)
                break;
            rate_pairs += n;
            r->run_pairs += n;
            r->epoch_loss_sum += loss;
            r->epoch_steps++;
            double t = siam_now();
            if (t - t_rate > 1.0 || rate_pairs >= 4 * o->batch) {
                pps = (double)rate_pairs / (t - t_rate);
                t_rate = t;
                rate_pairs = 0;
            }
            double elapsed = r->elapsed_before + t - r->t0;
            if (r->log)
                fprintf(r->log,
                        "{\"type\":\"step\",\"step\":%" PRId64 ",\"epoch\":%d,\"loss\":%.9g,"
                        "\"lr\":%.6g,\"pairs_per_s\":%.2f,\"time\":%.3f}\n",
                        r->step, r->epoch + 1, loss, r->opt->cfg.group[0].lr, pps, elapsed);
            progress_line(r, r->epoch + 1, loss, pps, 0);
            double clock = r->ranks > 1 ? dps.elapsed : elapsed;
            int time_up = o->minutes > 0 && clock >= o->minutes * 60;
            if (time_up || (o->max_steps > 0 && r->step >= o->max_steps)) {
                stop = 1;
                break;
            }
        }
        undraw_batch(r, &cur);
        if (st != SIAM_OK)
            break;
        if (stop_asked(r)) {
            /* Interrupted: the latest checkpoint now (the best model so far
             * is already saved), no validation: the user is waiting. */
            res->interrupted = stop_asked(r);
            st = save_latest(r, err);
            if (st == SIAM_OK && r->log)
                fprintf(r->log, "{\"type\":\"interrupted\",\"signal\":%d,\"step\":%" PRId64 "}\n",
                        res->interrupted, r->step);
            if (st == SIAM_OK)
                st = log_check(r, err);
            break;
        }
        if (stop && r->epoch_pos < esize) {
            /* Stopped mid-epoch: keep the exact state for --resume, and the
             * model if it is the best so far (validation changes no state
             * the training trajectory depends on). */
            double acc = 0;
            int better;
            st = validate_kept(r, r->epoch + 1, &acc, &better, err);
            if (st == SIAM_OK)
                log_validation(r, r->epoch + 1, loss, acc, 1);
            if (st == SIAM_OK)
                st = save_latest(r, err);
            if (st == SIAM_OK)
                st = log_check(r, err);
            if (st == SIAM_OK && o->progress)
                fprintf(o->progress, "\nstopped in epoch %d: validation one-shot accuracy %.2f%% "
                                     "(best %.2f%%)\n",
                        r->epoch + 1, 100 * acc, 100 * r->best_val);
            break;
        }
        double acc = 0;
        int better;
        st = validate_kept(r, r->epoch + 1, &acc, &better, err);
        if (st != SIAM_OK)
            break;
        r->last_val = acc;
        r->epoch++;
        r->epoch_pos = 0;
        r->since_best = better ? 0 : r->since_best + 1;
        if (st == SIAM_OK)
            st = save_latest(r, err);
        log_validation(r, r->epoch, loss, acc, 0);
        if (st == SIAM_OK)
            st = log_check(r, err);
        if (st != SIAM_OK)
            break;
        if (o->progress) {
            progress_line(r, r->epoch, loss, pps, 1);
            fprintf(o->progress, "epoch %d: validation one-shot accuracy %.2f%% (best %.2f%% at epoch %d)",
                    r->epoch, 100 * acc, 100 * r->best_val, r->best_epoch);
            if (r->avg.avg)
                fprintf(o->progress, "; the weights themselves %.2f%%", 100 * r->raw_val);
            fprintf(o->progress, "\n");
        }
        st = collapse_guard(r, err);
        r->epoch_loss_sum = 0;
        r->epoch_steps = 0;
        if (st != SIAM_OK)
            break;
        if (r->since_best >= o->patience) {
            res->stopped_early = 1;
            break;
        }
    }
    res->steps = r->step;
    res->epochs = r->epoch;
    res->best_val_accuracy = r->best_val;
    res->best_epoch = r->best_epoch;
    res->best_raw_accuracy = r->avg.avg ? r->best_raw : -1;
    res->seconds = r->elapsed_before + siam_now() - r->t0;
    res->pairs_per_second = pps;
    res->last_loss = loss;
    res->ranks = r->ranks;
    res->reduce_seconds = o->comm ? o->comm->reduce_seconds : 0;
    if (r->log) {
        int bad = fclose(r->log) != 0;
        r->log = NULL;
        if (bad && st == SIAM_OK)
            st = siam_error_set(err, SIAM_ERR_IO, "writing log %s: %s", o->log, strerror(errno));
    }
    run_free(r);
    free(r);
    return st;
}
