/* siamese eval: a trained model ready to use, the one object behind the C
 * API, verify, classify, embed, eval and verification.
 *
 * A session holds the model on its backend, a tower graph for embedding
 * `batch` images at a time, the head scorer, the conversion of a user's
 * image (file or grey buffer) to the model's input, and what the model
 * file says besides its weights (the verification threshold). One thread
 * at a time per session; sessions are independent of each other.
 */
#ifndef SIAMESE_EVAL_SESSION_H
#define SIAMESE_EVAL_SESSION_H

#include "base/safetensors.h"
#include "engine/graph.h"

typedef struct siam_session_options {
    const char *backend; /* NULL: $SIAMESE_BACKEND, else "auto" */
    int threads;         /* 0: the backend's default */
    int batch;           /* images per tower pass; 0: 32 */
} siam_session_options;

typedef struct siam_session {
    siam_backend *be;
    siam_model *m;
    siam_graph *g;
    siam_metric metric;
    int batch;
    int have_threshold;        /* verify_threshold and verify_accuracy in the file */
    double threshold;          /* in score units (a logit, or minus a distance) */
    double threshold_accuracy; /* on the validation pairs it was chosen on */
    float *host;               /* (batch, H, W): one pass's images */
    siam_buffer *q, *c, *out;  /* host scoring scratch, grown on demand */
    size_t q_rows, c_rows;
    siam_st_file file;         /* the model file's header (metadata), file closed */
} siam_session;

/* Called for an image whose aspect is far from the model's (it is squashed
 * to fit): size is the file's {height, width}. */
typedef void (*siam_session_warn_fn)(void *ctx, const char *path, const int size[2],
                                     const siam_session *s);

siam_status siam_session_open(const char *model_path, const siam_session_options *o,
                              siam_session **out, siam_error *err);
void siam_session_close(siam_session *s);

/* A metadata value of the model file ("dataset", "loss", ...), or NULL. */
const char *siam_session_meta(const siam_session *s, const char *key);

/* The backend's name ("blas", "opencl", ...). */
const char *siam_session_backend(const siam_session *s);
int siam_session_dim(const siam_session *s);
size_t siam_session_pixels(const siam_session *s); /* H * W of one input */

/* An image file (PNG or JPEG) as the model's input (data/image.h's rule);
 * size, when not NULL, receives the file's {height, width}. */
siam_status siam_session_image(const siam_session *s, const char *path, float *out,
                               int size[2], siam_error *err);
/* An image file's bytes held in memory (an upload), the same way; `name`
 * is used in messages. */
siam_status siam_session_image_bytes(const siam_session *s, const char *name,
                                     const uint8_t *bytes, size_t n, float *out, int size[2],
                                     siam_error *err);
/* 8-bit grey pixels (h rows of w, `stride` bytes apart) the same way. */
siam_status siam_session_grey(const siam_session *s, const uint8_t *pixels, int h, int w,
                              size_t stride, float *out, siam_error *err);

/* Embeddings of n inputs (n, H, W) into emb (n, D) on the host. */
siam_status siam_session_embed(siam_session *s, const float *images, int n, float *emb,
                               siam_error *err);
/* Embeddings of n image files, to the host (emb (n, D)) and/or to rows
 * row0.. of a device buffer (dev); either may be NULL. warn may be NULL. */
siam_status siam_session_embed_files(siam_session *s, const char *const *paths, int n,
                                     float *emb, siam_buffer *dev, size_t row0,
                                     siam_session_warn_fn warn, void *warn_ctx,
                                     siam_error *err);

/* Scores of nq query embeddings against n candidates, both on the host,
 * into scores (nq, n): "higher = more alike" (logits, or minus distances). */
siam_status siam_session_score(siam_session *s, const float *queries, int nq,
                               const float *candidates, int n, float *scores, siam_error *err);

#endif
