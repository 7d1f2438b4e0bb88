/* Training and inference speed of one backend on one preset, as JSON lines:
 * pairs_per_s (training steps), images_per_s (embedding), the latency of one
 * 20-way one-shot run (20 queries against 20 support images, as in Lake's
 * runs) with cached embeddings against naive evaluation of its 400 pairs
 * one by one through both twins, and the process's peak resident memory
 * after training (measured before anything else is built, so it is the
 * training run's own peak), and, where the backend counts them
 * (SIAM_EXT_COUNTERS), device commands, library calls and bytes moved per
 * training step. Inputs are synthetic (speed does not depend on
 * the pixels).
 *
 *   bench_train [--backend B] [--preset P] [--batch N] [--threads T] [--steps S]
 *
 * Benchmark commands unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (see README).
 */
#define _POSIX_C_SOURCE 200809L
#include "base/clock.h"
#include "engine/graph.h"
#include "engine/head.h"
#include "engine/optim.h"
#include "base/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void emit(const char *be, const char *dev, const char *preset, int batch, int threads,
                 const char *metric, double value)
{
    printf("{\"bench\":\"train\",\"backend\":\"%s\",\"device\":\"%s\",\"preset\":\"%s\","
           "\"batch\":%d,\"threads\":%d,\"metric\":\"%s\",\"value\":%.6g}\n",
           be, dev, preset, batch, threads, metric, value);
    fflush(stdout);
}

static int fail(const siam_error *err)
{
    fprintf(stderr, "bench_train: %s\n", err->msg);
    return 1;
}

/* Copies a batch into the graph's staging memory and enqueues its upload. */
static siam_status stage_batch(siam_graph *g, const float *img, const float *lab, int batch,
                               size_t img_floats, siam_error *err)
{
    float *si, *sl;
    siam_status st = siam_graph_staging(g, &si, &sl, err);
    if (st != SIAM_OK)
        return st;
    memcpy(si, img, img_floats * sizeof *si);
    memcpy(sl, lab, (size_t)batch * sizeof *sl);
    return siam_graph_stage(g, batch, err);
}

