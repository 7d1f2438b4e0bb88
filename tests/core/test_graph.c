/* The whole Siamese graph at a small size: gradients, one step, learning,
 * batch handling, and errors. Uses the "tiny" preset (Koch's structure at
 * 28x28) on synthetic images made here. */
#include "harness.h"

#include "engine/graph.h"
#include "engine/optim.h"
#include "base/rng.h"

#define IMG 28
#define PIX (IMG * IMG)

/* Four classes of strokes: horizontal bar, vertical bar, diagonal, ring,
 * each shifted by up to +-3 px and with light noise. Ink = 1. */
static void draw(float *img, int cls, siam_rng *r)
{
    int dx = (int)siam_rng_below(r, 7) - 3, dy = (int)siam_rng_below(r, 7) - 3;
    for (int y = 0; y < IMG; y++)
        for (int x = 0; x < IMG; x++) {
            int u = x - 14 - dx, v = y - 14 - dy, ink;
            switch (cls) {
            case 0: ink = abs(v) <= 2 && abs(u) <= 9; break;
            case 1: ink = abs(u) <= 2 && abs(v) <= 9; break;
            case 2: ink = abs(u - v) <= 2 && abs(u) <= 9; break;
            default: ink = abs(u * u + v * v - 64) <= 18; break;
            }
            img[y * IMG + x] = (float)ink + (float)siam_rng_range(r, -0.05, 0.05);
        }
}

/* n pairs, half same, half different; images (2n,1,28,28), labels (n). */
static void make_pairs(int n, uint64_t seed, float *images, float *labels)
{
    siam_rng r = siam_rng_make(seed, SIAM_RNG_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        int a = (int)siam_rng_below(&r, 4), b = a;
        if (i % 2)
            b = (a + 1 + (int)siam_rng_below(&r, 3)) % 4;
        labels[i] = i % 2 ? 0.0f : 1.0f;
        draw(images + (size_t)i * PIX, a, &r);
        draw(images + (size_t)(n + i) * PIX, b, &r);
    }
}

typedef struct fixture {
    harness h;
    siam_model *m;
    siam_graph *g;
} fixture;

static void setup(fixture *f, int pairs, siam_loss_kind loss, uint64_t seed)
{
    h_open(&f->h, NULL);
    siam_net_desc d;
    assert_int_equal(siam_net_preset("tiny", &d, &f->h.err), SIAM_OK);
    assert_int_equal(siam_model_create(f->h.be, &d, &f->m, &f->h.err), SIAM_OK);
    assert_int_equal(siam_model_init(f->m, seed, SIAM_INIT_UNIFORM, &f->h.err), SIAM_OK);
    siam_graph_config cfg = {.max_pairs = pairs, .train = 1, .loss = loss, .margin = 1.0f};
    if (siam_graph_create(f->m, &cfg, &f->g, &f->h.err) != SIAM_OK)
        fail_msg("%s", f->h.err.msg);
}

static void teardown(fixture *f)
{
    siam_graph_destroy(f->g);
    siam_model_destroy(f->m);
    h_close(&f->h);
}

