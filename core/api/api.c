/* The public C API (include/siamese/siamese.h) over a session. */
#include "siamese/siamese.h"

#include "engine/backend_loader.h"
#include "eval/session.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct siam_ctx {
    siam_session *s;
};

SIAM_API const char *siam_version(void)
{
#define SIAM_STR_(x) #x
#define SIAM_STR(x) SIAM_STR_(x)
    return SIAM_STR(SIAMESE_VERSION_MAJOR) "." SIAM_STR(SIAMESE_VERSION_MINOR) "." SIAM_STR(
        SIAMESE_VERSION_PATCH);
#undef SIAM_STR
#undef SIAM_STR_
}

SIAM_API siam_status siam_open_threads(const char *model_path, const char *backend, int threads,
                                       siam_ctx **out, siam_error *err)
{
    if (!model_path || !out || threads < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_open: bad argument");
    *out = NULL;
    siam_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_session_options o = {.backend = backend, .threads = threads};
    siam_status st = siam_session_open(model_path, &o, &c->s, err);
    if (st != SIAM_OK) {
        free(c);
        return st;
    }
    *out = c;
    return SIAM_OK;
}

SIAM_API siam_status siam_open(const char *model_path, const char *backend, siam_ctx **out,
                               siam_error *err)
{
    return siam_open_threads(model_path, backend, 0, out, err);
}

SIAM_API void siam_close(siam_ctx *c)
{
    if (!c)
        return;
    siam_session_close(c->s);
    free(c);
}

SIAM_API int siam_input_height(const siam_ctx *c) { return c ? c->s->m->desc.in_h : 0; }
SIAM_API int siam_input_width(const siam_ctx *c) { return c ? c->s->m->desc.in_w : 0; }
SIAM_API int siam_embedding_dim(const siam_ctx *c) { return c ? siam_session_dim(c->s) : 0; }
SIAM_API int siam_scores_are_logits(const siam_ctx *c)
{
    return c && c->s->metric == SIAM_METRIC_WL1;
}
SIAM_API int siam_verify_threshold(const siam_ctx *c, double *threshold, double *accuracy)
{
    if (!c || !c->s->have_threshold)
        return 0;
    if (threshold)
        *threshold = c->s->threshold;
    if (accuracy)
        *accuracy = c->s->threshold_accuracy;
    return 1;
}

static int by_score(const void *a, const void *b)
{
    const siam_module_entry *x = a, *y = b;
    return (y->score > x->score) - (y->score < x->score);
}

SIAM_API int siam_backends(char *out, size_t size)
{
    siam_module_entry *e = NULL;
    int n = 0, count = 0, fits = 1;
    siam_error err;
    if (out && size)
        out[0] = '\0';
    if (siam_backend_scan(&e, &n, &err) != SIAM_OK)
        return 0;
    qsort(e, (size_t)n, sizeof *e, by_score);
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        if (!e[i].usable || e[i].score <= 0 || e[i].wraps[0])
            continue;
        size_t len = strlen(e[i].name) + (count > 0);
        if (!out) /* only counting */
            ;
        else if (fits && used + len < size) {
            snprintf(out + used, size - used, "%s%s", count > 0 ? "," : "", e[i].name);
            used += len;
        } else {
            fits = 0;
        }
        count++;
    }
    free(e);
    return fits ? count : -1;
}

SIAM_API double siam_probability(float logit) { return 1.0 / (1.0 + exp(-(double)logit)); }

SIAM_API siam_status siam_load_image(const siam_ctx *c, const char *path, float *out,
                                     siam_error *err)
{
    if (!c)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_load_image: NULL context");
    return siam_session_image(c->s, path, out, NULL, err);
}

SIAM_API siam_status siam_image_from_grey(const siam_ctx *c, const unsigned char *pixels,
                                          int width, int height, size_t stride, float *out,
                                          siam_error *err)
{
    if (!c)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_image_from_grey: NULL context");
    return siam_session_grey(c->s, pixels, height, width, stride, out, err);
}

SIAM_API siam_status siam_embed(siam_ctx *c, const float *images, int n, float *emb,
                                siam_error *err)
{
    if (!c)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_embed: NULL context");
    return siam_session_embed(c->s, images, n, emb, err);
}

SIAM_API siam_status siam_embed_png(siam_ctx *c, const char *path, float *emb, siam_error *err)
{
    if (!c || !path || !emb)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_embed_png: NULL argument");
    return siam_session_embed_files(c->s, &path, 1, emb, NULL, 0, NULL, NULL, err);
}

SIAM_API siam_status siam_classify(siam_ctx *c, const float *query, const float *support, int n,
                                   float *scores, int *best, siam_error *err)
{
    if (!c || !query || !support || n < 1 || n > (1 << 24))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_classify: need a query and 1.. support embeddings");
    float *s = scores ? scores : malloc((size_t)n * sizeof *s);
    if (!s)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_session_score(c->s, query, 1, support, n, s, err);
    if (st == SIAM_OK && best) {
        int k = 0;
        for (int i = 1; i < n; i++)
            if (s[i] > s[k])
                k = i;
        *best = k;
    }
    if (s != scores)
        free(s);
    return st;
}

SIAM_API siam_status siam_score_pair(siam_ctx *c, const float *a, const float *b, float *score,
                                     siam_error *err)
{
    if (!score)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_score_pair: NULL score");
    return siam_classify(c, a, b, 1, score, NULL, err);
}
