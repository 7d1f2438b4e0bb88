/* siamese train: train a Siamese network on Omniglot's background alphabets. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/term_text.h"

#include "data/datapath.h"
#include "train/train.h"
#include "json_out.h"
#ifdef SIAM_HAVE_MPI
#include "train/comm_mpi.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    OPT_DATA = 1, OPT_DATASET, OPT_DEPTH, OPT_VAL_CLASSES, OPT_TEST_CLASSES, OPT_PRESET, OPT_INPUT,
    OPT_BACKEND, OPT_LOSS, OPT_MARGIN, OPT_OPTIMIZER, OPT_PAIRS, OPT_STREAM, OPT_EPOCH_PAIRS,
    OPT_DISTORT, OPT_NEGATIVES, OPT_ALL_DRAWERS, OPT_EPOCHS, OPT_MINUTES, OPT_STEPS, OPT_BATCH,
    OPT_SEED, OPT_THREADS, OPT_LR, OPT_MOMENTUM, OPT_L2, OPT_CONFIG, OPT_SCHEDULE, OPT_LR_DECAY, OPT_WARMUP, OPT_LR_FLOOR, OPT_EMA,
    OPT_MOMENTUM_START, OPT_MOMENTUM_SLOPE, OPT_INIT, OPT_NO_HEAD_BIAS, OPT_VAL_TRIALS,
    OPT_PATIENCE, OPT_OUT, OPT_RESUME, OPT_LOG, OPT_JSON
};

#define MOMENTUM_MAX 0.999999
#define SEED_MAX 9007199254740991.0 /* 2^53 - 1: every seed a double holds exactly */

/* The last field: the SIAM_GIVEN_* bit of an option that shapes the
 * trajectory (refused on --resume when it disagrees with the checkpoint). */