static void gradients_match_finite_differences(void **state)
{
    (void)state;
    /* Each op's backward is checked in double elsewhere; this checks the
     * wiring: that the graph's gradient is d(loss)/d(parameter). Float32
     * forward passes limit the finite differences to ~1e-3 relative. */
    for (int loss = 0; loss < 2; loss++) {
        enum { P = 6 };
        fixture f;
        setup(&f, P, (siam_loss_kind)loss, 3);
        float images[2 * P * PIX], labels[P], L, Lp, Lm;
        make_pairs(P, 5, images, labels);
        assert_int_equal(siam_graph_forward(f.g, images, labels, P, &L, NULL, &f.h.err), SIAM_OK);
        assert_int_equal(siam_graph_backward(f.g, &f.h.err), SIAM_OK);
        int64_t n = f.m->n_params;
        float *w = malloc((size_t)n * 4), *g = malloc((size_t)n * 4);
        assert_int_equal(siam_model_get(f.m, w, &f.h.err), SIAM_OK);
        assert_int_equal(siam_graph_get_grads(f.g, g, &f.h.err), SIAM_OK);
        /* The largest-gradient entry of every parameter tensor. */
        int checked = 0;
        for (int e = 0; e < f.m->n_entries; e++) {
            const siam_param *p = &f.m->entries[e];
            size_t best = p->offset;
            for (int64_t i = 0; i < p->numel; i++)
                if (fabsf(g[p->offset + i]) > fabsf(g[best]))
                    best = p->offset + (size_t)i;
            if (fabsf(g[best]) < 1e-4f)
                continue; /* e.g. the head under the contrastive loss */
            /* ReLU and max-pool kinks near a perturbed weight spoil a single
             * step size; a correct gradient is approached as eps shrinks, so
             * the closest of three step sizes must match. */
            float keep = w[best];
            double fd = 0, best_err = INFINITY;
            const float steps[3] = {1e-3f, 3e-4f, 1e-4f};
            for (int k = 0; k < 3; k++) {
                w[best] = keep + steps[k];
                assert_int_equal(siam_model_set(f.m, w, &f.h.err), SIAM_OK);
                assert_int_equal(siam_graph_forward(f.g, images, labels, P, &Lp, NULL, &f.h.err), SIAM_OK);
                w[best] = keep - steps[k];
                assert_int_equal(siam_model_set(f.m, w, &f.h.err), SIAM_OK);
                assert_int_equal(siam_graph_forward(f.g, images, labels, P, &Lm, NULL, &f.h.err), SIAM_OK);
                w[best] = keep;
                double fdk = ((double)Lp - Lm) / (2.0 * steps[k]);
                if (fabs(fdk - g[best]) < best_err)
                    best_err = fabs(fdk - g[best]), fd = fdk;
            }
            assert_int_equal(siam_model_set(f.m, w, &f.h.err), SIAM_OK);
            if (best_err > 0.1 * fabs(fd) + 5e-5)
                fail_msg("%s loss, %s[%zu]: finite difference %g, backward %g",
                         loss ? "contrastive" : "bce", p->name, best - p->offset, fd, g[best]);
            checked++;
        }
        assert_true(checked >= 8);
        free(w);
        free(g);
        teardown(&f);
    }
}

static void one_sgd_step_lowers_the_loss(void **state)
{
    (void)state;
    enum { P = 16 };
    fixture f;
    setup(&f, P, SIAM_LOSS_BCE, 1);
    static float images[2 * P * PIX], labels[P];
    make_pairs(P, 9, images, labels);
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, 0.05f, 0.0f, 0.0f);
    siam_optim *o;
    assert_int_equal(siam_optim_create(f.m, &oc, &o, &f.h.err), SIAM_OK);
    float before, after;
    assert_int_equal(siam_graph_forward(f.g, images, labels, P, &before, NULL, &f.h.err), SIAM_OK);
    assert_int_equal(siam_graph_backward(f.g, &f.h.err), SIAM_OK);
    assert_int_equal(siam_optim_step(o, siam_graph_grad_buffer(f.g), &f.h.err), SIAM_OK);
    assert_int_equal(siam_graph_forward(f.g, images, labels, P, &after, NULL, &f.h.err), SIAM_OK);
    assert_true(after < before);
    siam_optim_destroy(o);
    teardown(&f);
}

/* Trains on 32 fixed pairs; returns the final loss. */
static float train_fixed_set(siam_loss_kind loss, siam_optim_kind kind, float lr, int steps,
                             float *first)
{
    enum { P = 32 };
    fixture f;
    setup(&f, P, loss, 11);
    static float images[2 * P * PIX], labels[P];
    make_pairs(P, 13, images, labels);
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, kind, lr, kind == SIAM_OPTIM_SGD ? 0.9f : 0.0f, 1e-4f);
    siam_optim *o;
    assert_int_equal(siam_optim_create(f.m, &oc, &o, &f.h.err), SIAM_OK);
    float L = 0;
    for (int s = 0; s < steps; s++) {
        assert_int_equal(siam_graph_forward(f.g, images, labels, P, &L, NULL, &f.h.err), SIAM_OK);
        if (s == 0)
            *first = L;
        assert_int_equal(siam_graph_backward(f.g, &f.h.err), SIAM_OK);
        assert_int_equal(siam_optim_step(o, siam_graph_grad_buffer(f.g), &f.h.err), SIAM_OK);
    }
    assert_int_equal(siam_graph_forward(f.g, images, labels, P, &L, NULL, &f.h.err), SIAM_OK);
    siam_optim_destroy(o);
    teardown(&f);
    return L;
}

