/* Staged batches (siam_graph_staging / stage / forward_staged / read_loss)
 * against the synchronous siam_graph_forward: on every backend present
 * (cpu, blas, opencl), a few SGD steps with batches of changing size give
 * the same losses and weights bit for bit both ways, and the staged run
 * agrees with the cpu reference within float tolerance. Uses the "tiny"
 * preset on random images. */
#include "harness.h"

#include "engine/graph.h"
#include "engine/optim.h"

enum { CAP = 8, STEPS = 7, PIX = 28 * 28 };

/* Step s's batch: sizes vary, so a smaller batch follows a larger one. */
static int batch_pairs(int s)
{
    static const int n[STEPS] = {8, 8, 5, 8, 3, 1, 8};
    return n[s];
}

static void make_batch(int s, float *images, float *labels)
{
    int n = batch_pairs(s);
    h_uniform(images, 2 * (int64_t)n * PIX, 100 + (uint64_t)s, 0.0, 1.0);
    for (int i = 0; i < n; i++)
        labels[i] = (float)((i + s) % 2);
}

typedef struct trajectory {
    float loss[STEPS];
    float *params;
    int64_t n_params;
} trajectory;

/* STEPS steps of SGD from the same start; 0 when the backend is absent. */
static int train(const char *backend, int staged, trajectory *t)
{
    siam_backend *be;
    siam_error err = {0};
    if (siam_backend_open(backend, 0, &be, &err) != SIAM_OK) {
        print_message("%s: not tested (%s)\n", backend, err.msg);
        return 0;
    }
    siam_net_desc d;
    siam_model *m;
    siam_graph *g;
    siam_optim *o;
    assert_int_equal(siam_net_preset("tiny", &d, &err), SIAM_OK);
    assert_int_equal(siam_model_create(be, &d, &m, &err), SIAM_OK);
    assert_int_equal(siam_model_init(m, 5, SIAM_INIT_UNIFORM, &err), SIAM_OK);
    siam_graph_config cfg = {.max_pairs = CAP, .train = 1, .loss = SIAM_LOSS_BCE};
    assert_int_equal(siam_graph_create(m, &cfg, &g, &err), SIAM_OK);
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, 0.05f, 0.9f, 1e-4f);
    assert_int_equal(siam_optim_create(m, &oc, &o, &err), SIAM_OK);
    static float images[2 * CAP * PIX], labels[CAP];
    float *si, *sl;
    if (staged) { /* the trainer's order: next batch staged before the loss is read */
        assert_int_equal(siam_graph_staging(g, &si, &sl, &err), SIAM_OK);
        make_batch(0, si, sl);
        assert_int_equal(siam_graph_stage(g, batch_pairs(0), &err), SIAM_OK);
    }
    for (int s = 0; s < STEPS; s++) {
        siam_status st;
        if (staged) {
            st = siam_graph_forward_staged(g, &err);
        } else {
            make_batch(s, images, labels);
            st = siam_graph_forward(g, images, labels, batch_pairs(s), &t->loss[s], NULL, &err);
        }
        if (st == SIAM_OK)
            st = siam_graph_backward(g, &err);
        if (st == SIAM_OK)
            st = siam_optim_step(o, siam_graph_grad_buffer(g), &err);
        if (st == SIAM_OK && staged && s + 1 < STEPS) {
            st = siam_graph_staging(g, &si, &sl, &err);
            if (st == SIAM_OK) {
                make_batch(s + 1, si, sl);
                st = siam_graph_stage(g, batch_pairs(s + 1), &err);
            }
        }
        if (st == SIAM_OK && staged)
            st = siam_graph_read_loss(g, &t->loss[s], &err);
        if (st != SIAM_OK)
            fail_msg("%s, %s, step %d: %s", backend, staged ? "staged" : "synchronous", s, err.msg);
    }
    t->n_params = m->n_params;
    t->params = malloc((size_t)m->n_params * sizeof *t->params);
    assert_non_null(t->params);
    assert_int_equal(siam_model_get(m, t->params, &err), SIAM_OK);
    siam_optim_destroy(o);
    siam_graph_destroy(g);
    siam_model_destroy(m);
    siam_backend_close(be);
    return 1;
}

