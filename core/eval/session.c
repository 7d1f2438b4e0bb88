/* A trained model ready to use (see session.h). */
#include "eval/session.h"

#include "data/image.h"
#include "engine/checkpoint.h"
#include "engine/head.h"

#include <stdlib.h>
#include <string.h>

#define SESSION_BATCH 32

siam_status siam_session_open(const char *model_path, const siam_session_options *o,
                              siam_session **out, siam_error *err)
{
    if (!model_path || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_session_open: NULL argument");
    *out = NULL;
    siam_session_options def = {0};
    if (!o)
        o = &def;
    if (o->threads < 0 || o->batch < 0 || o->batch > 4096)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_session_open: threads >= 0 and batch 0..4096, not %d and %d",
                              o->threads, o->batch);
    siam_session *s = calloc(1, sizeof *s);
    if (!s)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    s->batch = o->batch ? o->batch : SESSION_BATCH;
    siam_st_file *f = &s->file;
    siam_net_desc desc;
    siam_status st = siam_checkpoint_open(model_path, f, &desc, err);
    if (st != SIAM_OK) {
        free(s);
        return st;
    }
    const char *loss = siam_st_meta(f, "loss");
    s->metric = loss && strcmp(loss, "contrastive") == 0 ? SIAM_METRIC_L2 : SIAM_METRIC_WL1;
    /* From the same open file as the weights: a model replaced meanwhile
     * cannot mix its threshold with another's weights. */
    const char *t = siam_st_meta(f, "verify_threshold");
    const char *a = siam_st_meta(f, "verify_accuracy");
    s->have_threshold = t && a;
    s->threshold = t ? strtod(t, NULL) : 0;
    s->threshold_accuracy = a ? strtod(a, NULL) : 0;
    st = siam_backend_open(o->backend, o->threads, &s->be, err);
    if (st == SIAM_OK)
        st = siam_model_create(s->be, &desc, &s->m, err);
    if (st == SIAM_OK)
        st = siam_checkpoint_load_params(f, s->m, err);
    siam_st_close_data(f);
    if (st == SIAM_OK && s->m->desc.in_c != 1)
        st = siam_error_set(err, SIAM_ERR_UNSUPPORTED, "%s: a model of %d-channel input; images "
                            "are read as 1 channel", model_path, s->m->desc.in_c);
    siam_graph_config gc = {.max_images = s->batch};
    if (st == SIAM_OK)
        st = siam_graph_create(s->m, &gc, &s->g, err);
    if (st == SIAM_OK) {
        s->host = malloc((size_t)s->batch * siam_session_pixels(s) * sizeof *s->host);
        if (!s->host)
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (st != SIAM_OK) {
        siam_session_close(s);
        return st;
    }
    *out = s;
    return SIAM_OK;
}

void siam_session_close(siam_session *s)
{
    if (!s)
        return;
    if (s->be) {
        siam_backend_free(s->be, s->q);
        siam_backend_free(s->be, s->c);
        siam_backend_free(s->be, s->out);
    }
    siam_graph_destroy(s->g);
    siam_model_destroy(s->m);
    siam_backend_close(s->be);
    free(s->host);
    siam_st_close(&s->file);
    free(s);
}

const char *siam_session_meta(const siam_session *s, const char *key)
{
    return s ? siam_st_meta(&s->file, key) : NULL;
}

const char *siam_session_backend(const siam_session *s) { return siam_backend_name(s->be); }

int siam_session_dim(const siam_session *s) { return (int)s->m->shapes.embed_dim; }

size_t siam_session_pixels(const siam_session *s)
{
    return (size_t)s->m->desc.in_h * (size_t)s->m->desc.in_w;
}

siam_status siam_session_image(const siam_session *s, const char *path, float *out,
                               int size[2], siam_error *err)
{
    if (!s || !path || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_session_image: NULL argument");
    return siam_input_from_image(path, s->m->desc.in_h, s->m->desc.in_w, out, size, err);
}

siam_status siam_session_image_bytes(const siam_session *s, const char *name,
                                     const uint8_t *bytes, size_t n, float *out, int size[2],
                                     siam_error *err)
{
    if (!s || !name || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_session_image_bytes: NULL argument");
    siam_grey g;
    siam_status st = siam_image_decode(name, bytes, n, &g, err);
    if (st != SIAM_OK)
        return st;
    if (size)
        size[0] = g.h, size[1] = g.w;
    st = siam_input_from_grey(name, g.data, g.h, g.w, (size_t)g.w, s->m->desc.in_h,
                              s->m->desc.in_w, out, err);
    siam_grey_free(&g);
    return st;
}

siam_status siam_session_grey(const siam_session *s, const uint8_t *pixels, int h, int w,
                              size_t stride, float *out, siam_error *err)
{
    if (!s)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_session_grey: NULL session");
    return siam_input_from_grey("grey image", pixels, h, w, stride, s->m->desc.in_h,
                                s->m->desc.in_w, out, err);
}

/* The tower on k <= batch inputs already in place; the embeddings to host
 * rows and/or device rows. */
static siam_status embed_pass(siam_session *s, const float *images, int k, float *emb,
                              siam_buffer *dev, size_t row, siam_error *err)
{
    siam_status st = siam_graph_embed(s->g, images, k, emb, err);
    if (st == SIAM_OK && dev) {
        int64_t d = s->m->shapes.embed_dim;
        siam_tensor src = siam_graph_embeddings(s->g);
        src.shape[0] = k;
        siam_tensor dst = siam_tensor_2d(dev, row * (size_t)d, k, d);
        st = siam_tensor_copy(s->be, &dst, &src, err);
    }
    return st;
}

siam_status siam_session_embed(siam_session *s, const float *images, int n, float *emb,
                               siam_error *err)
{
    if (!s || !images || !emb || n < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_session_embed: bad argument");
    size_t pix = siam_session_pixels(s), d = (size_t)siam_session_dim(s);
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < n; i += s->batch) {
        int k = n - i < s->batch ? n - i : s->batch;
        st = embed_pass(s, images + (size_t)i * pix, k, emb + (size_t)i * d, NULL, 0, err);
    }
    return st;
}

siam_status siam_session_embed_files(siam_session *s, const char *const *paths, int n,
                                     float *emb, siam_buffer *dev, size_t row0,
                                     siam_session_warn_fn warn, void *warn_ctx,
                                     siam_error *err)
{
    if (!s || (!paths && n > 0) || n < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_session_embed_files: bad argument");
    size_t pix = siam_session_pixels(s), d = (size_t)siam_session_dim(s);
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < n; i += s->batch) {
        int k = n - i < s->batch ? n - i : s->batch;
        for (int j = 0; st == SIAM_OK && j < k; j++) {
            int size[2];
            st = siam_session_image(s, paths[i + j], s->host + (size_t)j * pix, size, err);
            if (st == SIAM_OK && warn &&
                siam_input_aspect_far(size[0], size[1], s->m->desc.in_h, s->m->desc.in_w))
                warn(warn_ctx, paths[i + j], size, s);
        }
        if (st == SIAM_OK)
            st = embed_pass(s, s->host, k, emb ? emb + (size_t)i * d : NULL, dev,
                            row0 + (size_t)i, err);
    }
    return st;
}

/* A device buffer of at least `need` rows, reallocated when smaller. */
static siam_status fit(siam_session *s, siam_buffer **b, size_t *rows, size_t need,
                       size_t row_bytes, siam_error *err)
{
    if (*b && *rows >= need)
        return SIAM_OK;
    siam_backend_free(s->be, *b);
    *b = NULL;
    *rows = 0;
    siam_status st = siam_backend_alloc(s->be, need * row_bytes, b, err);
    if (st == SIAM_OK)
        *rows = need;
    return st;
}

siam_status siam_session_score(siam_session *s, const float *queries, int nq,
                               const float *candidates, int n, float *scores, siam_error *err)
{
    if (!s || !queries || !candidates || !scores || nq < 1 || n < 1 ||
        (int64_t)nq * n > (1 << 26))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_session_score: need 1.. queries and candidates, at most "
                              "2^26 scores in one call");
    int64_t d = s->m->shapes.embed_dim;
    siam_status st = SIAM_OK;
    if (!s->out || s->q_rows < (size_t)nq || s->c_rows < (size_t)n) { /* out: (q_rows, c_rows) */
        siam_backend_free(s->be, s->out);
        s->out = NULL;
        size_t qr = s->q_rows > (size_t)nq ? s->q_rows : (size_t)nq;
        size_t cr = s->c_rows > (size_t)n ? s->c_rows : (size_t)n;
        st = fit(s, &s->q, &s->q_rows, qr, (size_t)d * 4, err);
        if (st == SIAM_OK)
            st = fit(s, &s->c, &s->c_rows, cr, (size_t)d * 4, err);
        if (st == SIAM_OK)
            st = siam_backend_alloc(s->be, s->q_rows * s->c_rows * 4, &s->out, err);
        if (st != SIAM_OK)
            return st;
    }
    siam_tensor q = siam_tensor_2d(s->q, 0, nq, d);
    siam_tensor c = siam_tensor_2d(s->c, 0, n, d);
    siam_tensor o = siam_tensor_2d(s->out, 0, nq, n);
    st = siam_tensor_upload(s->be, &q, queries, err);
    if (st == SIAM_OK)
        st = siam_tensor_upload(s->be, &c, candidates, err);
    if (st == SIAM_OK)
        st = siam_head_score(s->m, s->metric, &q, &c, &o, scores, err);
    return st;
}
