/* Training parity between two backends (see parity.h). */
#include "train/parity.h"

#include "data/batch.h"
#include "data/lake_runs.h"
#include "data/split.h"
#include "eval/evaluator.h"
#include "engine/op_info.h"
#include "engine/op_parity.h"
#include "engine/optim.h"
#include "train/parity_verdict.h"

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
    o->mode = SIAM_PARITY_BOTH;
    o->loss_tol = 1e-5;
    o->grad_nmse = 1e-7;
    o->weight_nmse = 1e-10;
    o->alpha = 1e-3;
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

static siam_status side_graph(side *s, const siam_parity_options *o, int unfused,
                              siam_error *err)
{
    siam_graph_destroy(s->g);
    s->g = NULL;
    siam_graph_config gc = {
        .max_pairs = o->batch, .train = 1, .loss = SIAM_LOSS_BCE, .unfused = unfused};
    return siam_graph_create(s->m, &gc, &s->g, err);
}

/* 1 when both graphs run the same ops in the same order (a backend that
 * fuses no activation builds more nodes than one that does). */
static int same_graph(const side *a, const side *b)
{
    for (int pass = 0; pass < 2; pass++) {
        int na, nb;
        const siam_node *la = siam_graph_nodes(a->g, pass, &na);
        const siam_node *lb = siam_graph_nodes(b->g, pass, &nb);
        if (na != nb)
            return 0;
        for (int i = 0; i < na; i++)
            if (la[i].args.op != lb[i].args.op)
                return 0;
    }
    return 1;
}

static siam_status side_open(side *s, const char *spec, const siam_net_desc *d,
                             const siam_parity_options *o, siam_error *err)
{
    siam_status st = siam_backend_open(spec, o->threads, &s->be, err);
    if (st == SIAM_OK)
        st = siam_model_create(s->be, d, &s->m, err);
    if (st == SIAM_OK)
        st = side_graph(s, o, 0, err);
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, 0.1f, 0.9f, 1e-4f);
    if (st == SIAM_OK)
        st = siam_optim_create(s->m, &oc, &s->o, err);
    return st;
}

