/* One one-shot trial through the public C API: the query image against
 * one image per class, the prediction being the best-scoring class.
 *
 *   oneshot_trial MODEL QUERY.png SUPPORT1.png SUPPORT2.png ...
 */
#include <siamese/siamese.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL QUERY.png SUPPORT.png SUPPORT.png...\n", argv[0]);
        return 2;
    }
    siam_error err;
    siam_ctx *ctx;
    if (siam_open(argv[1], getenv("SIAMESE_BACKEND"), &ctx, &err) != SIAM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int n = argc - 3, d = siam_embedding_dim(ctx), best = -1;
    float *query = malloc((size_t)d * sizeof *query);
    float *support = malloc((size_t)n * (size_t)d * sizeof *support);
    float *scores = malloc((size_t)n * sizeof *scores);
    siam_status st = query && support && scores ? SIAM_OK : SIAM_ERR_OUT_OF_MEMORY;
    if (st == SIAM_OK)
        st = siam_embed_png(ctx, argv[2], query, &err);
    for (int i = 0; st == SIAM_OK && i < n; i++)
        st = siam_embed_png(ctx, argv[3 + i], support + (size_t)i * (size_t)d, &err);
    if (st == SIAM_OK)
        st = siam_classify(ctx, query, support, n, scores, &best, &err);
    if (st == SIAM_OK)
        printf("%s -> %s (score %.4f)\n", argv[2], argv[3 + best], scores[best]);
    else
        fprintf(stderr, "%s\n", st == SIAM_ERR_OUT_OF_MEMORY ? "out of memory" : err.msg);
    free(query), free(support), free(scores);
    siam_close(ctx);
    return st == SIAM_OK ? 0 : 1;
}