static void the_net_learns_in_200_steps(void **state)
{
    (void)state;
    /* Threshold: from ln 2 = 0.693 (chance) to below 0.1 on the BCE loss.
     * (Sigmoid embeddings start on a plateau: with lr 0.05 the loss hardly
     * moves in 200 steps, with 0.5 and momentum 0.9 it leaves it by step 50.) */
    float first, last = train_fixed_set(SIAM_LOSS_BCE, SIAM_OPTIM_SGD, 0.5f, 200, &first);
    print_message("bce+sgd: loss %.4f -> %.4f after 200 steps\n", first, last);
    assert_true(first > 0.5f);
    assert_true(last < 0.1f);
    last = train_fixed_set(SIAM_LOSS_BCE, SIAM_OPTIM_ADAM, 3e-3f, 200, &first);
    print_message("bce+adam: loss %.4f -> %.4f after 200 steps\n", first, last);
    assert_true(last < 0.1f);
    /* Contrastive (margin 1): the loss must fall to a quarter of its start. */
    last = train_fixed_set(SIAM_LOSS_CONTRASTIVE, SIAM_OPTIM_SGD, 0.05f, 200, &first);
    print_message("contrastive+sgd: loss %.4f -> %.4f after 200 steps\n", first, last);
    assert_true(last < 0.25f * first);
}

static void smaller_batches_and_embeddings_agree(void **state)
{
    (void)state;
    enum { P = 8 };
    fixture f;
    setup(&f, P, SIAM_LOSS_BCE, 2);
    static float images[2 * P * PIX], labels[P], sub[2 * 3 * PIX], logits[P], logits3[3];
    make_pairs(P, 17, images, labels);
    float L;
    assert_int_equal(siam_graph_forward(f.g, images, labels, P, &L, logits, &f.h.err), SIAM_OK);
    /* The first 3 pairs alone, in a graph built for 8: same logits. */
    memcpy(sub, images, 3 * PIX * 4);
    memcpy(sub + 3 * PIX, images + (size_t)P * PIX, 3 * PIX * 4);
    assert_int_equal(siam_graph_forward(f.g, sub, labels, 3, &L, logits3, &f.h.err), SIAM_OK);
    for (int i = 0; i < 3; i++)
        assert_float_equal(logits[i], logits3[i], 1e-6);
    /* Embeddings + pair_scores reproduce the training head's logits. */
    int D = (int)f.m->shapes.embed_dim;
    float *emb = malloc((size_t)2 * P * D * 4);
    assert_int_equal(siam_graph_embed(f.g, images, 2 * P, emb, &f.h.err), SIAM_OK);
    siam_op_args a = {.op = SIAM_OP_PAIR_SCORES};
    int64_t qs[2] = {P, D}, os[2] = {P, P};
    a.t[0] = h_make(&f.h, SIAM_F32, 2, qs, emb);
    a.t[1] = h_make(&f.h, SIAM_F32, 2, qs, emb + (size_t)P * D);
    a.t[2] = siam_model_param(f.m, f.m->head_alpha);
    a.t[3] = siam_model_param(f.m, f.m->head_bias);
    a.t[4] = h_make(&f.h, SIAM_F32, 2, os, NULL);
    h_run(&f.h, &a);
    float scores[P * P];
    h_read(&f.h, &a.t[4], scores);
    for (int i = 0; i < P; i++)
        assert_float_equal(scores[i * P + i], logits[i], 1e-4);
    free(emb);
    teardown(&f);
}

/* Conv and linear nodes carry their activation (p.layer.act), and the BCE
 * head runs as HEAD_FWD/HEAD_BWD, where the backend fuses them: one node
 * less per activation, one forward and two backward nodes less for the
 * head, and the loss, logits and gradients of the graph that runs every op
 * alone (the head sums D terms in double instead of float: the only
 * difference, a few ulp). */