static const cli_option train_options[] = {
    CLI_OPT_DATA(OPT_DATA),
    {OPT_DATASET, "dataset", 0, CLI_TEXT, "DIR", 0, 0, 0,
     "train on your own images: one folder per class\n(see below)", 0},
    {OPT_DEPTH, "depth", 0, CLI_CHOICE, "1|2|auto", 0, 0, 0,
     "--dataset layout: class folders (1) or group/class\n(2); default auto", 0},
    {OPT_VAL_CLASSES, "val-classes", 0, CLI_NUMBER, "X", 0, 1e9, 0,
     "--dataset validation classes, a count or a fraction\n(default 0.15)", 0},
    {OPT_TEST_CLASSES, "test-classes", 0, CLI_NUMBER, "X", 0, 1e9, 0,
     "--dataset test classes, a count or a fraction\n(default 0.15)", 0},
    {OPT_PRESET, "preset", 'p', CLI_TEXT, "NET", 0, 0, 0,
     "koch105, koch35 (default), tiny, or a layer list", SIAM_GIVEN_PRESET},
    {OPT_INPUT, "input", 0, CLI_INT, "N", 8, 4096, 0, "a layer list's input size (default 105)", 0},
    CLI_OPT_BACKEND(OPT_BACKEND),
    {OPT_LOSS, "loss", 0, CLI_CHOICE, "bce|contrastive", 0, 0, 0, "the loss (default bce)",
     SIAM_GIVEN_LOSS},
    {OPT_MARGIN, "margin", 0, CLI_NUMBER, "M", 1e-9, 1e9, 0, "contrastive margin",
     SIAM_GIVEN_MARGIN},
    {OPT_OPTIMIZER, "optimizer", 0, CLI_CHOICE, "sgd|adam", 0, 0, 0, "the optimiser (default sgd)",
     SIAM_GIVEN_OPTIM},
    {OPT_PAIRS, "pairs", 0, CLI_INT, "N", 2, 1e8, 0, "a fixed set of N pairs instead of a stream",
     SIAM_GIVEN_PAIRS},
    {OPT_STREAM, "stream", 0, CLI_FLAG, NULL, 0, 0, 0, "an endless stream of pairs (default)",
     SIAM_GIVEN_PAIRS},
    {OPT_EPOCH_PAIRS, "epoch-pairs", 0, CLI_INT, "N", 1, 1e9, 0, "pairs per epoch (default 30000)",
     SIAM_GIVEN_EPOCH_PAIRS},
    {OPT_DISTORT, "distort", 0, CLI_CHOICE, "on|off|8x", 0, 0, 0,
     "affine distortions on the fly (default), none, or\n8 fixed copies", SIAM_GIVEN_DISTORT},
    {OPT_NEGATIVES, "negatives", 0, CLI_CHOICE, "any|same|half", 0, 0, 0,
     "negatives from the same alphabet: none in\nparticular, all, or half (default)",
     SIAM_GIVEN_NEGATIVES},
    {OPT_ALL_DRAWERS, "all-drawers", 0, CLI_FLAG, NULL, 0, 0, 0,
     "train on all 20 drawers, not Koch's 12", SIAM_GIVEN_ALL_DRAWERS},
    {OPT_EPOCHS, "epochs", 'e', CLI_INT, "E", 1, 1e6, 0, "at most E epochs (default 200)", 0},
    {OPT_MINUTES, "minutes", 0, CLI_NUMBER, "M", 0, 1e7, 0, "stop after M minutes", 0},
    {OPT_STEPS, "steps", 0, CLI_INT, "S", 1, 1e12, 0, "stop after S steps", 0},
    {OPT_BATCH, "batch", 0, CLI_INT, "B", 1, 65536, 0, "pairs per step (default 128)",
     SIAM_GIVEN_BATCH},
    {OPT_SEED, "seed", 's', CLI_INT, "S", 0, SEED_MAX, 0, "weights, pairs and split", SIAM_GIVEN_SEED},
    CLI_OPT_THREADS(OPT_THREADS),
    {OPT_LR, "lr", 0, CLI_NUMBER, "X", 0, 10, 0, "learning rate (default 0.1)", SIAM_GIVEN_LR},
    {OPT_MOMENTUM, "momentum", 0, CLI_NUMBER, "X", 0, MOMENTUM_MAX, 0,
     "final momentum (default 0.9)", SIAM_GIVEN_MOMENTUM},
    {OPT_L2, "l2", 0, CLI_NUMBER, "X", 0, 10, 0, "L2 weight decay (default 1e-4)", SIAM_GIVEN_L2},
    {OPT_CONFIG, "config", 0, CLI_TEXT, "FILE", 0, 0, 0,
     "per-layer learning rates, momenta and L2", SIAM_GIVEN_CONFIG},
    {OPT_SCHEDULE, "schedule", 0, CLI_CHOICE, "exp|cosine", 0, 0, 0,
     "learning rate x--lr-decay per epoch (default), or a\ncosine ending with the budget (see below)",
     SIAM_GIVEN_SCHEDULE},
    {OPT_LR_DECAY, "lr-decay", 0, CLI_NUMBER, "X", 1e-9, 1, 0,
     "exp: learning rate factor per epoch (default 0.99)", SIAM_GIVEN_LR_DECAY},
    {OPT_WARMUP, "warmup", 0, CLI_NUMBER, "X", 0, 0.99, 0,
     "cosine: warm-up share of the budget (default 0.02)", SIAM_GIVEN_WARMUP},
    {OPT_LR_FLOOR, "lr-floor", 0, CLI_NUMBER, "X", 0, 1, 0,
     "cosine: the last learning rate, a factor of --lr\n(default 0.01)", SIAM_GIVEN_LR_FLOOR},
    {OPT_EMA, "ema", 0, CLI_NUMBER, "D", 0, 0.999999, 0,
     "validate and keep a moving average of the weights,\ndecay D per step (e.g. 0.999; "
     "default 0, off)", SIAM_GIVEN_EMA},
    {OPT_MOMENTUM_START, "momentum-start", 0, CLI_NUMBER, "X", 0, MOMENTUM_MAX, 0,
     "momentum at epoch 1 (default 0.5)", SIAM_GIVEN_MOMENTUM_START},
    {OPT_MOMENTUM_SLOPE, "momentum-slope", 0, CLI_NUMBER, "X", 0, 1, 0,
     "momentum rise per epoch (default 0.4)", SIAM_GIVEN_MOMENTUM_SLOPE},
    {OPT_INIT, "init", 0, CLI_CHOICE, "uniform|paper", 0, 0, 0,
     "weight initialisation (default uniform)", SIAM_GIVEN_INIT},
    {OPT_NO_HEAD_BIAS, "no-head-bias", 0, CLI_FLAG, NULL, 0, 0, 0,
     "no bias in the weighted-L1 head", SIAM_GIVEN_HEAD_BIAS},
    {OPT_VAL_TRIALS, "val-trials", 0, CLI_INT, "N", 2, 1e6, 0,
     "validation one-shot trials per epoch", SIAM_GIVEN_VAL_TRIALS},
    {OPT_PATIENCE, "patience", 0, CLI_INT, "N", 1, 1e6, 0,
     "epochs without a better validation before stopping\n(default 20)", SIAM_GIVEN_PATIENCE},
    {OPT_OUT, "out", 'o', CLI_TEXT, "MODEL", 0, 0, CLI_REQUIRED,
     "the best model; MODEL.latest is the checkpoint", 0},
    {OPT_RESUME, "resume", 'r', CLI_TEXT, "CHECKPOINT", 0, 0, 0, "continue a run (see below)", 0},
    {OPT_LOG, "log", 0, CLI_TEXT, "FILE", 0, 0, 0, "a line per step and epoch (siamese plot)", 0},
    {OPT_JSON, "json", 0, CLI_FLAG, NULL, 0, 0, 0, "print the final summary as one JSON object", 0},
};

