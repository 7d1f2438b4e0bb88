/* siamese parity: train the same steps on two backends and compare. */
#include "commands.h"

#include "base/term_text.h"

#include "data/datapath.h"
#include "train/parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_BACKENDS = 1, OPT_MODE, OPT_STEPS, OPT_PRESET, OPT_BATCH, OPT_TRIALS, OPT_SEED, OPT_THREADS,
    OPT_DATA, OPT_TOL, OPT_GRAD_NMSE, OPT_WEIGHT_NMSE, OPT_ALPHA
};

#define OPEN_UNIT CLI_OPEN_LO | CLI_OPEN_HI /* (0, 1) */

static const cli_option parity_options[] = {
    {OPT_BACKENDS, "backends", 0, CLI_TEXT, "A,B", 0, 0, CLI_REQUIRED,
     "the two backends, e.g. cpu,opencl", 0},
    {OPT_MODE, "mode", 0, CLI_CHOICE, "teacher|free|both", 0, 0, 0, "which runs (default both)", 0},
    {OPT_STEPS, "steps", 0, CLI_INT, "N", 1, 1e7, 0, "training steps (default 100)", 0},
    {OPT_PRESET, "preset", 'p', CLI_TEXT, "P", 0, 0, 0, "the net (default koch35)", 0},
    {OPT_BATCH, "batch", 0, CLI_INT, "B", 1, 4096, 0, "pairs per step (default 32)", 0},
    {OPT_TRIALS, "trials", 0, CLI_INT, "N", 0, 400, 0,
     "Lake's trials the free-running models classify\n(default 400)", 0},
    {OPT_SEED, "seed", 's', CLI_INT, "S", 0, 9007199254740991.0, 0, "weights and batches", 0},
    CLI_OPT_THREADS(OPT_THREADS),
    CLI_OPT_DATA(OPT_DATA),
    {OPT_TOL, "tol", 0, CLI_NUMBER, "T", 0, 1, OPEN_UNIT, "loss relative difference (default 1e-5)", 0},
    {OPT_GRAD_NMSE, "grad-nmse", 0, CLI_NUMBER, "G", 0, 1, OPEN_UNIT,
     "gradient NMSE per layer (default 1e-7)", 0},
    {OPT_WEIGHT_NMSE, "weight-nmse", 0, CLI_NUMBER, "W", 0, 1, OPEN_UNIT,
     "updated parameters' NMSE (default 1e-10)", 0},
    {OPT_ALPHA, "alpha", 0, CLI_NUMBER, "P", 0, 1, OPEN_UNIT,
     "McNemar's level: DIFFER when p < P (default 0.001)", 0},
};

const cli_command siam_cli_parity = CLI_OPTIONS(
    "parity", "", 0, 0,
    "Trains the same steps on backends A and B from the same weights and batches.\n\n"
    "teacher: at every step B starts from A's weights and momentum; the step's\n"
    "  loss (relative difference <= T), every parameter's gradient (NMSE per\n"
    "  layer <= G) and every updated parameter (NMSE <= W) must agree. Step 1,\n"
    "  and a step that parts, is replayed op by op with B's inputs copied from A,\n"
    "  each op held to its own parity bound; the first op beyond it is named.\n"
    "  Rounding cannot accumulate: a parting is a bug.\n"
    "free: both train on their own. Prints the divergence per step and its\n"
    "  growth per step (rounding grows about exponentially under momentum), then\n"
    "  both final models classify the same --trials of Lake's one-shot runs:\n"
    "  McNemar's exact test on the trials only one gets right, and a 95% interval\n"
    "  for the accuracy difference. DIFFER when p < P.\n\n"
    "Exits 1 when the teacher-forced run parts or the free-running models differ.\n",
    parity_options);