static void fused_graph_matches_the_plain_one(void **state)
{
    (void)state;
    enum { P = 6 };
    fixture f;
    setup(&f, P, SIAM_LOSS_BCE, 5);
    siam_graph *plain = NULL;
    siam_graph_config cfg = {.max_pairs = P, .train = 1, .loss = SIAM_LOSS_BCE, .unfused = 1};
    assert_int_equal(siam_graph_create(f.m, &cfg, &plain, &f.h.err), SIAM_OK);
    int nf, np, bf, bp, acts = 0, fused = 0, heads = 0;
    const siam_node *lf = siam_graph_nodes(f.g, 0, &nf), *lp = siam_graph_nodes(plain, 0, &np);
    const siam_node *kf = siam_graph_nodes(f.g, 1, &bf);
    siam_graph_nodes(plain, 1, &bp);
    for (int i = 0; i < np; i++)
        acts += lp[i].args.op == SIAM_OP_RELU_FWD || lp[i].args.op == SIAM_OP_SIGMOID_FWD;
    for (int i = 0; i < nf; i++) {
        fused += (lf[i].args.op == SIAM_OP_CONV2D_FWD || lf[i].args.op == SIAM_OP_LINEAR_FWD) &&
                 lf[i].args.p.layer.act != SIAM_ACT_NONE;
        heads += lf[i].args.op == SIAM_OP_HEAD_FWD;
    }
    for (int i = 0; i < bf; i++)
        heads += kf[i].args.op == SIAM_OP_HEAD_BWD;
    assert_true(acts >= 4); /* tiny: relu after each conv, sigmoid after fc */
    assert_int_equal(fused, acts);
    assert_int_equal(heads, 2);
    assert_int_equal(nf, np - acts - 1);
    assert_int_equal(bf, bp - 2);
    static float images[2 * P * PIX], labels[P], lg1[P], lg2[P];
    make_pairs(P, 23, images, labels);
    float l1, l2;
    assert_int_equal(siam_graph_forward(f.g, images, labels, P, &l1, lg1, &f.h.err), SIAM_OK);
    assert_int_equal(siam_graph_backward(f.g, &f.h.err), SIAM_OK);
    assert_int_equal(siam_graph_forward(plain, images, labels, P, &l2, lg2, &f.h.err), SIAM_OK);
    assert_int_equal(siam_graph_backward(plain, &f.h.err), SIAM_OK);
    assert_float_equal(l1, l2, 1e-6 * fabsf(l2));
    for (int i = 0; i < P; i++)
        assert_float_equal(lg1[i], lg2[i], 1e-5 * (1.0f + fabsf(lg2[i])));
    size_t n = (size_t)f.m->n_params;
    float *g1 = malloc(n * 4), *g2 = malloc(n * 4);
    assert_int_equal(siam_graph_get_grads(f.g, g1, &f.h.err), SIAM_OK);
    assert_int_equal(siam_graph_get_grads(plain, g2, &f.h.err), SIAM_OK);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)g1[i] - g2[i];
        num += d * d, den += (double)g2[i] * g2[i];
    }
    assert_true(den > 0 && num / den < 1e-10);
    free(g1);
    free(g2);
    siam_graph_destroy(plain);
    teardown(&f);
}

/* The training graph's memory, by hand from Koch's shapes at 105x105. Per
 * image the tower keeps the input 11025 floats, conv1 64x96x96 = 589824
 * (relu1 overwrites it), pool1 147456, conv2 128x42x42 = 225792 (relu2
 * in place), pool2 56448, conv3 41472 (relu3), pool3 10368, conv4 9216
 * (relu4), fc 4096 (sigmoid in place): 1095697 floats. Gradients walk
 * two slots: one for sigmoid/fc, pool3, pool2, pool1 (largest 147456), one
 * for relu4/conv4 ... relu1/conv1 (largest 589824). */
static void koch105_training_memory_by_hand(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    siam_net_desc d;
    siam_model *m;
    siam_graph *g;
    assert_int_equal(siam_net_preset("koch105", &d, &h.err), SIAM_OK);
    assert_int_equal(siam_model_create(h.be, &d, &m, &h.err), SIAM_OK);
    siam_graph_config cfg = {.max_pairs = 3, .train = 1, .loss = SIAM_LOSS_BCE};
    assert_int_equal(siam_graph_create(m, &cfg, &g, &h.err), SIAM_OK);
    siam_graph_memory mem;
    siam_graph_memory_use(g, &mem);
    const size_t rows = 6;
    assert_int_equal(mem.activations, rows * 1095697 * 4);
    assert_int_equal(mem.activation_grads, rows * (147456 + 589824) * 4);
    assert_int_equal(mem.head, (2 * 3 * 4096 + 3 * 3 + 1) * 4);
    assert_int_equal(mem.param_grads, (size_t)38951745 * 4);
    assert_int_equal(siam_graph_device_bytes(g), mem.activations + mem.activation_grads +
                     mem.head + mem.workspace + mem.param_grads);
    siam_graph_destroy(g);
    siam_model_destroy(m);
    h_close(&h);
}