/* Weights w and momentum v (NULL: zero) at optimiser step `step`. */
static siam_status side_set(side *s, const float *w, const float *v, int64_t step, float *zeros,
                            siam_error *err)
{
    siam_status st = siam_model_set(s->m, w, err);
    return st == SIAM_OK ? siam_optim_set_state(s->o, v ? v : zeros, NULL, step, err) : st;
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

/* The largest NMSE over n ranges of a and b (offsets and lengths given by
 * the getters), and which range. */
typedef struct range_of {
    size_t offset;
    int64_t numel;
} range_of;

static double worst_range(const range_of *r, int n, const float *a, const float *b, int *where)
{
    double worst = 0;
    *where = 0;
    for (int i = 0; i < n; i++) {
        double x = nmse(a + r[i].offset, b + r[i].offset, r[i].numel);
        if (x > worst) {
            worst = x;
            *where = i;
        }
    }
    return worst;
}

/* The largest NMSE over the model's parameter entries, and where. */
static double worst_entry(const siam_model *m, const float *a, const float *b, int *where)
{
    range_of r[SIAM_MAX_PARAMS];
    for (int e = 0; e < m->n_entries; e++)
        r[e] = (range_of){m->entries[e].offset, m->entries[e].numel};
    return worst_range(r, m->n_entries, a, b, where);
}

/* The largest NMSE of a layer's gradient (its weight and bias together),
 * and which layer. Per layer, not per entry: a bias gradient sums terms
 * that nearly cancel in a real step (op_parity.c), so its own NMSE
 * measures the cancellation more than the backend. */
static double worst_layer(const siam_model *m, const float *a, const float *b, int *where)
{
    range_of r[SIAM_MAX_GROUPS];
    for (int g = 0; g < m->n_groups; g++)
        r[g] = (range_of){m->groups[g].offset, m->groups[g].numel};
    return worst_range(r, m->n_groups, a, b, where);
}

static siam_status copy_tensor(side *from, side *to, const siam_tensor *tf, const siam_tensor *tt,
                               siam_error *err)
{
    int64_t ne = siam_tensor_numel(tf);
    float *v = malloc((size_t)ne * sizeof(float));
    if (!v)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_tensor_download(from->be, tf, v, err);
    if (st == SIAM_OK)
        st = siam_tensor_upload(to->be, tt, v, err);
    free(v);
    return st;
}

static siam_status tensor_nmse(side *a, side *b, const siam_tensor *ta, const siam_tensor *tb,
                               double *out, siam_error *err)
{
    int64_t ne = siam_tensor_numel(ta);
    float *va = malloc((size_t)ne * 4), *vb = malloc((size_t)ne * 4);
    siam_status st =
        va && vb ? SIAM_OK : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = siam_tensor_download(a->be, ta, va, err);
    if (st == SIAM_OK)
        st = siam_tensor_download(b->be, tb, vb, err);
    *out = st == SIAM_OK ? nmse(va, vb, ne) : 0;
    free(va);
    free(vb);
    return st;
}

/* The step replayed op by op, forward then backward, each of B's ops fed
 * A's inputs, its outputs held to the op's own bound in a real step. Records each
 * op's largest NMSE in op_nmse (if not NULL) and names the first op beyond
 * its bound in `bad` ("" if none). Weights must not have moved since the
 * step ran. The graph reuses buffers (relu in place, two gradient slots),
 * so outputs are compared right after each node. */
static siam_status replay_ops(side *a, side *b, const float *images, const float *labels, int n,
                              double *op_nmse, char *bad, size_t size, siam_error *err)
{
    bad[0] = '\0';
    siam_status st = siam_graph_set_batch(a->g, images, labels, n, err);
    if (st == SIAM_OK)
        st = siam_graph_set_batch(b->g, images, labels, n, err);
    for (int pass = 0; st == SIAM_OK && pass < 2; pass++) {
        int na, nb;
        const siam_node *la = siam_graph_nodes(a->g, pass, &na);
        const siam_node *lb = siam_graph_nodes(b->g, pass, &nb);
        for (int i = 0; st == SIAM_OK && i < na && i < nb; i++) {
            const siam_op_info *info = siam_op_get_info(la[i].args.op);
            for (int t = 0; st == SIAM_OK && t < info->n_tensors; t++) {
                siam_role r = info->role[t];
                if ((r == SIAM_ROLE_IN || r == SIAM_ROLE_IN_OPT || r == SIAM_ROLE_INOUT) &&
                    la[i].args.t[t].buf)
                    st = copy_tensor(a, b, &la[i].args.t[t], &lb[i].args.t[t], err);
            }
            if (st == SIAM_OK)
                st = siam_graph_run_node(a->g, &la[i], n, err);
            if (st == SIAM_OK)
                st = siam_graph_run_node(b->g, &lb[i], n, err);
            const char *why = NULL;
            siam_op_parity_nmse(la[i].args.op, &why);
            double bound = siam_op_parity_step_nmse(la[i].args.op);
            for (int t = 0; st == SIAM_OK && t < info->n_tensors; t++) {
                if (!siam_role_is_output(info->role[t]) || !la[i].args.t[t].buf)
                    continue;
                double e = 0;
                st = tensor_nmse(a, b, &la[i].args.t[t], &lb[i].args.t[t], &e, err);
                if (st == SIAM_OK && op_nmse && e > op_nmse[la[i].args.op])
                    op_nmse[la[i].args.op] = e;
                if (st == SIAM_OK && e > bound && !bad[0])
                    snprintf(bad, size, "%s %s (%s) output '%s', NMSE %.3g beyond its bound %.0e (%s)",
                             pass ? "backward" : "forward", la[i].label, info->name,
                             info->tensor_name[t], e, bound, why);
            }
            if (bad[0] && !op_nmse)
                return st;
        }
    }
    return st;
}

/* The pair stream both sides see: the same pairs and distortions from the
 * same seed, rebuilt for each phase. */
typedef struct stream {
    siam_dataset *ds;
    siam_subset *sub;
    siam_pair_sampler sampler;
    siam_batch_builder *bb;
    siam_pair *pairs;
    float *images, *labels;
    int batch;
} stream;

static siam_status stream_start(stream *s, const siam_parity_options *o, const siam_net_desc *d,
                                siam_error *err)
{
    siam_batch_builder_destroy(s->bb);
    s->bb = NULL;
    siam_status st = SIAM_OK;
    if (!s->ds) {
        siam_load_options lo;
        siam_load_options_default(&lo);
        st = siam_split_load(o->data_dir, SIAM_SPLIT_TRAIN, 0, &lo, NULL, &s->ds, &s->sub, err);
        size_t pix = (size_t)(d->in_h * d->in_w);
        s->batch = o->batch;
        s->images = malloc((size_t)o->batch * 2 * pix * 4);
        s->labels = malloc((size_t)o->batch * 4);
        s->pairs = malloc((size_t)o->batch * sizeof *s->pairs);
        if (st == SIAM_OK && (!s->images || !s->labels || !s->pairs))
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (st == SIAM_OK)
        st = siam_pair_sampler_init(&s->sampler, s->sub, SIAM_NEG_ANY_ALPHABET, o->seed, err);
    siam_batch_options bo;
    siam_batch_options_default(&bo, d->in_h, d->in_w);
    bo.distort = SIAM_DISTORT_ON_THE_FLY;
    bo.seed = o->seed;
    if (st == SIAM_OK)
        st = siam_batch_builder_create(s->ds, &bo, &s->bb, err);
    return st;
}

static siam_status stream_next(stream *s, siam_error *err)
{
    siam_status st = siam_pair_sampler_next(&s->sampler, s->pairs, (size_t)s->batch, err);
    return st == SIAM_OK
               ? siam_batch_fill(s->bb, s->pairs, (size_t)s->batch, s->images, s->labels, err)
               : st;
}

/* The next batch through both sides, forward and backward. */
static siam_status both_forward_backward(side *a, side *b, stream *s, float *la, float *lb,
                                         siam_error *err)
{
    siam_status st = stream_next(s, err);
    if (st == SIAM_OK)
        st = siam_graph_forward(a->g, s->images, s->labels, s->batch, la, NULL, err);
    if (st == SIAM_OK)
        st = siam_graph_forward(b->g, s->images, s->labels, s->batch, lb, NULL, err);
    if (st == SIAM_OK)
        st = siam_graph_backward(a->g, err);
    if (st == SIAM_OK)
        st = siam_graph_backward(b->g, err);
    return st;
}

static void stream_free(stream *s)
{
    siam_batch_builder_destroy(s->bb);
    siam_subset_destroy(s->sub);
    siam_dataset_destroy(s->ds);
    free(s->pairs), free(s->images), free(s->labels);
}

/* Host scratch of n_params floats each. */
typedef struct scratch {
    float *w0, *wa, *wb, *ga, *gb, *va, *zeros;
} scratch;

/* One optimiser step on each side from its own gradients, then both
 * sides' weights into h->wa and h->wb. */
static siam_status both_update(side *a, side *b, scratch *h, siam_error *err)
{
    siam_status st = siam_optim_step(a->o, siam_graph_grad_buffer(a->g), err);
    if (st == SIAM_OK)
        st = siam_optim_step(b->o, siam_graph_grad_buffer(b->g), err);
    if (st == SIAM_OK)
        st = siam_model_get(a->m, h->wa, err);
    if (st == SIAM_OK)
        st = siam_model_get(b->m, h->wb, err);
    return st;
}

static double rel_loss(float la, float lb)
{
    double rel = fabs((double)la - lb) / fmax(fabs((double)la), 1e-12);
    return rel == rel ? rel : INFINITY;
}

static siam_status teacher_forced(side *a, side *b, stream *s, scratch *h,
                                  const siam_parity_options *o, siam_parity_result *res,
                                  siam_error *err)
{
    siam_status st = stream_start(s, o, &a->m->desc, err);
    if (st == SIAM_OK)
        st = side_set(a, h->w0, NULL, 0, h->zeros, err);
    for (int step = 1; st == SIAM_OK && step <= o->steps; step++) {
        /* B starts the step from A's weights and momentum. */
        st = siam_model_get(a->m, h->wa, err);
        if (st == SIAM_OK)
            st = siam_optim_get_state(a->o, h->va, NULL, err);
        if (st == SIAM_OK)
            st = side_set(b, h->wa, h->va, step - 1, h->zeros, err);
        float la = 0, lb = 0;
        if (st == SIAM_OK)
            st = both_forward_backward(a, b, s, &la, &lb, err);
        if (st == SIAM_OK)
            st = siam_graph_get_grads(a->g, h->ga, err);
        if (st == SIAM_OK)
            st = siam_graph_get_grads(b->g, h->gb, err);
        if (st != SIAM_OK)
            break;
        res->tf_steps = step;
        double rel = rel_loss(la, lb);
        int gl = 0;
        double gn = worst_layer(a->m, h->ga, h->gb, &gl);
        if (rel > res->tf_max_loss_rel)
            res->tf_max_loss_rel = rel;
        if (gn > res->tf_max_grad_nmse || step == 1) {
            res->tf_max_grad_nmse = gn;
            snprintf(res->tf_max_grad_param, sizeof res->tf_max_grad_param, "%s",
                     a->m->groups[gl].name);
        }
        const char *what = NULL;
        char buf[160];
        if (rel > o->loss_tol) {
            snprintf(buf, sizeof buf, "loss relative difference %.3g beyond %.0e", rel,
                     o->loss_tol);
            what = buf;
        } else if (gn > o->grad_nmse) {
            snprintf(buf, sizeof buf, "gradient of %s NMSE %.3g beyond %.0e",
                     a->m->groups[gl].name, gn, o->grad_nmse);
            what = buf;
        }
        /* Step 1 always, and a parting: op by op from the same inputs. */
        if (step == 1 || what) {
            char bad[200];
            st = replay_ops(a, b, s->images, s->labels, o->batch, step == 1 ? res->op_nmse : NULL,
                            bad, sizeof bad, err);
            if (st == SIAM_OK && bad[0] && !res->first_bad_node[0])
                snprintf(res->first_bad_node, sizeof res->first_bad_node, "%s", bad);
            if (st == SIAM_OK && bad[0] && !what) {
                snprintf(buf, sizeof buf, "an op beyond its own bound");
                what = buf;
            }
        }
        if (st == SIAM_OK && !what) {
            /* The update, from the same weights and momentum, each side
             * with its own gradients. */
            st = both_update(a, b, h, err);
            int we = 0;
            double wn = st == SIAM_OK ? worst_entry(a->m, h->wa, h->wb, &we) : 0;
            if (wn > res->tf_max_weight_nmse)
                res->tf_max_weight_nmse = wn;
            if (st == SIAM_OK && wn > o->weight_nmse) {
                snprintf(buf, sizeof buf, "%s after the update NMSE %.3g beyond %.0e",
                         a->m->entries[we].name, wn, o->weight_nmse);
                what = buf;
                /* Same weights, momentum and nearly the same gradients: the update itself. */
                snprintf(res->first_bad_node, sizeof res->first_bad_node,
                         "the optimiser's update (%s) of %s", siam_op_name(SIAM_OP_SGD_UPDATE),
                         a->m->entries[we].name);
            }
            if (o->out && st == SIAM_OK)
                fprintf(o->out,
                        "teacher-forced step %d: loss %.9g vs %.9g (relative %.3g), gradients "
                        "NMSE %.3g (%s), weights after the update NMSE %.3g\n",
                        step, la, lb, rel, gn, a->m->groups[gl].name, wn);
        }
        if (st == SIAM_OK && what) {
            res->tf_first_bad_step = step;
            snprintf(res->tf_what, sizeof res->tf_what, "%s", what);
            if (o->out)
                fprintf(o->out, "teacher-forced step %d: loss %.9g vs %.9g (relative %.3g): %s\n",
                        step, la, lb, rel, what);
            break;
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
    if ((size_t)snprintf(runs, sizeof runs, "%s/all_runs", o->data_dir) >= sizeof runs)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "data folder path too long");
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
        if (st != SIAM_OK)
            break;
        int pa = argmax_first(sa, (int)per) / ts.shots, pb = argmax_first(sb, (int)per) / ts.shots;
        int ra = pa == (int)ts.answer[t], rb = pb == (int)ts.answer[t];
        same += pa == pb;
        res->correct_a += ra, res->correct_b += rb;
        res->only_a += ra && !rb, res->only_b += rb && !ra;
    }
    res->trials = (int)n;
    res->prediction_agreement = n ? (double)same / (double)n : 0;
    res->p_value = siam_mcnemar_p(res->only_a, res->only_b);
    siam_paired_difference((int)n, res->only_a, res->only_b, &res->diff, &res->diff_lo,
                           &res->diff_hi);
    res->differ = n > 0 && res->p_value < o->alpha;
    free(sa), free(sb);
    siam_evaluator_destroy(ea);
    siam_evaluator_destroy(eb);
    siam_trial_set_free(&ts);
    siam_dataset_destroy(ds);
    return st;
}

static siam_status free_running(side *a, side *b, stream *s, scratch *h,
                                const siam_parity_options *o, siam_parity_result *res,
                                siam_error *err)
{
    double *wdiff = calloc((size_t)o->steps, sizeof *wdiff);
    siam_status st = wdiff ? stream_start(s, o, &a->m->desc, err)
                           : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK)
        st = side_set(a, h->w0, NULL, 0, h->zeros, err);
    if (st == SIAM_OK)
        st = side_set(b, h->w0, NULL, 0, h->zeros, err);
    for (int step = 1; st == SIAM_OK && step <= o->steps; step++) {
        float la = 0, lb = 0;
        st = both_forward_backward(a, b, s, &la, &lb, err);
        if (st == SIAM_OK)
            st = both_update(a, b, h, err);
        if (st != SIAM_OK)
            break;
        double rel = rel_loss(la, lb);
        wdiff[step - 1] = sqrt(nmse(h->wa, h->wb, a->m->n_params)); /* ||wa - wb|| / ||wa|| */
        if (rel > res->max_rel_loss_diff || step == 1)
            res->max_rel_loss_diff = rel, res->max_diff_step = step;
        res->steps_run = step;
        res->final_weight_rel = wdiff[step - 1];
        if (o->out)
            fprintf(o->out,
                    "free-running step %d: loss %.9g vs %.9g, relative difference %.3g; weights "
                    "%.3g apart\n",
                    step, la, lb, rel, wdiff[step - 1]);
    }
    res->growth_per_step = siam_growth_per_step(wdiff, res->steps_run);
    free(wdiff);
    if (st == SIAM_OK && o->trials > 0)
        st = compare_predictions(a, b, o, res, err);
    return st;
}

siam_parity_bound siam_parity_op_bound(siam_op op)
{
    siam_parity_bound b = {siam_op_parity_step_nmse(op), 0.0, NULL};
    b.case_nmse = siam_op_parity_nmse(op, &b.why);
    return b;
}

siam_status siam_parity_run(const siam_parity_options *o, siam_parity_result *res,
                            siam_error *err)
{
    if (!o || !res || !o->data_dir || !o->backend_a || !o->backend_b)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "parity needs two backends and a data folder");
    if (o->steps < 1 || o->batch < 1 || o->batch > 4096 || o->trials < 0 ||
        !(o->loss_tol > 0) || !(o->grad_nmse > 0) || !(o->weight_nmse > 0) ||
        !(o->alpha > 0 && o->alpha < 1) || o->mode < SIAM_PARITY_TEACHER ||
        o->mode > SIAM_PARITY_BOTH)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "parity needs steps >= 1, batch 1..4096, tolerances > 0, alpha "
                              "in (0, 1) and a mode");
    memset(res, 0, sizeof *res);
    for (int i = 0; i < SIAM_OP_COUNT; i++)
        res->op_nmse[i] = -1;
    siam_net_desc d;
    siam_status st = siam_net_preset(o->preset, &d, err);
    if (st != SIAM_OK)
        return st;
    side a = {0}, b = {0};
    stream s;
    memset(&s, 0, sizeof s);
    scratch h = {0};
    float **bufs[] = {&h.w0, &h.wa, &h.wb, &h.ga, &h.gb, &h.va, &h.zeros};
    st = side_open(&a, o->backend_a, &d, o, err);
    if (st == SIAM_OK)
        st = side_open(&b, o->backend_b, &d, o, err);
    /* Replayed op by op, both sides need the same nodes. */
    if (st == SIAM_OK && !same_graph(&a, &b)) {
        st = side_graph(&a, o, 1, err);
        if (st == SIAM_OK)
            st = side_graph(&b, o, 1, err);
    }
    for (size_t i = 0; st == SIAM_OK && i < sizeof bufs / sizeof bufs[0]; i++) {
        *bufs[i] = calloc((size_t)a.m->n_params, sizeof(float));
        if (!*bufs[i])
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    /* Identical starting weights, made once on the host. */
    if (st == SIAM_OK)
        st = siam_model_init_values(a.m, o->seed, SIAM_INIT_UNIFORM, h.w0, err);
    if (st == SIAM_OK && (o->mode & SIAM_PARITY_TEACHER))
        st = teacher_forced(&a, &b, &s, &h, o, res, err);
    if (st == SIAM_OK && (o->mode & SIAM_PARITY_FREE))
        st = free_running(&a, &b, &s, &h, o, res, err);
    stream_free(&s);
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(*bufs[i]);
    side_free(&a);
    side_free(&b);
    return st;
}
