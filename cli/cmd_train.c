/* siamese train: train a Siamese network on Omniglot's background alphabets. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/term_text.h"

#include "data/datapath.h"
#include "train/train.h"
#include "json_out.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: siamese train [--data DIR | --dataset DIR [--depth 1|2|auto] [--val-classes X]\n"
    "                     [--test-classes X]] [--preset koch105|koch35|tiny|LAYERS [--input N]]\n"
    "                     [--backend NAME[:DEVICE]]\n"
    "                     [--loss bce|contrastive] [--margin M] [--optimizer sgd|adam]\n"
    "                     [--pairs N | --stream] [--epoch-pairs N] [--distort on|off|8x]\n"
    "                     [--negatives any|same|half] [--all-drawers] [--epochs E] [--minutes M]\n"
    "                     [--steps S] [--batch B] [--seed S] [--threads T]\n"
    "                     [--lr X] [--momentum X] [--l2 X] [--config FILE] [--lr-decay X]\n"
    "                     [--momentum-start X] [--momentum-slope X] [--init uniform|paper]\n"
    "                     [--no-head-bias] [--val-trials N] [--patience N]\n"
    "                     --out MODEL [--resume CHECKPOINT] [--log FILE] [--json]\n"
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
    "Trains on Koch's split (30 background alphabets, drawers 1-12) with balanced\n"
    "same/different pairs and stops early when one-shot accuracy on validation\n"
    "trials has not improved for --patience epochs. Writes the best model to MODEL\n"
    "and the latest checkpoint (for --resume) beside it as MODEL.latest.\n"
    "--json prints the final summary as one JSON object.\n"
    "Defaults: koch35, SGD lr 0.1 momentum 0.9 L2 1e-4 (per layer with --config),\n"
    "lr x0.99 per epoch, momentum from 0.5 rising 0.4 per epoch, batch 128,\n"
    "endless stream of 30000-pair epochs, distortions on the fly, half the\n"
    "negatives from the same alphabet, uniform init, 200 epochs, patience 20.\n";

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

/* The SIAM_GIVEN_* bit of a trajectory option, 0 for the others. */
static unsigned given_bit(const char *flag)
{
    static const struct {
        const char *flag;
        unsigned bit;
    } bits[] = {
        {"--preset", SIAM_GIVEN_PRESET},       {"--loss", SIAM_GIVEN_LOSS},
        {"--margin", SIAM_GIVEN_MARGIN},       {"--optimizer", SIAM_GIVEN_OPTIM},
        {"--init", SIAM_GIVEN_INIT},           {"--lr", SIAM_GIVEN_LR},
        {"--momentum", SIAM_GIVEN_MOMENTUM},   {"--l2", SIAM_GIVEN_L2},
        {"--config", SIAM_GIVEN_CONFIG},       {"--lr-decay", SIAM_GIVEN_LR_DECAY},
        {"--momentum-start", SIAM_GIVEN_MOMENTUM_START},
        {"--momentum-slope", SIAM_GIVEN_MOMENTUM_SLOPE},
        {"--pairs", SIAM_GIVEN_PAIRS},         {"--stream", SIAM_GIVEN_PAIRS},
        {"--epoch-pairs", SIAM_GIVEN_EPOCH_PAIRS},
        {"--distort", SIAM_GIVEN_DISTORT},     {"--negatives", SIAM_GIVEN_NEGATIVES},
        {"--all-drawers", SIAM_GIVEN_ALL_DRAWERS},
        {"--batch", SIAM_GIVEN_BATCH},         {"--seed", SIAM_GIVEN_SEED},
        {"--val-trials", SIAM_GIVEN_VAL_TRIALS},
        {"--patience", SIAM_GIVEN_PATIENCE},   {"--no-head-bias", SIAM_GIVEN_HEAD_BIAS},
    };
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (!strcmp(flag, bits[i].flag))
            return bits[i].bit;
    return 0;
}