static void init_is_reproducible(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    siam_net_desc d;
    assert_int_equal(siam_net_preset("tiny", &d, &h.err), SIAM_OK);
    siam_model *m;
    assert_int_equal(siam_model_create(h.be, &d, &m, &h.err), SIAM_OK);
    float *a = malloc((size_t)m->n_params * 4), *b = malloc((size_t)m->n_params * 4);
    assert_int_equal(siam_model_init_values(m, 42, SIAM_INIT_PAPER, a, &h.err), SIAM_OK);
    assert_int_equal(siam_model_init(m, 42, SIAM_INIT_PAPER, &h.err), SIAM_OK);
    assert_int_equal(siam_model_get(m, b, &h.err), SIAM_OK);
    assert_memory_equal(a, b, (size_t)m->n_params * 4);
    assert_int_equal(siam_model_init_values(m, 43, SIAM_INIT_PAPER, b, &h.err), SIAM_OK);
    assert_memory_not_equal(a, b, (size_t)m->n_params * 4);
    /* Paper init: conv biases near 0.5, conv weights near 0 with sd 1e-2. */
    const siam_param *cb = &m->entries[1], *cw = &m->entries[0];
    assert_string_equal(cb->name, "conv1.bias");
    for (int64_t i = 0; i < cb->numel; i++)
        assert_true(fabsf(a[cb->offset + i] - 0.5f) < 0.06f);
    double s2 = 0;
    for (int64_t i = 0; i < cw->numel; i++)
        s2 += (double)a[cw->offset + i] * a[cw->offset + i];
    assert_true(fabs(sqrt(s2 / cw->numel) - 1e-2) < 3e-3);
    free(a);
    free(b);
    siam_model_destroy(m);
    h_close(&h);
}

static void bad_input_gets_errors(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 4, SIAM_LOSS_BCE, 1);
    float images[8 * PIX] = {0}, labels[4] = {1, 0, 1, 0}, L;
    siam_error *err = &f.h.err;
    assert_int_equal(siam_graph_forward(f.g, images, labels, 5, &L, NULL, err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_graph_forward(f.g, images, labels, 0, &L, NULL, err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_graph_forward(f.g, NULL, labels, 4, &L, NULL, err), SIAM_ERR_INVALID_ARG);
    labels[2] = NAN;
    assert_int_equal(siam_graph_forward(f.g, images, labels, 4, &L, NULL, err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_graph_embed(f.g, images, 9, NULL, err), SIAM_ERR_INVALID_ARG);
    siam_graph *g2;
    siam_graph_config bad = {.max_pairs = 0, .train = 1};
    assert_int_equal(siam_graph_create(f.m, &bad, &g2, err), SIAM_ERR_INVALID_ARG);
    bad = (siam_graph_config){.max_pairs = 2, .loss = SIAM_LOSS_CONTRASTIVE, .margin = -1};
    assert_int_equal(siam_graph_create(f.m, &bad, &g2, err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_graph_create(NULL, &bad, &g2, err), SIAM_ERR_INVALID_ARG);
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, -0.1f, 0.5f, 0);
    siam_optim *o;
    assert_int_equal(siam_optim_create(f.m, &oc, &o, err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err->msg, "learning rate"));
    siam_model *m2;
    siam_net_desc d;
    assert_int_equal(siam_net_preset("tiny", &d, err), SIAM_OK);
    d.layers[0].kernel = 40; /* larger than the image */
    assert_int_equal(siam_model_create(f.h.be, &d, &m2, err), SIAM_ERR_INVALID_ARG);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gradients_match_finite_differences),
        cmocka_unit_test(one_sgd_step_lowers_the_loss),
        cmocka_unit_test(the_net_learns_in_200_steps),
        cmocka_unit_test(smaller_batches_and_embeddings_agree),
        cmocka_unit_test(fused_graph_matches_the_plain_one),
        cmocka_unit_test(koch105_training_memory_by_hand),
        cmocka_unit_test(init_is_reproducible),
        cmocka_unit_test(bad_input_gets_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