int siam_cmd_parity(int argc, char **argv)
{
    siam_parity_options o;
    siam_parity_options_default(&o);
    const char *backends = NULL, *data = NULL;
    static const siam_parity_mode modes[] = {SIAM_PARITY_TEACHER, SIAM_PARITY_FREE,
                                             SIAM_PARITY_BOTH};
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_parity, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        switch (id) {
        case OPT_BACKENDS: backends = v.text; break;
        case OPT_MODE: o.mode = modes[v.choice]; break;
        case OPT_STEPS: o.steps = (int)v.number; break;
        case OPT_PRESET: o.preset = v.text; break;
        case OPT_BATCH: o.batch = (int)v.number; break;
        case OPT_TRIALS: o.trials = (int)v.number; break;
        case OPT_SEED: o.seed = (uint64_t)v.number; break;
        case OPT_THREADS: o.threads = (int)v.number; break;
        case OPT_DATA: data = v.text; break;
        case OPT_TOL: o.loss_tol = v.number; break;
        case OPT_GRAD_NMSE: o.grad_nmse = v.number; break;
        case OPT_WEIGHT_NMSE: o.weight_nmse = v.number; break;
        case OPT_ALPHA: o.alpha = v.number; break;
        default: return p.exit_status;
        }
    }
    char a_name[256], b_name[256];
    const char *comma = backends ? strchr(backends, ',') : NULL;
    if (!comma || comma == backends || !comma[1] || (size_t)(comma - backends) >= sizeof a_name ||
        strlen(comma + 1) >= sizeof b_name) {
        siam_print_errorf("parity", "need --backends A,B (e.g. cpu,opencl)");
        return 2;
    }
    snprintf(a_name, sizeof a_name, "%.*s", (int)(comma - backends), backends);
    snprintf(b_name, sizeof b_name, "%s", comma + 1);
    o.backend_a = a_name;
    o.backend_b = b_name;
    char data_buf[4096];
    o.data_dir = siam_data_dir(data, data_buf, sizeof data_buf);
    siam_error derr = {0};
    if (siam_data_check(o.data_dir, "images_background", &derr) != SIAM_OK) {
        siam_print_error("parity", derr.msg);
        return 1;
    }
    o.out = stdout;
    siam_parity_result r;
    siam_error err = {0};
    if (siam_parity_run(&o, &r, &err) != SIAM_OK) {
        siam_print_error("parity", err.msg);
        return 1;
    }
    int parted = 0, differ = 0;
    if (o.mode & SIAM_PARITY_TEACHER) {
        printf("op by op from the same inputs (step 1): largest NMSE against its bound\n");
        for (int op = 0; op < SIAM_OP_COUNT; op++) {
            if (r.op_nmse[op] < 0)
                continue;
            siam_parity_bound b = siam_parity_op_bound((siam_op)op);
            printf("  %-18s %.3e  (bound %.0e; %.0e on the parity cases: %s)\n",
                   siam_op_name((siam_op)op), r.op_nmse[op], b.step_nmse, b.case_nmse, b.why);
        }
        parted = r.tf_first_bad_step > 0;
        if (parted)
            printf("PARTED at teacher-forced step %d: %s; first op beyond its own bound: %s\n",
                   r.tf_first_bad_step, r.tf_what,
                   r.first_bad_node[0] ? r.first_bad_node : "(none: every op within its bound)");
        printf("teacher-forced %s vs %s, %s, %d steps of %d pairs: largest loss difference %.3g "
               "(bound %.0e), gradient NMSE %.3g (%s; bound %.0e), updated weights NMSE %.3g "
               "(bound %.0e); %s\n",
               a_name, b_name, o.preset, r.tf_steps, o.batch, r.tf_max_loss_rel, o.loss_tol,
               r.tf_max_grad_nmse, r.tf_max_grad_param, o.grad_nmse, r.tf_max_weight_nmse,
               o.weight_nmse, parted ? "PARTED" : "AGREE");
    }
    if (o.mode & SIAM_PARITY_FREE) {
        printf("free-running %s vs %s, %s, %d steps of %d pairs: largest relative loss "
               "difference %.3g (step %d); weights %.3g apart at the end, growing x%.3f per "
               "step\n",
               a_name, b_name, o.preset, r.steps_run, o.batch, r.max_rel_loss_diff,
               r.max_diff_step, r.final_weight_rel, r.growth_per_step);
        if (r.trials > 0) {
            differ = r.differ;
            printf("final models on %d trials: %s %d right, %s %d right, predictions agree on "
                   "%.2f%%; right by one alone: %d vs %d; McNemar p = %.3g; accuracy "
                   "difference %+.2f points [%+.2f, %+.2f]; %s\n",
                   r.trials, a_name, r.correct_a, b_name, r.correct_b,
                   100 * r.prediction_agreement, r.only_a, r.only_b, r.p_value, 100 * r.diff,
                   100 * r.diff_lo, 100 * r.diff_hi, differ ? "DIFFER" : "SAME ACCURACY");
        }
    }
    return parted || differ ? 1 : 0;
}
