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

enum { OPT_MODEL = 1, OPT_SUPPORT, OPT_BACKEND, OPT_JSON };

static const cli_option classify_options[] = {
    CLI_OPT_MODEL(OPT_MODEL, CLI_REQUIRED),
    {OPT_SUPPORT, "support", 's', CLI_TEXT, "DIR", 0, 0, CLI_REQUIRED,
     "one folder per class (DIR/<class>/*.png) or\none file per class (DIR/<class>.png)", 0},
    CLI_OPT_BACKEND(OPT_BACKEND),
    {OPT_JSON, "json", 0, CLI_FLAG, NULL, 0, 0, 0,
     "one JSON object per query (query, label, top 5\nwith scores)", 0},
};

const cli_command siam_cli_classify = CLI_OPTIONS(
    "classify", "QUERY...", 1, 1 << 30,
    "For each query image, the support class with the highest score and the top 5.\n"
    "A class scores its best image.\n",
    classify_options);

int siam_cmd_classify(int argc, char **argv)
{
    const char *model = NULL, *backend = NULL, *dir = NULL;
    int json = 0;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_classify, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        if (id == OPT_MODEL)
            model = v.text;
        else if (id == OPT_SUPPORT)
            dir = v.text;
        else if (id == OPT_BACKEND)
            backend = v.text;
        else
            json = 1;
    }
    char **queries = p.operands;
    int nq = p.n_operands;
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
    if (st != SIAM_OK) {
        siam_print_error("classify", err.msg);
        return 1;
    }
    return 0;
}