const cli_command siam_cli_train = CLI_OPTIONS(
    "train", "", 0, 0,
    "Trains on Koch's split (30 background alphabets, drawers 1-12) with balanced\n"
    "same/different pairs and stops early when one-shot accuracy on validation\n"
    "trials has not improved for --patience epochs. Writes the best model to MODEL\n"
    "and the latest checkpoint (for --resume) beside it as MODEL.latest.\n"
    "\n"
    "With --resume, the run continues the checkpoint's trajectory: every option\n"
    "that shapes it comes from the checkpoint, and one given that disagrees is\n"
    "refused. Options that may change on resume: --minutes, --steps, --epochs,\n"
    "--threads, --backend, --log, --data, --dataset (the same classes moved), --out.\n"
    "Ctrl-C (SIGINT) or SIGTERM: the current step ends, the latest checkpoint is\n"
    "written, and the run exits 130 (143) saying how to resume; a second signal\n"
    "exits at once, after any checkpoint write under way.\n"
    "\n"
    "--dataset DIR trains on your own images instead: one folder per class\n"
    "(PNG or JPEG, any size), optionally inside group folders (--depth 2; groups\n"
    "give harder same-group negatives). Its classes are split with --seed into\n"
    "training, validation (--val-classes, default 0.15) and test (--test-classes,\n"
    "default 0.15), counts or fractions; the split is stored in the model, and\n"
    "`siamese eval --model MODEL` scores the test classes. Every image is made\n"
    "grey and resized to the net's input: koch35 35x35, koch105 105x105, tiny 28x28;\n"
    "a layer list takes --input N (default 105).\n"
    "\n"
    "--schedule cosine fits the learning rate to the budget: a linear warm-up\n"
    "over --warmup of it, then a half cosine down to --lr-floor x --lr, reached\n"
    "exactly when --minutes, --steps or --epochs (the first to end) is spent. With\n"
    "--minutes the rate follows the clock, so a loaded machine changes the\n"
    "trajectory; --steps gives a reproducible one.\n"
    "\n"
    "Started by mpirun or srun, one run spreads over the ranks, data-parallel:\n"
    "--batch is the whole batch, rank 0 writes every output (see the README,\n"
    "\"Training on several machines\"; SIAMESE_MPI_TIMEOUT, default 300 s).\n"
    "\n"
    "Defaults: koch35, SGD lr 0.1 momentum 0.9 L2 1e-4 (per layer with --config),\n"
    "lr x0.99 per epoch, momentum from 0.5 rising 0.4 per epoch, batch 128,\n"
    "endless stream of 30000-pair epochs, distortions on the fly, half the\n"
    "negatives from the same alphabet, uniform init, 200 epochs, patience 20.\n",
    train_options);

/* The one process-wide variable: what the signal handler may touch. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND; /* the second signal takes the default action */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The run's outcome, as an exit status; with several ranks, rank 0 speaks
 * for all and the others only name themselves in an error. */
