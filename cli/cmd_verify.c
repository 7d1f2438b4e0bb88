/* siamese verify: the probability that two images show the same character. */
#include "commands.h"

#include "term_text.h"

#include "graph.h"
#include "model_load.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int siam_cmd_verify(int argc, char **argv)
{
    const char *model = NULL, *backend = NULL, *img[2] = {NULL, NULL};
    int n_img = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: siamese verify --model MODEL [--backend NAME] A.png B.png\n\n"
                   "Prints the probability that A and B (PNG or JPEG) show the same character,\n"
                   "and says same or different at the threshold training chose on validation\n"
                   "pairs (models trained before it was stored give the probability alone; a\n"
                   "contrastive model prints the embedding distance instead).\n");
            return 0;
        }
        if (!strcmp(argv[i], "--model") || !strcmp(argv[i], "--backend")) {
            if (i + 1 >= argc) {
                siam_print_errorf("verify", "%s needs a value", argv[i]);
                return 2;
            }
            *(!strcmp(argv[i], "--model") ? &model : &backend) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-') {
            siam_print_errorf("verify", "unknown option '%s' (see siamese verify --help)", argv[i]);
            return 2;
        } else if (n_img < 2) {
            img[n_img++] = argv[i];
        } else {
            siam_print_errorf("verify", "give exactly two images");
            return 2;
        }
    }
    if (!model || n_img != 2) {
        siam_print_errorf("verify", "need --model MODEL and two images (see --help)");
        return 2;
    }
    siam_backend *be;
    siam_model *m;
    siam_metric metric;
    siam_error err = {0};
    cli_model_info info;
    if (cli_model_open_info(model, backend, 0, &be, &m, &metric, &info, &err) != SIAM_OK) {
        siam_print_error("verify", err.msg);
        return 1;
    }
    size_t pix = (size_t)(m->desc.in_h * m->desc.in_w);
    float *x = malloc(2 * pix * sizeof *x), score = 0;
    siam_graph *g = NULL;
    siam_graph_config gc = {.max_images = 2};
    siam_status st = x ? SIAM_OK : siam_error_set(&err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; st == SIAM_OK && k < 2; k++)
        st = cli_image_load(img[k], m, x + k * pix, &err);
    if (st == SIAM_OK)
        st = siam_graph_create(m, &gc, &g, &err);
    if (st == SIAM_OK)
        st = siam_graph_embed(g, x, 2, NULL, &err);
    siam_buffer *out = NULL;
    if (st == SIAM_OK)
        st = siam_backend_alloc(be, 4, &out, &err);
    if (st == SIAM_OK) {
        /* The head on the two cached embeddings, as in evaluation. */
        siam_tensor h = siam_graph_embeddings(g);
        int64_t d = m->shapes.embed_dim;
        siam_op_args a = {.op = SIAM_OP_PAIR_SCORES};
        a.t[0] = siam_tensor_2d(h.buf, h.offset, 1, d);
        a.t[1] = siam_tensor_2d(h.buf, h.offset + (size_t)d, 1, d);
        if (metric == SIAM_METRIC_WL1) {
            a.t[2] = siam_model_param(m, m->head_alpha);
            if (m->head_bias >= 0)
                a.t[3] = siam_model_param(m, m->head_bias);
        }
        a.t[4] = siam_tensor_2d(out, 0, 1, 1);
        a.p.scores.metric = metric;
        st = siam_backend_run(be, &a, &err);
        if (st == SIAM_OK)
            st = siam_tensor_download(be, &a.t[4], &score, &err);
    }
    siam_backend_free(be, out);
    siam_graph_destroy(g);
    free(x);
    cli_model_close(be, m);
    if (st != SIAM_OK) {
        siam_print_error("verify", err.msg);
        return 1;
    }
    /* The threshold training chose on validation pairs, when the model has
     * one, in the evaluator's units: a logit, or minus the
     * distance; "same" when the score is above it. */
    int have_thr = info.have_threshold;
    double thr = info.threshold, thr_acc = info.threshold_accuracy;
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