static int parse_num(const char *flag, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !(v >= lo && v <= hi)) {
        siam_print_errorf("train", "%s needs a number in [%g, %g], got '%s'", flag, lo, hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

/* A whole number: "--batch 16.7" is refused, not cut to 16. */
static int parse_int(const char *flag, const char *s, double lo, double hi, double *out)
{
    if (!parse_num(flag, s, lo, hi, out))
        return 0;
    if (*out != (double)(int64_t)*out) {
        siam_print_errorf("train", "%s needs a whole number, got '%s'", flag, s);
        return 0;
    }
    return 1;
}

int siam_cmd_train(int argc, char **argv)
{
    siam_train_options o;
    siam_train_options_default(&o);
    const char *data = NULL;
    int split_given = 0; /* --val-classes, --test-classes, --depth */
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        o.given |= given_bit(a);
        int flag_only = !strcmp(a, "--stream") || !strcmp(a, "--all-drawers") ||
                        !strcmp(a, "--no-head-bias") || !strcmp(a, "--json");
        if (flag_only) {
            if (!strcmp(a, "--json"))
                json = 1;
            else if (!strcmp(a, "--stream"))
                o.pairs = 0;
            else if (!strcmp(a, "--all-drawers"))
                o.all_drawers = 1;
            else
                o.head_bias = 0;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            siam_print_errorf("train", "%s '%s' (see siamese train --help)",
                    strncmp(a, "--", 2) ? "unexpected argument" : "missing value for", a);
            return 2;
        }
        const char *v = argv[++i];
        double x;
        if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--dataset")) o.dataset = v;
        else if (!strcmp(a, "--depth")) {
            split_given = 1;
            if (!strcmp(v, "auto")) o.dataset_depth = 0;
            else if (!strcmp(v, "1") || !strcmp(v, "2")) o.dataset_depth = v[0] - '0';
            else { siam_print_errorf("train", "--depth is 1, 2 or auto, not '%s'", v); return 2; }
        }
        else if (!strcmp(a, "--input")) { if (!parse_int(a, v, 8, 4096, &x)) return 2; o.input = (int)x; }
        else if (!strcmp(a, "--val-classes")) { if (!parse_num(a, v, 0, 1e9, &x)) return 2; o.val_classes = x; split_given = 1; }
        else if (!strcmp(a, "--test-classes")) { if (!parse_num(a, v, 0, 1e9, &x)) return 2; o.test_classes = x; split_given = 1; }
        else if (!strcmp(a, "--preset")) o.preset = v;
        else if (!strcmp(a, "--backend")) o.backend = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--resume")) o.resume = v;
        else if (!strcmp(a, "--log")) o.log = v;
        else if (!strcmp(a, "--config")) o.config = v;
        else if (!strcmp(a, "--loss")) {
            if (!strcmp(v, "bce")) o.loss = SIAM_LOSS_BCE;
            else if (!strcmp(v, "contrastive")) o.loss = SIAM_LOSS_CONTRASTIVE;
            else { siam_print_errorf("train", "--loss is bce or contrastive, not '%s'", v); return 2; }
        } else if (!strcmp(a, "--optimizer")) {
            if (!strcmp(v, "sgd")) o.optim = SIAM_OPTIM_SGD;
            else if (!strcmp(v, "adam")) o.optim = SIAM_OPTIM_ADAM;
            else { siam_print_errorf("train", "--optimizer is sgd or adam, not '%s'", v); return 2; }
        } else if (!strcmp(a, "--init")) {
            if (!strcmp(v, "uniform")) o.init = SIAM_INIT_UNIFORM;
            else if (!strcmp(v, "paper")) o.init = SIAM_INIT_PAPER;
            else { siam_print_errorf("train", "--init is uniform or paper, not '%s'", v); return 2; }
        } else if (!strcmp(a, "--distort")) {
            if (!strcmp(v, "on")) o.distort = SIAM_DISTORT_ON_THE_FLY;
            else if (!strcmp(v, "off")) o.distort = SIAM_DISTORT_NONE;
            else if (!strcmp(v, "8x")) o.distort = SIAM_DISTORT_FIXED;
            else { siam_print_errorf("train", "--distort is on, off or 8x, not '%s'", v); return 2; }
        } else if (!strcmp(a, "--negatives")) {
            if (!strcmp(v, "any")) o.negatives = SIAM_NEGMIX_ANY;
            else if (!strcmp(v, "same")) o.negatives = SIAM_NEGMIX_SAME;
            else if (!strcmp(v, "half")) o.negatives = SIAM_NEGMIX_HALF;
            else { siam_print_errorf("train", "--negatives is any, same or half, not '%s'", v); return 2; }
        } else if (!strcmp(a, "--margin")) { if (!parse_num(a, v, 1e-9, 1e9, &x)) return 2; o.margin = (float)x; }
        else if (!strcmp(a, "--pairs")) { if (!parse_int(a, v, 2, 1e8, &x)) return 2; o.pairs = (int)x; }
        else if (!strcmp(a, "--epoch-pairs")) { if (!parse_int(a, v, 1, 1e9, &x)) return 2; o.epoch_pairs = (int)x; }
        else if (!strcmp(a, "--epochs")) { if (!parse_int(a, v, 1, 1e6, &x)) return 2; o.epochs = (int)x; }
        else if (!strcmp(a, "--minutes")) { if (!parse_num(a, v, 0, 1e7, &x)) return 2; o.minutes = x; }
        else if (!strcmp(a, "--steps")) { if (!parse_int(a, v, 1, 1e12, &x)) return 2; o.max_steps = (int64_t)x; }
        else if (!strcmp(a, "--batch")) { if (!parse_int(a, v, 1, 65536, &x)) return 2; o.batch = (int)x; }
        else if (!strcmp(a, "--seed")) { if (!parse_int(a, v, 0, 9007199254740991.0, &x)) return 2; o.seed = (uint64_t)x; }
        else if (!strcmp(a, "--threads")) { if (!parse_int(a, v, 0, 1024, &x)) return 2; o.threads = (int)x; }
        else if (!strcmp(a, "--lr")) { if (!parse_num(a, v, 0, 10, &x)) return 2; o.lr = (float)x; }
        else if (!strcmp(a, "--momentum")) { if (!parse_num(a, v, 0, 0.999999, &x)) return 2; o.momentum = (float)x; }
        else if (!strcmp(a, "--l2")) { if (!parse_num(a, v, 0, 10, &x)) return 2; o.l2 = (float)x; }
        else if (!strcmp(a, "--lr-decay")) { if (!parse_num(a, v, 1e-9, 1, &x)) return 2; o.lr_decay = (float)x; }
        else if (!strcmp(a, "--momentum-start")) { if (!parse_num(a, v, 0, 0.999999, &x)) return 2; o.momentum_start = (float)x; }
        else if (!strcmp(a, "--momentum-slope")) { if (!parse_num(a, v, 0, 1, &x)) return 2; o.momentum_slope = (float)x; }
        else if (!strcmp(a, "--val-trials")) { if (!parse_int(a, v, 2, 1e6, &x)) return 2; o.val_trials = (int)x; }
        else if (!strcmp(a, "--patience")) { if (!parse_int(a, v, 1, 1e6, &x)) return 2; o.patience = (int)x; }
        else {
            siam_print_errorf("train", "unknown option '%s' (see siamese train --help)", a);
            return 2;
        }
    }
    if (!o.out) {
        siam_print_errorf("train", "--out MODEL is required (see siamese train --help)");
        return 2;
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
    siam_train_result res;
    siam_error err = {0};
    siam_status st = siam_train(&o, &res, &err);
    if (st != SIAM_OK) {
        /* End a live progress line first, so the error stands on its own line. */
        if (isatty(fileno(stderr)))
            fputc('\n', stderr);
        siam_print_error("train", err.msg);
        return 1;
    }
    if (res.interrupted) {
        char *latest = siam_train_latest_path(o.out);
        if (isatty(fileno(stderr)))
            fputc('\n', stderr);
        siam_print_errorf("train",
                          "interrupted by %s at step %lld; the latest checkpoint is %s: resume "
                          "with siamese train --resume %s --out %s",
                          res.interrupted == SIGINT ? "SIGINT" : "SIGTERM", (long long)res.steps,
                          latest ? latest : "?", latest ? latest : "?", o.out);
        free(latest);
        return 128 + res.interrupted;
    }
    if (json) {
        printf("{\"steps\":%lld,\"epochs\":%d,\"seconds\":%.3f,\"pairs_per_s\":%.2f,"
               "\"best_val_accuracy\":%.6f,\"best_epoch\":%d,\"stopped_early\":%s,\"model\":",
               (long long)res.steps, res.epochs, res.seconds, res.pairs_per_second,
               res.best_val_accuracy, res.best_epoch, res.stopped_early ? "true" : "false");
        cli_json_string(stdout, o.out);
        printf("}\n");
        return 0;
    }
    printf("trained %lld steps over %d epochs in %.1f s (%.1f pairs/s); best validation one-shot "
           "accuracy %.2f%% at epoch %d%s; model %s\n",
           (long long)res.steps, res.epochs, res.seconds, res.pairs_per_second,
           100 * res.best_val_accuracy, res.best_epoch, res.stopped_early ? " (early stop)" : "",
           o.out);
    return 0;
}
