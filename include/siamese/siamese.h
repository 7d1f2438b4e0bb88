/* siamese: the C API for programs outside the tree.
 *
 * Load a trained model (a file written by `siamese train`) on a backend,
 * embed images, score pairs and classify a query against a support set:
 *
 *     siam_error err;
 *     siam_ctx *ctx;
 *     if (siam_open("model.safetensors", NULL, &ctx, &err) != SIAM_OK) ... err.msg
 *     float *q = malloc(siam_embedding_dim(ctx) * sizeof(float));
 *     siam_embed_png(ctx, "query.png", q, &err);
 *     ... embed the support images the same way, then
 *     siam_classify(ctx, q, support, n_support, scores, &best, &err);
 *     siam_close(ctx);
 *
 * Link with -lsiamese (pkg-config siamese, or find_package(siamese) and the
 * target siamese::siamese). Backends are found as `siamese backends` shows.
 * Every function that can fail returns a status and leaves a message in
 * `err` (err may be NULL).
 *
 * Threads: a siam_ctx is used by one thread at a time (it holds scratch
 * buffers and a graph); separate contexts, even on the same model file, are
 * independent and may be used from different threads at once.
 */
#ifndef SIAMESE_SIAMESE_H
#define SIAMESE_SIAMESE_H

#include "siamese/status.h"
#include "siamese/version.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct siam_ctx siam_ctx;

/* "MAJOR.MINOR.PATCH" of the library (SIAMESE_VERSION_* are the headers'). */
SIAM_API const char *siam_version(void);

/* backend: "cpu", "blas", "opencl[:DEVICE]", "auto" (the fastest usable:
 * a GPU, else blas, else cpu); NULL or "" means the SIAMESE_BACKEND
 * variable, else "auto". */
SIAM_API siam_status siam_open(const char *model_path, const char *backend, siam_ctx **out,
                      siam_error *err);
/* The same with a thread count for CPU backends (0: the backend's default). */
SIAM_API siam_status siam_open_threads(const char *model_path, const char *backend, int threads,
                              siam_ctx **out, siam_error *err);
SIAM_API void siam_close(siam_ctx *ctx);

/* The backends that can run here (modules found and usable, wrappers such
 * as trace: left out), best first as "auto" would pick them, written to
 * out as "blas,cpu,opencl". Returns how many (out may be NULL to count),
 * or -1 with out holding as many as fit when size is too small. */
SIAM_API int siam_backends(char *out, size_t size);

/* The model's input size (images are 1 x H x W) and embedding length. */
SIAM_API int siam_input_height(const siam_ctx *ctx);
SIAM_API int siam_input_width(const siam_ctx *ctx);
SIAM_API int siam_embedding_dim(const siam_ctx *ctx);
/* 1 if scores are logits of p(same) (BCE models), 0 if they are negated
 * L2 distances (contrastive models). Higher is more alike either way. */
SIAM_API int siam_scores_are_logits(const siam_ctx *ctx);
/* 1 when the model file holds the verification threshold training chose
 * on validation pairs (in score units: "same" when a score is above it)
 * and its accuracy there; 0 when it holds none. Either pointer may be NULL. */
SIAM_API int siam_verify_threshold(const siam_ctx *ctx, double *threshold, double *accuracy);

/* Loads a PNG or JPEG (by its content) of any size, bit depth or colour
 * type as the model's input:
 * ink = 1.0, background 0 (a light border means dark ink, which is
 * inverted), area-resized to H x W. out holds H*W floats. */
SIAM_API siam_status siam_load_image(const siam_ctx *ctx, const char *path, float *out, siam_error *err);
/* The same from 8-bit grey pixels in memory: height rows of width bytes,
 * `stride` bytes from one row's start to the next (>= width). */
SIAM_API siam_status siam_image_from_grey(const siam_ctx *ctx, const unsigned char *pixels, int width,
                                 int height, size_t stride, float *out, siam_error *err);

/* Embeddings of n images (n, 1, H, W) into emb (n, D). */
SIAM_API siam_status siam_embed(siam_ctx *ctx, const float *images, int n, float *emb, siam_error *err);
/* One image file's embedding (PNG or JPEG, despite the name). */
SIAM_API siam_status siam_embed_png(siam_ctx *ctx, const char *path, float *emb, siam_error *err);

/* Score of the pair (a, b), both embeddings of length D: see
 * siam_scores_are_logits. siam_probability turns a logit into p(same). */
SIAM_API siam_status siam_score_pair(siam_ctx *ctx, const float *a, const float *b, float *score,
                            siam_error *err);
SIAM_API double siam_probability(float logit);

/* Scores of query against each of n support embeddings (n, D), in one
 * batched call; best gets the index of the highest score (the first on
 * ties). scores may be NULL. */
SIAM_API siam_status siam_classify(siam_ctx *ctx, const float *query, const float *support, int n,
                          float *scores, int *best, siam_error *err);

#ifdef __cplusplus
}
#endif
#endif
