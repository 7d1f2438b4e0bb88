/* siamese classify: one-shot classification of query images against a
 * support folder, with a trained model. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/term_text.h"

#include "image_warn.h"
#include "json_out.h"
#include "support_folder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int siam_cmd_classify(int argc, char **argv)
{
    const char *model = NULL, *backend = NULL, *dir = NULL;
    int json = 0;
    char **queries = calloc((size_t)argc, sizeof *queries);
    int nq = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: siamese classify --model MODEL --support DIR [--backend NAME] [--json]\n"
                   "                        QUERY.png...\n\n"
                   "For each query, the support class with the highest score and the top 5.\n"
                   "DIR holds one folder per class (DIR/<class>/*.png, one or more images)\n"
                   "or one file per class (DIR/<class>.png). A class scores its best image.\n"
                   "--json: one JSON object per query (query, label, top 5 with scores).\n");
            free(queries);
            return 0;
        }
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if ((!strcmp(argv[i], "--model") || !strcmp(argv[i], "--backend") ||
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
    siam_session *ss = NULL;
    float *semb = NULL, *qemb = NULL, *scores = NULL, *best = NULL;
    siam_status st = cli_support_read(dir, &s, &err);
    siam_session_options so = {.backend = backend, .batch = 64};
    if (st == SIAM_OK)
        st = siam_session_open(model, &so, &ss, &err);
    size_t d = ss ? (size_t)siam_session_dim(ss) : 0;
    if (st == SIAM_OK) {
        semb = malloc((size_t)s.n * d * sizeof *semb);
        qemb = malloc((size_t)nq * d * sizeof *qemb);
        scores = malloc((size_t)s.n * sizeof *scores);
        best = malloc((size_t)s.n_classes * sizeof *best);
        if (!semb || !qemb || !scores || !best)
            st = siam_error_set(&err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (st == SIAM_OK)
        st = siam_session_embed_files(ss, (const char *const *)s.path, s.n, semb, NULL, 0,
                                      cli_warn_squashed, NULL, &err);
    if (st == SIAM_OK)
        st = siam_session_embed_files(ss, (const char *const *)queries, nq, qemb, NULL, 0,
                                      cli_warn_squashed, NULL, &err);
    for (int q = 0; st == SIAM_OK && q < nq; q++) {
        /* One batched head call: this query against every support image. */
        st = siam_session_score(ss, qemb + (size_t)q * d, 1, semb, s.n, scores, &err);
        if (st != SIAM_OK)
            break;
        int top[5];
        int nt = cli_support_rank(&s, scores, best, top, 5);
        if (json) {
            printf("{\"query\":");
            cli_json_string(stdout, queries[q]);
            printf(",\"label\":");
            cli_json_string(stdout, s.name[top[0]]);
            printf(",\"scores\":\"%s\",\"top\":[",
                   ss->metric == SIAM_METRIC_L2 ? "-distance" : "logit");
            for (int t = 0; t < nt; t++) {
                printf("%s{\"label\":", t ? "," : "");
                cli_json_string(stdout, s.name[top[t]]);
                printf(",\"score\":");
                cli_json_number(stdout, best[top[t]]);
                printf("}");
            }
            printf("]}\n");
            continue;
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
                   ss->metric == SIAM_METRIC_L2 ? "-distance" : "logit", best[top[t]]);
        }
    }
    free(scores), free(best), free(semb), free(qemb);
    siam_session_close(ss);
    cli_support_free(&s);
    free(queries);
    if (st != SIAM_OK) {
        siam_print_error("classify", err.msg);
        return 1;
    }
    return 0;
}
