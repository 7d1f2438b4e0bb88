/* siamese verify: the probability that two images show the same character. */
#include "commands.h"

#include "base/term_text.h"

#include "image_warn.h"
#include "json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_MODEL = 1, OPT_BACKEND, OPT_JSON };

static const cli_option verify_options[] = {
    CLI_OPT_MODEL(OPT_MODEL, CLI_REQUIRED),
    CLI_OPT_BACKEND(OPT_BACKEND),
    {OPT_JSON, "json", 0, CLI_FLAG, NULL, 0, 0, 0,
     "one JSON object: probability (or distance),\nscore, same, threshold", 0},
};

const cli_command siam_cli_verify = CLI_OPTIONS(
    "verify", "A B", 2, 2,
    "Prints the probability that A and B (PNG or JPEG) show the same character,\n"
    "and says same or different at the threshold training chose on validation\n"
    "pairs (models trained before it was stored give the probability alone; a\n"
    "contrastive model prints the embedding distance instead).\n",
    verify_options);

int siam_cmd_verify(int argc, char **argv)
{
    const char *model = NULL, *backend = NULL, *img[2] = {NULL, NULL};
    int json = 0;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_verify, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        if (id == OPT_MODEL)
            model = v.text;
        else if (id == OPT_BACKEND)
            backend = v.text;
        else
            json = 1;
    }
    img[0] = p.operands[0];
    img[1] = p.operands[1];
    siam_error err = {0};
    siam_session *s = NULL;
    siam_session_options so = {.backend = backend, .batch = 2};
    if (siam_session_open(model, &so, &s, &err) != SIAM_OK) {
        siam_print_error("verify", err.msg);
        return 1;
    }
    int d = siam_session_dim(s);
    float *emb = malloc(2 * (size_t)d * sizeof *emb), score = 0;
    const char *pair[2] = {img[0], img[1]};
    siam_status st = emb ? SIAM_OK : siam_error_set(&err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_session_embed_files(s, pair, 2, emb, NULL, 0, cli_warn_squashed, NULL, &err);
    if (st == SIAM_OK) /* the head on the two embeddings, as in evaluation */
        st = siam_session_score(s, emb, 1, emb + d, 1, &score, &err);
    siam_metric metric = s->metric;
    int have_thr = s->have_threshold;
    double thr = s->threshold, thr_acc = s->threshold_accuracy;
    free(emb);
    siam_session_close(s);
    if (st != SIAM_OK) {
        siam_print_error("verify", err.msg);
        return 1;
    }
    if (json) { /* score: the session's, higher = more alike */
        double p = metric == SIAM_METRIC_WL1 ? 1.0 / (1.0 + exp(-(double)score)) : NAN;
        printf("{\"score\":");
        cli_json_number(stdout, score);
        printf(",\"probability\":");
        cli_json_number(stdout, p);
        printf(",\"distance\":");
        cli_json_number(stdout, metric == SIAM_METRIC_L2 ? -(double)score : NAN);
        printf(",\"same\":%s,\"threshold\":",
               !have_thr ? "null" : (double)score > thr ? "true" : "false");
        cli_json_number(stdout, have_thr ? thr : NAN);
        printf(",\"threshold_accuracy\":");
        cli_json_number(stdout, have_thr ? thr_acc : NAN);
        printf("}\n");
        return 0;
    }
    if (metric == SIAM_METRIC_L2)
        score = -score; /* the session scores minus the distance */
    /* The threshold training chose on validation pairs, when the model has
     * one, in the evaluator's units: a logit, or minus the
     * distance; "same" when the score is above it. */
    if (metric == SIAM_METRIC_WL1 && have_thr)
        printf("p(same) = %.4f: %s (threshold %.4f, %.1f%% right on validation pairs)\n",
               1.0 / (1.0 + exp(-(double)score)), (double)score > thr ? "same" : "different",
               1.0 / (1.0 + exp(-thr)), 100 * thr_acc);
    else if (metric == SIAM_METRIC_WL1)
        printf("p(same) = %.4f\n", 1.0 / (1.0 + exp(-(double)score)));
    else if (have_thr)
        printf("distance = %.4f: %s (threshold %.4f, %.1f%% right on validation pairs)\n", score,
               -(double)score > thr ? "same" : "different", -thr, 100 * thr_acc);
    else
        printf("distance = %.4f (contrastive model: smaller = more alike)\n", score);
    return 0;
}
