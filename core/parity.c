/* Training parity between two backends (see parity.h). */
#include "parity.h"

#include "data/batch.h"
#include "data/lake_runs.h"
#include "data/split.h"
#include "evaluator.h"
#include "op_info.h"
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void siam_parity_options_default(siam_parity_options *o)
{
    memset(o, 0, sizeof *o);
    o->preset = "koch35";
    o->steps = 100;
    o->batch = 32;
    o->seed = 1;
    o->tol = 1e-4;
    o->trials = 400;
}

typedef struct side {
    siam_backend *be;
    siam_model *m;
    siam_graph *g;
    siam_optim *o;
} side;

static void side_free(side *s)
{
    siam_optim_destroy(s->o);
    siam_graph_destroy(s->g);
    siam_model_destroy(s->m);
    siam_backend_close(s->be);
}

static siam_status side_open(side *s, const char *spec, const siam_net_desc *d, const float *w,
                             const siam_parity_options *o, siam_error *err)
{
    siam_status st = siam_backend_open(spec, o->threads, &s->be, err);
    if (st == SIAM_OK)
        st = siam_model_create(s->be, d, &s->m, err);
    if (st == SIAM_OK && w)
        st = siam_model_set(s->m, w, err);
    siam_graph_config gc = {.max_pairs = o->batch, .train = 1, .loss = SIAM_LOSS_BCE};
    if (st == SIAM_OK)
        st = siam_graph_create(s->m, &gc, &s->g, err);
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, 0.1f, 0.9f, 1e-4f);
    if (st == SIAM_OK)
        st = siam_optim_create(s->m, &oc, &s->o, err);
    return st;
}

static double nmse(const float *a, const float *b, int64_t n)
{
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)a[i] * a[i];
    }
    if (!(num == num))
        return INFINITY;
    return den > 0 ? num / den : (num > 0 ? INFINITY : 0);
}

/* The first node (forward, then backward order) whose outputs differ by
 * more than 1e-10 NMSE. The step is replayed node by node on both sides from
 * the same batch and compared after each node: the graph reuses buffers
 * (relu in place, two gradient slots), so what a whole step leaves behind
 * is each region's last writer, not each node's output. Weights have not
 * moved since the step that parted, so the replay computes the same. */
static siam_status first_parting_node(side *a, side *b, const float *images, const float *labels,
                                      int n, char *out, size_t size, siam_error *err)
{
    snprintf(out, size, "(none: every node within 1e-10 NMSE)");
    siam_status st = siam_graph_set_batch(a->g, images, labels, n, err);
    if (st == SIAM_OK)
        st = siam_graph_set_batch(b->g, images, labels, n, err);
    for (int pass = 0; st == SIAM_OK && pass < 2; pass++) {
        int na, nb;
        const siam_node *la = siam_graph_nodes(a->g, pass, &na), *lb = siam_graph_nodes(b->g, pass, &nb);
        for (int i = 0; i < na && i < nb; i++) {
            st = siam_graph_run_node(a->g, &la[i], n, err);
            if (st == SIAM_OK)
                st = siam_graph_run_node(b->g, &lb[i], n, err);
            if (st != SIAM_OK)
                return st;
            const siam_op_info *info = siam_op_get_info(la[i].args.op);
            for (int t = 0; t < info->n_tensors; t++) {
                if (!siam_role_is_output(info->role[t]) || !la[i].args.t[t].buf ||
                    info->role[t] == SIAM_ROLE_INOUT)
                    continue;
                siam_tensor ta = la[i].args.t[t], tb = lb[i].args.t[t];
                int64_t ne = siam_tensor_numel(&ta);
                float *va = malloc((size_t)ne * 4), *vb = malloc((size_t)ne * 4);
                st = va && vb ? SIAM_OK : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
                if (st == SIAM_OK)
                    st = siam_tensor_download(a->be, &ta, va, err);
                if (st == SIAM_OK)
                    st = siam_tensor_download(b->be, &tb, vb, err);
                double e = st == SIAM_OK ? nmse(va, vb, ne) : 0;
                free(va);
                free(vb);
                if (st != SIAM_OK)
                    return st;
                if (e > 1e-10) {
                    snprintf(out, size, "%s %s (%s) output '%s', NMSE %.3g",
                             pass ? "backward" : "forward", la[i].label, info->name,
                             info->tensor_name[t], e);
                    return SIAM_OK;
                }
            }
        }
    }
    return st;
}

static int argmax_first(const float *v, int n)
{
    int k = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[k])
            k = i;
    return k;
}

static siam_status compare_predictions(side *a, side *b, const siam_parity_options *o,
                                       siam_parity_result *res, siam_error *err)
{
    char runs[4096];
    snprintf(runs, sizeof runs, "%s/all_runs", o->data_dir);
    siam_load_options lo;
    siam_load_options_default(&lo);
    siam_dataset *ds = NULL;
    siam_trial_set ts;
    siam_status st = siam_lake_runs_load(runs, &lo, NULL, &ds, &ts, err);
    if (st != SIAM_OK)
        return st;
    siam_evaluator *ea = NULL, *eb = NULL;
    st = siam_evaluator_create(a->m, ds, 64, SIAM_METRIC_WL1, &ea, err);
    if (st == SIAM_OK)
        st = siam_evaluator_create(b->m, ds, 64, SIAM_METRIC_WL1, &eb, err);
    size_t n = ts.n_trials < (size_t)o->trials ? ts.n_trials : (size_t)o->trials, same = 0;
    size_t per = (size_t)ts.way * (size_t)ts.shots;
    float *sa = malloc(per * 4), *sb = malloc(per * 4);
    if (st == SIAM_OK && (!sa || !sb))
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (size_t t = 0; st == SIAM_OK && t < n; t++) {
        st = siam_evaluator_score(ea, ts.query[t], ts.support + t * per, per, sa, err);
        if (st == SIAM_OK)
            st = siam_evaluator_score(eb, ts.query[t], ts.support + t * per, per, sb, err);
        same += st == SIAM_OK && argmax_first(sa, (int)per) == argmax_first(sb, (int)per);
    }
    res->trials = (int)n;
    res->prediction_agreement = n ? (double)same / (double)n : 0;
    free(sa), free(sb);
    siam_evaluator_destroy(ea);
    siam_evaluator_destroy(eb);
    siam_trial_set_free(&ts);
    siam_dataset_destroy(ds);
    return st;
}

