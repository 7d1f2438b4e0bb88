/* siamese classify: one-shot classification of query images against a
 * support folder, with a trained model. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "term_text.h"

#include "graph.h"
#include "model_load.h"
#include "support_folder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Embeds n images (paths) into dst rows of `emb` (device, (cap, D)). */
static siam_status embed_files(siam_model *m, siam_graph *g, int batch, char **paths, int n,
                               siam_buffer *emb, siam_error *err)
{
    size_t pix = (size_t)(m->desc.in_h * m->desc.in_w);
    int64_t d = m->shapes.embed_dim;
    float *x = malloc((size_t)batch * pix * sizeof *x);
    siam_status st = x ? SIAM_OK : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; st == SIAM_OK && i < n; i += batch) {
        int k = n - i < batch ? n - i : batch;
        for (int j = 0; st == SIAM_OK && j < k; j++)
            st = cli_image_load(paths[i + j], m, x + (size_t)j * pix, err);
        if (st == SIAM_OK)
            st = siam_graph_embed(g, x, k, NULL, err);
        if (st == SIAM_OK) {
            siam_tensor src = siam_graph_embeddings(g);
            src.shape[0] = k;
            siam_tensor dst = siam_tensor_2d(emb, (size_t)i * (size_t)d, k, d);
            st = siam_tensor_copy(m->be, &dst, &src, err);
        }
    }
    free(x);
    return st;
}

int siam_cmd_classify(int argc, char **argv)
{
    const char *model = NULL, *backend = NULL, *dir = NULL;
    char **queries = calloc((size_t)argc, sizeof *queries);
    int nq = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: siamese classify --model MODEL --support DIR [--backend NAME] QUERY.png...\n\n"
                   "For each query, the support class with the highest score and the top 5.\n"
                   "DIR holds one folder per class (DIR/<class>/*.png, one or more images)\n"
                   "or one file per class (DIR/<class>.png). A class scores its best image.\n");
            free(queries);
            return 0;
        }
        if ((!strcmp(argv[i], "--model") || !strcmp(argv[i], "--backend") ||
             !strcmp(argv[i], "--support")) && i + 1 < argc) {
            const char **dst = !strcmp(argv[i], "--model") ? &model : !strcmp(argv[i], "--backend") ? &backend : &dir;
            *dst = argv[++i];
        } else if (argv[i][0] == '-') {
            siam_print_errorf("classify", "unknown option '%s' (see siamese classify --help)", argv[i]);
            free(queries);
            return 2;
        } else {
            queries[nq++] = argv[i];
        }
    }
    if (!model || !dir || nq == 0) {
        siam_print_errorf("classify", "need --model MODEL, --support DIR and query images");
        free(queries);
        return 2;
    }
    siam_error err = {0};
    cli_support s;
    siam_backend *be = NULL;
    siam_model *m = NULL;
    siam_metric metric;
    siam_graph *g = NULL;
    siam_buffer *semb = NULL, *qemb = NULL, *out = NULL;
    float *scores = NULL, *best = NULL;
    const int batch = 64;
    siam_status st = cli_support_read(dir, &s, &err);
    if (st == SIAM_OK)
        st = cli_model_open(model, backend, 0, &be, &m, &metric, &err);
    int64_t d = m ? m->shapes.embed_dim : 0;
    siam_graph_config gc = {.max_images = batch};
    if (st == SIAM_OK)
        st = siam_graph_create(m, &gc, &g, &err);
    if (st == SIAM_OK)
        st = siam_backend_alloc(be, (size_t)s.n * (size_t)d * 4, &semb, &err);
    if (st == SIAM_OK)
        st = siam_backend_alloc(be, (size_t)nq * (size_t)d * 4, &qemb, &err);
    if (st == SIAM_OK)
        st = siam_backend_alloc(be, (size_t)s.n * 4, &out, &err);
    if (st == SIAM_OK)
        st = embed_files(m, g, batch, s.path, s.n, semb, &err);
    if (st == SIAM_OK)
        st = embed_files(m, g, batch, queries, nq, qemb, &err);
    scores = malloc((size_t)s.n * sizeof *scores);
    best = malloc((size_t)s.n_classes * sizeof *best);
    if (st == SIAM_OK && (!scores || !best))
        st = siam_error_set(&err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (int q = 0; st == SIAM_OK && q < nq; q++) {
        /* One batched head call: this query against every support image. */
        siam_op_args a = {.op = SIAM_OP_PAIR_SCORES};
        a.t[0] = siam_tensor_2d(qemb, (size_t)q * (size_t)d, 1, d);
        a.t[1] = siam_tensor_2d(semb, 0, s.n, d);
        if (metric == SIAM_METRIC_WL1) {
            a.t[2] = siam_model_param(m, m->head_alpha);
            if (m->head_bias >= 0)
                a.t[3] = siam_model_param(m, m->head_bias);
        }
        a.t[4] = siam_tensor_2d(out, 0, 1, s.n);
        a.p.scores.metric = metric;
        st = siam_backend_run(be, &a, &err);
        if (st == SIAM_OK)
            st = siam_tensor_download(be, &a.t[4], scores, &err);
        if (st != SIAM_OK)
            break;
        for (int c = 0; c < s.n_classes; c++)
            best[c] = -1e30f;
        for (int i = 0; i < s.n; i++) {
            float v = metric == SIAM_METRIC_L2 ? -scores[i] : scores[i];
            if (v > best[s.cls[i]])
                best[s.cls[i]] = v;
        }
        int top[5] = {0, 0, 0, 0, 0}, nt = s.n_classes < 5 ? s.n_classes : 5;
        for (int t = 0; t < nt; t++) {
            int arg = -1;
            for (int c = 0; c < s.n_classes; c++) {
                int used = 0;
                for (int u = 0; u < t; u++)
                    used |= top[u] == c;
                if (!used && (arg < 0 || best[c] > best[arg]))
                    arg = c;
            }
            top[t] = arg;
        }
        /* File and class names are escaped: a newline in a folder name
         * must not forge an output line (term_text.h). */
        char qn[1024], cn[1024];
        siam_escape_text(queries[q], qn, sizeof qn);
        siam_escape_text(s.name[top[0]], cn, sizeof cn);
        printf("%s: %s\n", qn, cn);
        for (int t = 0; t < nt; t++) {
            siam_escape_text(s.name[top[t]], cn, sizeof cn);
            printf("  %d. %-30s %s %.4f\n", t + 1, cn,
                   metric == SIAM_METRIC_L2 ? "-distance" : "logit", best[top[t]]);
        }
    }
    free(scores), free(best);
    siam_backend_free(be, semb);
    siam_backend_free(be, qemb);
    siam_backend_free(be, out);
    siam_graph_destroy(g);
    cli_model_close(be, m);
    cli_support_free(&s);
    free(queries);
    if (st != SIAM_OK) {
        siam_print_error("classify", err.msg);
        return 1;
    }
    return 0;
}