static int report(const siam_train_options *o, siam_status st, const siam_train_result *res,
                  const siam_error *err, int json, int rank)
{
    if (st != SIAM_OK) {
        /* End a live progress line first, so the error stands on its own line. */
        if (isatty(fileno(stderr)))
            fputc('\n', stderr);
        if (rank > 0)
            siam_print_errorf("train", "rank %d: %s", rank, err->msg);
        else
            siam_print_error("train", err->msg);
        return 1;
    }
    if (rank > 0)
        return res->interrupted ? 128 + res->interrupted : 0;
    if (res->interrupted) {
        char *latest = siam_train_latest_path(o->out);
        if (isatty(fileno(stderr)))
            fputc('\n', stderr);
        siam_print_errorf("train",
                          "interrupted by %s at step %lld; the latest checkpoint is %s: resume "
                          "with siamese train --resume %s --out %s",
                          res->interrupted == SIGINT ? "SIGINT" : "SIGTERM", (long long)res->steps,
                          latest ? latest : "?", latest ? latest : "?", o->out);
        free(latest);
        return 128 + res->interrupted;
    }
    if (json) {
        printf("{\"steps\":%lld,\"epochs\":%d,\"seconds\":%.3f,\"pairs_per_s\":%.2f,"
               "\"best_val_accuracy\":%.6f,\"best_epoch\":%d,\"stopped_early\":%s,\"ranks\":%d,"
               "\"reduce_s_per_step\":%.6f,\"model\":",
               (long long)res->steps, res->epochs, res->seconds, res->pairs_per_second,
               res->best_val_accuracy, res->best_epoch, res->stopped_early ? "true" : "false",
               res->ranks, res->steps ? res->reduce_seconds / (double)res->steps : 0.0);
        cli_json_string(stdout, o->out);
        printf("}\n");
        return 0;
    }
    printf("trained %lld steps over %d epochs in %.1f s (%.1f pairs/s); best validation one-shot "
           "accuracy %.2f%% at epoch %d%s; model %s\n",
           (long long)res->steps, res->epochs, res->seconds, res->pairs_per_second,
           100 * res->best_val_accuracy, res->best_epoch, res->stopped_early ? " (early stop)" : "",
           o->out);
    return 0;
}

