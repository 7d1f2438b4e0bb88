/* A program linked against libsiamese.so alone, as users link it (public
 * headers, the exported API): prints the library's version, then for a
 * model, a backend and two or more images, the score of the first image
 * against each other one, one line each. Used by test_library.sh and the
 * trace module's test (its modules are found beside libsiamese). */
#include "siamese/siamese.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("version %s\n", siam_version());
    if (argc < 5)
        return argc == 1 ? 0 : 2;
    siam_error err;
    siam_ctx *ctx;
    const char *backend = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
    if (siam_open(argv[1], backend, &ctx, &err) != SIAM_OK) {
        fprintf(stderr, "api_shared: %s\n", err.msg);
        return 1;
    }
    int d = siam_embedding_dim(ctx), n = argc - 3;
    float *emb = malloc((size_t)n * (size_t)d * sizeof *emb);
    float *scores = malloc((size_t)n * sizeof *scores);
    int ok = emb && scores, best = -1;
    for (int i = 0; ok && i < n; i++)
        ok = siam_embed_png(ctx, argv[3 + i], emb + (size_t)i * (size_t)d, &err) == SIAM_OK;
    if (ok)
        ok = siam_classify(ctx, emb, emb + d, n - 1, scores, &best, &err) == SIAM_OK;
    for (int i = 0; ok && i < n - 1; i++)
        printf("%s %.4f\n", argv[4 + i],
               siam_scores_are_logits(ctx) ? siam_probability(scores[i]) : -scores[i]);
    if (ok)
        printf("best %d\n", best);
    else
        fprintf(stderr, "api_shared: %s\n", err.msg);
    free(emb);
    free(scores);
    siam_close(ctx);
    return ok ? 0 : 1;
}
