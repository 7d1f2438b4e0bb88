/* siamese: the training driver, one code path for every backend.
 *
 * Trains a Siamese net on Koch's training split of Omniglot (or all 20
 * drawers), or on the training classes of any class-folder dataset, with balanced same/different pairs, Koch's affine distortions,
 * per-layer SGD (learning rate x lr_decay per epoch, or a cosine fitted to
 * the budget: lr_schedule.h; momentum rising
 * linearly from momentum_start to each layer's value) or Adam, and early
 * stopping on one-shot accuracy over val_trials validation trials. Writes
 * the best model to `out` and the latest checkpoint, with the optimiser and
 * sampling state, beside it; both atomically. A run resumed from the latest
 * checkpoint continues exactly: the same steps give the same losses.
 */
#ifndef SIAMESE_CORE_TRAIN_H
#define SIAMESE_CORE_TRAIN_H

#include "data/batch.h"
#include "engine/graph.h"
#include "engine/optim.h"
#include "train/lr_schedule.h"

#include <signal.h>
#include <stdio.h>

typedef enum siam_negative_mix {
    SIAM_NEGMIX_ANY = 0,    /* different pairs from any alphabet */
    SIAM_NEGMIX_SAME = 1,   /* from the same alphabet (harder) */
    SIAM_NEGMIX_HALF = 2    /* half and half */
} siam_negative_mix;

typedef struct siam_train_options {
    const char *data_dir;      /* Omniglot root (images_background/, images_evaluation/) */
    /* Instead of Omniglot: a dataset of class folders (nested in groups or
     * not), its classes split with the seed into train, validation and
     * test (class_split.h); NULL = Omniglot. */
    const char *dataset;
    int dataset_depth;         /* 0 auto, 1 class folders, 2 groups of class folders */
    double val_classes, test_classes; /* counts, or fractions below 1 */
    const char *preset;        /* koch105, koch35, tiny, or a layer list */
    int input;                 /* a layer list's square input size; 0 = 105 */
    const char *backend;       /* "cpu", "opencl:pocl", ... */
    int threads;
    int head_bias;
    siam_loss_kind loss;
    float margin;
    siam_optim_kind optim;
    siam_init_scheme init;
    float lr, momentum, l2;    /* every group, before the config file */
    const char *config;        /* per-layer file (hparams.h) or NULL */
    siam_lr_schedule_kind schedule; /* lr_schedule.h */
    float lr_decay;            /* per epoch (exp) */
    float warmup, lr_floor;    /* cosine: share of the budget, last factor */
    /* Per-step decay of a moving average of the weights (weight_avg.h),
     * which is then what validation scores and the best model keeps;
     * 0 = none: the weights as they are. */
    float ema;
    float momentum_start, momentum_slope; /* slope per epoch */
    int pairs;                 /* fixed set size, or 0 for an endless stream */
    int epoch_pairs;           /* pairs per epoch when streaming */
    siam_distort_mode distort;
    siam_negative_mix negatives;
    int all_drawers;
    int epochs;
    double minutes;            /* 0 = no time limit */
    int64_t max_steps;         /* 0 = no limit (tests stop mid-epoch with it) */
    int batch;                 /* pairs per step */
    uint64_t seed;
    int val_trials, val_way, patience;
    const char *out;           /* best model; the latest checkpoint goes beside it */
    const char *resume;        /* a latest checkpoint, or NULL */
    const char *log;           /* JSON lines, or NULL */
    FILE *progress;            /* human-readable progress, or NULL */
    /* Set (to a signal number) by the caller's SIGINT/SIGTERM handler, or
     * NULL: the run then stops after the current step, writes the latest
     * checkpoint and returns with res->interrupted set. Checkpoint writes
     * hold SIGINT and SIGTERM back, so a second signal ends the process
     * only between writes, never leaving half a file. */
    const volatile sig_atomic_t *stop;
    /* The trajectory options the user gave (SIAM_GIVEN_*): with --resume
     * each must match the checkpoint, else the run is refused naming it. */
    unsigned given;
    /* The ranks of a data-parallel run (comm.h), or NULL for one process.
     * --batch is the whole batch, split across the ranks; rank 0 alone
     * validates and writes the model, the checkpoint, the log and the
     * progress. */
    struct siam_comm *comm;
} siam_train_options;

enum {
    SIAM_GIVEN_PRESET = 1u << 0,
    SIAM_GIVEN_LOSS = 1u << 1,
    SIAM_GIVEN_MARGIN = 1u << 2,
    SIAM_GIVEN_OPTIM = 1u << 3,
    SIAM_GIVEN_INIT = 1u << 4,
    SIAM_GIVEN_LR = 1u << 5,
    SIAM_GIVEN_MOMENTUM = 1u << 6,
    SIAM_GIVEN_L2 = 1u << 7,
    SIAM_GIVEN_CONFIG = 1u << 8,
    SIAM_GIVEN_LR_DECAY = 1u << 9,
    SIAM_GIVEN_MOMENTUM_START = 1u << 10,
    SIAM_GIVEN_MOMENTUM_SLOPE = 1u << 11,
    SIAM_GIVEN_PAIRS = 1u << 12,
    SIAM_GIVEN_EPOCH_PAIRS = 1u << 13,
    SIAM_GIVEN_DISTORT = 1u << 14,
    SIAM_GIVEN_NEGATIVES = 1u << 15,
    SIAM_GIVEN_ALL_DRAWERS = 1u << 16,
    SIAM_GIVEN_BATCH = 1u << 17,
    SIAM_GIVEN_SEED = 1u << 18,
    SIAM_GIVEN_VAL_TRIALS = 1u << 19,
    SIAM_GIVEN_PATIENCE = 1u << 20,
    SIAM_GIVEN_HEAD_BIAS = 1u << 21,
    SIAM_GIVEN_SCHEDULE = 1u << 22,
    SIAM_GIVEN_WARMUP = 1u << 23,
    SIAM_GIVEN_LR_FLOOR = 1u << 24,
    SIAM_GIVEN_EMA = 1u << 25
};

typedef struct siam_train_result {
    int64_t steps;
    int epochs;
    double best_val_accuracy;
    int best_epoch;
    double best_raw_accuracy;  /* with --ema: the best of the weights themselves */
    double seconds;
    double pairs_per_second;
    float last_loss;
    int stopped_early;
    int interrupted;           /* the signal that stopped the run, or 0 */
    int ranks;                 /* processes the run was spread over */
    double reduce_seconds;     /* spent summing gradients across them */
} siam_train_result;

/* The defaults (see README): koch35, SGD lr 0.1 momentum 0.9 L2 1e-4,
 * uniform init, batch 128, endless stream of 30,000-pair epochs, on-the-fly
 * distortions, half the negatives from the same alphabet. */
void siam_train_options_default(siam_train_options *o);
/* The latest-checkpoint path for a model path ("m.safetensors" ->
 * "m.latest.safetensors"), malloc'd; NULL when out of memory. */
char *siam_train_latest_path(const char *out);
siam_status siam_train(const siam_train_options *o, siam_train_result *res, siam_error *err);

#endif