int siam_cmd_train(int argc, char **argv)
{
    siam_train_options o;
    siam_train_options_default(&o);
    const char *data = NULL;
    int split_given = 0; /* --val-classes, --test-classes, --depth */
    int json = 0;
    static const siam_loss_kind losses[] = {SIAM_LOSS_BCE, SIAM_LOSS_CONTRASTIVE};
    static const siam_optim_kind optims[] = {SIAM_OPTIM_SGD, SIAM_OPTIM_ADAM};
    static const siam_init_scheme inits[] = {SIAM_INIT_UNIFORM, SIAM_INIT_PAPER};
    static const siam_distort_mode distorts[] = {SIAM_DISTORT_ON_THE_FLY, SIAM_DISTORT_NONE,
                                                 SIAM_DISTORT_FIXED};
    static const siam_negative_mix negmixes[] = {SIAM_NEGMIX_ANY, SIAM_NEGMIX_SAME, SIAM_NEGMIX_HALF};
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_train, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id > 0)
            o.given |= cli_current(&p)->tag;
        double x = v.number;
        switch (id) {
        case OPT_DATA: data = v.text; break;
        case OPT_DATASET: o.dataset = v.text; break;
        case OPT_DEPTH: o.dataset_depth = v.choice == 2 ? 0 : v.choice + 1; split_given = 1; break;
        case OPT_VAL_CLASSES: o.val_classes = x; split_given = 1; break;
        case OPT_TEST_CLASSES: o.test_classes = x; split_given = 1; break;
        case OPT_PRESET: o.preset = v.text; break;
        case OPT_INPUT: o.input = (int)x; break;
        case OPT_BACKEND: o.backend = v.text; break;
        case OPT_LOSS: o.loss = losses[v.choice]; break;
        case OPT_MARGIN: o.margin = (float)x; break;
        case OPT_OPTIMIZER: o.optim = optims[v.choice]; break;
        case OPT_PAIRS: o.pairs = (int)x; break;
        case OPT_STREAM: o.pairs = 0; break;
        case OPT_EPOCH_PAIRS: o.epoch_pairs = (int)x; break;
        case OPT_DISTORT: o.distort = distorts[v.choice]; break;
        case OPT_NEGATIVES: o.negatives = negmixes[v.choice]; break;
        case OPT_ALL_DRAWERS: o.all_drawers = 1; break;
        case OPT_EPOCHS: o.epochs = (int)x; break;
        case OPT_MINUTES: o.minutes = x; break;
        case OPT_STEPS: o.max_steps = (int64_t)x; break;
        case OPT_BATCH: o.batch = (int)x; break;
        case OPT_SEED: o.seed = (uint64_t)x; break;
        case OPT_THREADS: o.threads = (int)x; break;
        case OPT_LR: o.lr = (float)x; break;
        case OPT_MOMENTUM: o.momentum = (float)x; break;
        case OPT_L2: o.l2 = (float)x; break;
        case OPT_CONFIG: o.config = v.text; break;
        case OPT_SCHEDULE: o.schedule = v.choice ? SIAM_SCHEDULE_COSINE : SIAM_SCHEDULE_EXP; break;
        case OPT_LR_DECAY: o.lr_decay = (float)x; break;
        case OPT_WARMUP: o.warmup = (float)x; break;
        case OPT_LR_FLOOR: o.lr_floor = (float)x; break;
        case OPT_EMA: o.ema = (float)x; break;
        case OPT_MOMENTUM_START: o.momentum_start = (float)x; break;
        case OPT_MOMENTUM_SLOPE: o.momentum_slope = (float)x; break;
        case OPT_INIT: o.init = inits[v.choice]; break;
        case OPT_NO_HEAD_BIAS: o.head_bias = 0; break;
        case OPT_VAL_TRIALS: o.val_trials = (int)x; break;
        case OPT_PATIENCE: o.patience = (int)x; break;
        case OPT_OUT: o.out = v.text; break;
        case OPT_RESUME: o.resume = v.text; break;
        case OPT_LOG: o.log = v.text; break;
        case OPT_JSON: json = 1; break;
        default: return p.exit_status;
        }
    }
    if (!o.dataset && o.val_trials % o.val_way) { /* a usage error: caught here, exit 2 */
        siam_print_errorf("train", "--val-trials must be a multiple of the %d-way rounds, "
                        "got %d", o.val_way, o.val_trials);
        return 2;
    }
    if (o.resume && split_given) {
        siam_print_errorf("train", "--resume keeps the checkpoint's dataset split: drop "
                                   "--val-classes, --test-classes and --depth");
        return 2;
    }
    if (o.dataset && (data || o.all_drawers)) {
        siam_print_errorf("train", "--dataset trains on your own folder: drop %s",
                          data ? "--data (Omniglot's)" : "--all-drawers (Omniglot's)");
        return 2;
    }
    char data_buf[4096];
    o.data_dir = siam_data_dir(data, data_buf, sizeof data_buf);
    if (!o.data_dir && !o.dataset) {
        siam_error derr;
        siam_data_check(NULL, "images_background", &derr);
        siam_print_error("train", derr.msg);
        return 1;
    }
    o.progress = stderr;
    o.stop = &stop_signal;
    catch_stop_signals();
    siam_comm *comm = NULL;
    siam_error err = {0};
#ifdef SIAM_HAVE_MPI
    char device[64]; /* o.backend may point here for the whole run */
    if (siam_comm_mpi_launched()) {
        const char *t = getenv("SIAMESE_MPI_TIMEOUT");
        if (siam_comm_mpi_open(t ? atof(t) : 0, &comm, &err) != SIAM_OK) {
            siam_print_error("train", err.msg);
            return 1;
        }
        o.comm = comm;
        /* one GPU per rank of a node: the local rank's device on platform 0 */
        const char *env_dev = getenv("SIAMESE_OPENCL_DEVICE");
        if (comm->size > 1 && o.backend && !strcmp(o.backend, "opencl") && !(env_dev && *env_dev)) {
            snprintf(device, sizeof device, "opencl:0:%d", comm->local_rank);
            o.backend = device;
        }
    }
#endif
    siam_train_result res;
    siam_status st = siam_train(&o, &res, &err);
    int rc = report(&o, st, &res, &err, json, comm ? comm->rank : 0);
#ifdef SIAM_HAVE_MPI
    if (comm) {
        if (st != SIAM_OK && comm->size > 1)
            siam_comm_mpi_abort(comm, rc); /* the other ranks would wait for this one */
        siam_comm_mpi_close(comm);
    }
#endif
    return rc;
}