siam_status siam_parity_run(const siam_parity_options *o, siam_parity_result *res,
                            siam_error *err)
{
    if (!o || !res || !o->data_dir || !o->backend_a || !o->backend_b)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "parity needs two backends and a data folder");
    if (o->steps < 1 || o->batch < 1 || o->batch > 4096 || !(o->tol > 0) || o->trials < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "parity needs steps >= 1, batch 1..4096, tolerance > 0");
    memset(res, 0, sizeof *res);
    siam_net_desc d;
    siam_status st = siam_net_preset(o->preset, &d, err);
    if (st != SIAM_OK)
        return st;
    side a = {0}, b = {0};
    float *w = NULL, *images = NULL, *labels = NULL;
    siam_pair *pairs = NULL;
    siam_dataset *ds = NULL;
    siam_subset *sub = NULL;
    siam_batch_builder *bb = NULL;
    st = side_open(&a, o->backend_a, &d, NULL, o, err);
    if (st == SIAM_OK) {
        /* Identical starting weights, made once on the host. */
        w = malloc((size_t)a.m->n_params * 4);
        st = w ? siam_model_init_values(a.m, o->seed, SIAM_INIT_UNIFORM, w, err)
               : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (st == SIAM_OK)
        st = siam_model_set(a.m, w, err);
    if (st == SIAM_OK)
        st = side_open(&b, o->backend_b, &d, w, o, err);
    siam_load_options lo;
    siam_load_options_default(&lo);
    if (st == SIAM_OK)
        st = siam_split_load(o->data_dir, SIAM_SPLIT_TRAIN, 0, &lo, NULL, &ds, &sub, err);
    siam_pair_sampler sampler;
    if (st == SIAM_OK)
        st = siam_pair_sampler_init(&sampler, sub, SIAM_NEG_ANY_ALPHABET, o->seed, err);
    siam_batch_options bo;
    siam_batch_options_default(&bo, d.in_h, d.in_w);
    bo.distort = SIAM_DISTORT_ON_THE_FLY;
    bo.seed = o->seed;
    if (st == SIAM_OK)
        st = siam_batch_builder_create(ds, &bo, &bb, err);
    size_t pix = (size_t)(d.in_h * d.in_w);
    images = malloc((size_t)o->batch * 2 * pix * 4);
    labels = malloc((size_t)o->batch * 4);
    pairs = malloc((size_t)o->batch * sizeof *pairs);
    if (st == SIAM_OK && (!images || !labels || !pairs))
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (int s = 1; st == SIAM_OK && s <= o->steps; s++) {
        float la, lb;
        st = siam_pair_sampler_next(&sampler, pairs, (size_t)o->batch, err);
        if (st == SIAM_OK)
            st = siam_batch_fill(bb, pairs, (size_t)o->batch, images, labels, err);
        if (st == SIAM_OK)
            st = siam_graph_forward(a.g, images, labels, o->batch, &la, NULL, err);
        if (st == SIAM_OK)
            st = siam_graph_forward(b.g, images, labels, o->batch, &lb, NULL, err);
        if (st == SIAM_OK)
            st = siam_graph_backward(a.g, err);
        if (st == SIAM_OK)
            st = siam_graph_backward(b.g, err);
        if (st != SIAM_OK)
            break;
        double rel = fabs((double)la - lb) / fmax(fabs((double)la), 1e-12);
        if (!(rel == rel))
            rel = INFINITY;
        if (rel > res->max_rel_loss_diff || s == 1)
            res->max_rel_loss_diff = rel, res->max_diff_step = s;
        res->steps_run = s;
        if (o->out)
            fprintf(o->out, "step %d: loss %.9g vs %.9g, relative difference %.3g\n", s, la, lb, rel);
        if (rel > o->tol * (1.0 + s / 10.0)) {
            res->first_bad_step = s;
            st = first_parting_node(&a, &b, images, labels, o->batch, res->first_bad_node,
                                    sizeof res->first_bad_node, err);
            break;
        }
        st = siam_optim_step(a.o, siam_graph_grad_buffer(a.g), err);
        if (st == SIAM_OK)
            st = siam_optim_step(b.o, siam_graph_grad_buffer(b.g), err);
    }
    if (st == SIAM_OK && o->trials > 0)
        st = compare_predictions(&a, &b, o, res, err);
    siam_batch_builder_destroy(bb);
    siam_subset_destroy(sub);
    siam_dataset_destroy(ds);
    free(w), free(images), free(labels), free(pairs);
    side_free(&a);
    side_free(&b);
    return st;
}