static void staged_equals_synchronous_on_every_backend(void **state)
{
    (void)state;
    trajectory ref = {0};
    assert_true(train("cpu", 0, &ref));
    const char *names[] = {"cpu", "blas", "opencl"};
    for (size_t b = 0; b < sizeof names / sizeof names[0]; b++) {
        trajectory sync = {0}, staged = {0};
        if (!train(names[b], 0, &sync))
            continue;
        assert_true(train(names[b], 1, &staged));
        /* The same ops in the same order on the same inputs: bit for bit. */
        for (int s = 0; s < STEPS; s++)
            if (memcmp(&sync.loss[s], &staged.loss[s], sizeof(float)) != 0)
                fail_msg("%s step %d: loss %.9g synchronous, %.9g staged", names[b], s,
                         sync.loss[s], staged.loss[s]);
        assert_int_equal(sync.n_params, staged.n_params);
        if (memcmp(sync.params, staged.params, (size_t)sync.n_params * sizeof(float)) != 0)
            fail_msg("%s: weights differ after %d steps, synchronous against staged", names[b],
                     STEPS);
        /* Against the cpu reference: rounding only. */
        for (int s = 0; s < STEPS; s++)
            if (fabsf(staged.loss[s] - ref.loss[s]) > 1e-4f * (1.0f + fabsf(ref.loss[s])))
                fail_msg("%s step %d: loss %.9g staged, cpu reference %.9g", names[b], s,
                         staged.loss[s], ref.loss[s]);
        double worst = h_max_abs_diff(staged.params, ref.params, ref.n_params);
        print_message("%s: staged == synchronous; against cpu: weights within %.2e\n", names[b],
                      worst);
        assert_true(worst < 1e-4);
        free(sync.params);
        free(staged.params);
    }
    free(ref.params);
}

static void staging_refuses_misuse(void **state)
{
    (void)state;
    harness h;
    h_open(&h, NULL);
    siam_net_desc d;
    siam_model *m;
    siam_graph *g;
    assert_int_equal(siam_net_preset("tiny", &d, &h.err), SIAM_OK);
    assert_int_equal(siam_model_create(h.be, &d, &m, &h.err), SIAM_OK);
    siam_graph_config cfg = {.max_pairs = CAP, .train = 1, .loss = SIAM_LOSS_BCE};
    assert_int_equal(siam_graph_create(m, &cfg, &g, &h.err), SIAM_OK);
    assert_int_equal(siam_graph_forward_staged(g, &h.err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_graph_stage(g, 1, &h.err), SIAM_ERR_INVALID_ARG);
    float *si, *sl, *si2, *sl2;
    assert_int_equal(siam_graph_staging(g, &si, &sl, &h.err), SIAM_OK);
    make_batch(0, si, sl);
    sl[2] = 2.0f;
    assert_int_equal(siam_graph_stage(g, CAP, &h.err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(h.err.msg, "label 2"));
    assert_int_equal(siam_graph_stage(g, CAP + 1, &h.err), SIAM_ERR_INVALID_ARG);
    sl[2] = 1.0f;
    assert_int_equal(siam_graph_stage(g, CAP, &h.err), SIAM_OK);
    /* The next slot is the other one; the one after is the first again. */
    assert_int_equal(siam_graph_staging(g, &si2, &sl2, &h.err), SIAM_OK);
    assert_ptr_not_equal(si2, si);
    make_batch(1, si2, sl2);
    assert_int_equal(siam_graph_stage(g, batch_pairs(1), &h.err), SIAM_OK);
    float *si3, *sl3;
    assert_int_equal(siam_graph_staging(g, &si3, &sl3, &h.err), SIAM_OK);
    assert_ptr_equal(si3, si);
    /* A synchronous forward discards a staged batch. */
    assert_int_equal(siam_graph_stage(g, CAP, &h.err), SIAM_OK);
    static float images[2 * CAP * PIX], labels[CAP];
    make_batch(0, images, labels);
    float loss;
    assert_int_equal(siam_graph_forward(g, images, labels, CAP, &loss, NULL, &h.err), SIAM_OK);
    assert_int_equal(siam_graph_forward_staged(g, &h.err), SIAM_ERR_INVALID_ARG);
    siam_graph_destroy(g);
    siam_model_destroy(m);
    h_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(staged_equals_synchronous_on_every_backend),
        cmocka_unit_test(staging_refuses_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
