/* siamese parity: train the same steps on two backends and compare. */
#include "commands.h"

#include "data/datapath.h"
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int siam_cmd_parity(int argc, char **argv)
{
    siam_parity_options o;
    siam_parity_options_default(&o);
    const char *backends = NULL, *data = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: siamese parity --backends A,B [--steps N] [--preset P] [--batch B]\n"
                   "                      [--tol T] [--trials N] [--seed S] [--threads T] [--data DIR]\n\n"
                   "Trains the same steps on backends A and B from the same weights and\n"
                   "batches, comparing the losses after every step (relative tolerance\n"
                   "T*(1+step/10), default T = 1e-4). Prints the first step and op where they\n"
                   "part beyond tolerance and exits 1 if they do; then compares the two\n"
                   "models' predictions on Lake's one-shot trials. The last line sums up the\n"
                   "largest deviations. Defaults: koch35, 100 steps, batch 32.\n");
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            fprintf(stderr, "siamese parity: unexpected argument '%s' (see siamese parity --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        char *end = NULL;
        double x = strtod(v, &end);
        int num_ok = end && end != v && *end == '\0';
        if (!strcmp(a, "--backends")) backends = v;
        else if (!strcmp(a, "--preset")) o.preset = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (num_ok && !strcmp(a, "--steps") && x >= 1 && x <= 1e7) o.steps = (int)x;
        else if (num_ok && !strcmp(a, "--batch") && x >= 1 && x <= 4096) o.batch = (int)x;
        else if (num_ok && !strcmp(a, "--tol") && x > 0 && x < 1) o.tol = x;
        else if (num_ok && !strcmp(a, "--trials") && x >= 0 && x <= 400) o.trials = (int)x;
        else if (num_ok && !strcmp(a, "--seed") && x >= 0) o.seed = (uint64_t)x;
        else if (num_ok && !strcmp(a, "--threads") && x >= 0 && x <= 1024) o.threads = (int)x;
        else {
            fprintf(stderr, "siamese parity: bad option %s %s (see siamese parity --help)\n", a, v);
            return 2;
        }
    }
    char a_name[256], b_name[256];
    const char *comma = backends ? strchr(backends, ',') : NULL;
    if (!comma || comma == backends || !comma[1] || (size_t)(comma - backends) >= sizeof a_name ||
        strlen(comma + 1) >= sizeof b_name) {
        fprintf(stderr, "siamese parity: need --backends A,B (e.g. cpu,opencl)\n");
        return 2;
    }
    snprintf(a_name, sizeof a_name, "%.*s", (int)(comma - backends), backends);
    snprintf(b_name, sizeof b_name, "%s", comma + 1);
    o.backend_a = a_name;
    o.backend_b = b_name;
    o.data_dir = siam_data_dir(data);
    o.out = stdout;
    siam_parity_result r;
    siam_error err = {0};
    if (siam_parity_run(&o, &r, &err) != SIAM_OK) {
        fprintf(stderr, "siamese parity: %s\n", err.msg);
        return 1;
    }
    if (r.first_bad_step)
        printf("PARTED at step %d beyond tolerance %.3g; first differing op: %s\n",
               r.first_bad_step, o.tol * (1.0 + r.first_bad_step / 10.0), r.first_bad_node);
    printf("parity %s vs %s, %s, %d steps of %d pairs: largest relative loss difference %.3g "
           "(step %d); one-shot predictions agree on %.2f%% of %d trials; %s\n",
           a_name, b_name, o.preset, r.steps_run, o.batch, r.max_rel_loss_diff, r.max_diff_step,
           100 * r.prediction_agreement, r.trials, r.first_bad_step ? "PARTED" : "AGREE");
    return r.first_bad_step ? 1 : 0;
}
