/* siamese parity: train the same steps on two backends and compare. */
#include "commands.h"

#include "base/term_text.h"

#include "data/datapath.h"
#include "engine/op_parity.h"
#include "train/parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("usage: siamese parity --backends A,B [--mode teacher|free|both] [--steps N]\n"
           "                      [--preset P] [--batch B] [--trials N] [--seed S]\n"
           "                      [--threads T] [--data DIR] [--tol T] [--grad-nmse G]\n"
           "                      [--weight-nmse W] [--alpha P]\n\n"
           "Trains the same steps on backends A and B from the same weights and batches.\n\n"
           "teacher: at every step B starts from A's weights and momentum; the step's\n"
           "  loss (relative difference <= T, default 1e-5), every parameter's gradient\n"
           "  (NMSE per layer <= G, default 1e-7) and every updated parameter (NMSE <= W, default\n"
           "  1e-10) must agree. Step 1, and a step that parts, is replayed op by op with\n"
           "  B's inputs copied from A, each op held to its own parity bound; the first\n"
           "  op beyond it is named. Rounding cannot accumulate: a parting is a bug.\n"
           "free: both train on their own. Prints the divergence per step and its\n"
           "  growth per step (rounding grows about exponentially under momentum), then\n"
           "  both final models classify the same --trials of Lake's one-shot runs:\n"
           "  McNemar's exact test on the trials only one gets right, and a 95%% interval\n"
           "  for the accuracy difference. DIFFER when p < P (default 0.001).\n\n"
           "Exits 1 when the teacher-forced run parts or the free-running models differ.\n"
           "Defaults: both modes, koch35, 100 steps, batch 32, 400 trials.\n");
}

int siam_cmd_parity(int argc, char **argv)
{
    siam_parity_options o;
    siam_parity_options_default(&o);
    const char *backends = NULL, *data = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            siam_print_errorf("parity", "unexpected argument '%s' (see siamese parity --help)", a);
            return 2;
        }
        const char *v = argv[++i];
        char *end = NULL;
        double x = strtod(v, &end);
        int num_ok = end && end != v && *end == '\0';
        int whole = num_ok && x == (double)(long long)x;
        if (!strcmp(a, "--backends")) backends = v;
        else if (!strcmp(a, "--preset")) o.preset = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--mode") && !strcmp(v, "teacher")) o.mode = SIAM_PARITY_TEACHER;
        else if (!strcmp(a, "--mode") && !strcmp(v, "free")) o.mode = SIAM_PARITY_FREE;
        else if (!strcmp(a, "--mode") && !strcmp(v, "both")) o.mode = SIAM_PARITY_BOTH;
        else if (whole && !strcmp(a, "--steps") && x >= 1 && x <= 1e7) o.steps = (int)x;
        else if (whole && !strcmp(a, "--batch") && x >= 1 && x <= 4096) o.batch = (int)x;
        else if (num_ok && !strcmp(a, "--tol") && x > 0 && x < 1) o.loss_tol = x;
        else if (num_ok && !strcmp(a, "--grad-nmse") && x > 0 && x < 1) o.grad_nmse = x;
        else if (num_ok && !strcmp(a, "--weight-nmse") && x > 0 && x < 1) o.weight_nmse = x;
        else if (num_ok && !strcmp(a, "--alpha") && x > 0 && x < 1) o.alpha = x;
        else if (whole && !strcmp(a, "--trials") && x >= 0 && x <= 400) o.trials = (int)x;
        else if (whole && !strcmp(a, "--seed") && x >= 0) o.seed = (uint64_t)x;
        else if (whole && !strcmp(a, "--threads") && x >= 0 && x <= 1024) o.threads = (int)x;
        else {
            siam_print_errorf("parity", "bad option %s %s (see siamese parity --help)", a, v);
            return 2;
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
            const char *why = NULL;
            double cases = siam_op_parity_nmse((siam_op)op, &why);
            printf("  %-18s %.3e  (bound %.0e; %.0e on the parity cases: %s)\n",
                   siam_op_name((siam_op)op), r.op_nmse[op], siam_op_parity_step_nmse((siam_op)op),
                   cases, why);
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