int main(int argc, char **argv)
{
    const char *backend = "cpu", *preset = "koch35";
    int batch = 128, threads = 0, steps = 5;
    for (int i = 1; i < argc; i += 2) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || i + 1 >= argc) {
            fprintf(i + 1 >= argc && strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? stderr : stdout,
                    "usage: bench_train [--backend B] [--preset P] [--batch N] [--threads T] [--steps S]\n");
            return i + 1 >= argc && strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 2 : 0;
        }
        if (!strcmp(argv[i], "--backend")) backend = argv[i + 1];
        else if (!strcmp(argv[i], "--preset")) preset = argv[i + 1];
        else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps")) steps = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "bench_train: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (batch < 1 || steps < 1 || threads < 0) {
        fprintf(stderr, "bench_train: need batch >= 1, steps >= 1, threads >= 0\n");
        return 2;
    }
    siam_error err = {0};
    siam_backend *be;
    siam_net_desc d;
    siam_model *m;
    siam_graph *g, *e;
    siam_optim *o;
    if (siam_backend_open(backend, threads, &be, &err) != SIAM_OK ||
        siam_net_preset(preset, &d, &err) != SIAM_OK ||
        siam_model_create(be, &d, &m, &err) != SIAM_OK ||
        siam_model_init(m, 1, SIAM_INIT_UNIFORM, &err) != SIAM_OK)
        return fail(&err);
    siam_device_info info;
    siam_backend_device(be, &info, &err);
    siam_graph_config tc = {.max_pairs = batch, .train = 1, .loss = SIAM_LOSS_BCE};
    siam_graph_config ec = {.max_images = 40};
    siam_graph_config pc = {.max_pairs = 1, .loss = SIAM_LOSS_BCE};
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, 1e-3f, 0.9f, 1e-4f);
    if (siam_graph_create(m, &tc, &g, &err) != SIAM_OK || siam_optim_create(m, &oc, &o, &err) != SIAM_OK)
        return fail(&err);
    size_t pix = (size_t)(d.in_h * d.in_w);
    size_t nimg = batch * 2 > 40 ? (size_t)batch * 2 : 40; /* a 20-way run needs 40 */
    float *img = malloc(nimg * pix * 4), *lab = malloc((size_t)batch * 4), loss;
    float *pair = malloc(2 * pix * 4);
    if (!img || !lab || !pair) {
        fprintf(stderr, "bench_train: out of memory\n");
        return 1;
    }
    siam_rng r = siam_rng_make(1, SIAM_RNG_STREAM_TEST);
    for (size_t i = 0; i < nimg * pix; i++)
        img[i] = siam_rng_uniform(&r) < 0.1 ? 1.0f : 0.0f;
    for (int i = 0; i < batch; i++)
        lab[i] = (float)(i % 2);
    const char *dev = info.name;
    /* The versions of everything measured: the module, its library, its device. */
    printf("{\"bench\":\"versions\",\"backend\":\"%s\",\"device\":\"%s\",\"driver\":\"%s\","
           "\"platform\":\"%s\",\"libraries\":\"%s\"}\n",
           backend, dev, info.driver, info.platform, info.extra);
    int nthreads = threads;
    const siam_backend_iface *iface = siam_backend_get_iface(be);
    void *cfn = iface->get_proc_address
                    ? iface->get_proc_address(siam_backend_get_ctx(be), SIAM_EXT_COUNTERS)
                    : NULL;
    siam_counters_fn counters = NULL;
    memcpy(&counters, &cfn, sizeof counters);
    siam_counters c0 = {0}, c1 = {0};
    /* Training: one warm-up step (first-call costs), then timed steps, as
     * the trainer runs them: the step enqueued, the next batch staged (here
     * a copy of the same synthetic one), then the loss read back. The last
     * step stages one too, so that every timed step uploads one batch. */
    double t0 = 0;
    if (stage_batch(g, img, lab, batch, (size_t)batch * 2 * pix, &err) != SIAM_OK)
        return fail(&err);
    for (int s = 0; s <= steps; s++) {
        if (s == 1) {
            t0 = siam_now();
            if (counters)
                counters(siam_backend_get_ctx(be), &c0);
        }
        if (siam_graph_forward_staged(g, &err) != SIAM_OK ||
            siam_graph_backward(g, &err) != SIAM_OK ||
            siam_optim_step(o, siam_graph_grad_buffer(g), &err) != SIAM_OK ||
            stage_batch(g, img, lab, batch, (size_t)batch * 2 * pix, &err) != SIAM_OK ||
            siam_graph_read_loss(g, &loss, &err) != SIAM_OK)
            return fail(&err);
    }
    if (siam_backend_sync(be, &err) != SIAM_OK)
        return fail(&err);
    emit(backend, dev, preset, batch, nthreads, "pairs_per_s", (double)steps * batch / (siam_now() - t0));
    if (counters) {
        counters(siam_backend_get_ctx(be), &c1);
        emit(backend, dev, preset, batch, nthreads, "launches_per_step",
             (double)(c1.launches - c0.launches) / steps);
        emit(backend, dev, preset, batch, nthreads, "library_calls_per_step",
             (double)(c1.library_calls - c0.library_calls) / steps);
        emit(backend, dev, preset, batch, nthreads, "upload_bytes_per_step",
             (double)(c1.upload_bytes - c0.upload_bytes) / steps);
        emit(backend, dev, preset, batch, nthreads, "download_bytes_per_step",
             (double)(c1.download_bytes - c0.download_bytes) / steps);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    emit(backend, dev, preset, batch, nthreads, "peak_rss_mb", (double)ru.ru_maxrss / 1024.0);
    /* What the training graph itself holds, so that RSS can be read against it. */
    siam_graph_memory mem;
    siam_graph_memory_use(g, &mem);
    emit(backend, dev, preset, batch, nthreads, "graph_activations_mb", mem.activations / 1e6);
    emit(backend, dev, preset, batch, nthreads, "graph_activation_grads_mb",
         mem.activation_grads / 1e6);
    emit(backend, dev, preset, batch, nthreads, "graph_workspace_mb", mem.workspace / 1e6);
    emit(backend, dev, preset, batch, nthreads, "graph_device_mb", siam_graph_device_bytes(g) / 1e6);
    siam_graph *p;
    if (siam_graph_create(m, &ec, &e, &err) != SIAM_OK || siam_graph_create(m, &pc, &p, &err) != SIAM_OK)
        return fail(&err);
    /* Embedding, in batches of 40, after one warm-up batch. */
    int reps = 3;
    siam_graph_embed(e, img, 40, NULL, &err);
    t0 = siam_now();
    for (int k = 0; k < reps; k++)
        if (siam_graph_embed(e, img, 40, NULL, &err) != SIAM_OK || siam_backend_sync(be, &err) != SIAM_OK)
            return fail(&err);
    emit(backend, dev, preset, 40, nthreads, "images_per_s", 40.0 * reps / (siam_now() - t0));
    /* One 20-way run: cached = 40 embeddings (20 queries, 20 support) and
     * one pair_scores call for the 20x20 matrix; naive = its 400 pairs one
     * at a time through both twins and the head, as a program without an
     * embedding cache would score them. Both after a warm-up call. */
    int64_t dim = m->shapes.embed_dim;
    siam_buffer *sc;
    float out[400];
    if (siam_backend_alloc(be, 400 * 4, &sc, &err) != SIAM_OK)
        return fail(&err);
    if (siam_graph_forward(p, img, lab, 1, &loss, out, &err) != SIAM_OK)
        return fail(&err);
    t0 = siam_now();
    if (siam_graph_embed(e, img, 40, NULL, &err) != SIAM_OK)
        return fail(&err);
    siam_tensor h = siam_graph_embeddings(e);
    siam_tensor q = siam_tensor_2d(h.buf, h.offset, 20, dim);
    siam_tensor c = siam_tensor_2d(h.buf, h.offset + (size_t)(20 * dim), 20, dim);
    siam_tensor so = siam_tensor_2d(sc, 0, 20, 20);
    if (siam_head_score(m, SIAM_METRIC_WL1, &q, &c, &so, out, &err) != SIAM_OK)
        return fail(&err);
    double cached = siam_now() - t0;
    t0 = siam_now();
    for (int q = 0; q < 20; q++)
        for (int c = 0; c < 20; c++) {
            memcpy(pair, img + (size_t)q * pix, pix * 4);
            memcpy(pair + pix, img + (size_t)(20 + c) * pix, pix * 4);
            if (siam_graph_forward(p, pair, lab, 1, &loss, out + q * 20 + c, &err) != SIAM_OK)
                return fail(&err);
        }
    double naive = siam_now() - t0;
    emit(backend, dev, preset, 20, nthreads, "trial_cached_s", cached);
    emit(backend, dev, preset, 20, nthreads, "trial_naive_s", naive);
    emit(backend, dev, preset, 20, nthreads, "trial_naive_over_cached", naive / cached);
    siam_backend_free(be, sc);
    siam_graph_destroy(p);
    siam_graph_destroy(g);
    siam_graph_destroy(e);
    siam_optim_destroy(o);
    siam_model_destroy(m);
    siam_backend_close(be);
    free(img), free(lab), free(pair);
    return 0;
}
