/* SGD-with-momentum and Adam over parameter groups, dispatched per group. */
#include "engine/optim.h"

#include <stdlib.h>

void siam_optim_config_uniform(siam_optim_config *cfg, siam_optim_kind kind, float lr,
                               float momentum, float l2)
{
    cfg->kind = kind;
    for (int i = 0; i < SIAM_MAX_GROUPS; i++)
        cfg->group[i] = (siam_group_hparams){lr, momentum, l2};
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.999f;
    cfg->eps = 1e-8f;
}

static siam_status check_config(const siam_model *m, const siam_optim_config *c, siam_error *err)
{
    if (c->kind != SIAM_OPTIM_SGD && c->kind != SIAM_OPTIM_ADAM)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "unknown optimiser %d", (int)c->kind);
    for (int i = 0; i < m->n_groups; i++) {
        const siam_group_hparams *h = &c->group[i];
        if (!(h->lr >= 0.0f) || !(h->l2 >= 0.0f) || !(h->momentum >= 0.0f && h->momentum < 1.0f))
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "group %s: need learning rate >= 0, L2 >= 0 and 0 <= momentum "
                                  "< 1 (got %g, %g, %g)",
                                  m->groups[i].name, h->lr, h->l2, h->momentum);
    }
    if (c->kind == SIAM_OPTIM_ADAM &&
        (!(c->beta1 >= 0.0f && c->beta1 < 1.0f) || !(c->beta2 >= 0.0f && c->beta2 < 1.0f) ||
         !(c->eps > 0.0f)))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "Adam needs betas in [0,1) and eps > 0");
    return SIAM_OK;
}

siam_status siam_optim_create(siam_model *m, const siam_optim_config *cfg, siam_optim **out,
                              siam_error *err)
{
    if (!m || !cfg || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_optim_create: NULL argument");
    *out = NULL;
    siam_status st = check_config(m, cfg, err);
    if (st != SIAM_OK)
        return st;
    siam_optim *o = calloc(1, sizeof *o);
    if (!o)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    o->cfg = *cfg;
    o->m = m;
    size_t bytes = (size_t)m->n_params * 4;
    st = siam_backend_alloc(m->be, bytes, &o->s1, err);
    if (st == SIAM_OK && cfg->kind == SIAM_OPTIM_ADAM)
        st = siam_backend_alloc(m->be, bytes, &o->s2, err);
    siam_tensor all = siam_tensor_1d(o->s1, 0, m->n_params);
    if (st == SIAM_OK)
        st = siam_tensor_fill(m->be, &all, 0.0f, err);
    if (st == SIAM_OK && o->s2) {
        all.buf = o->s2;
        st = siam_tensor_fill(m->be, &all, 0.0f, err);
    }
    if (st != SIAM_OK) {
        siam_optim_destroy(o);
        return st;
    }
    *out = o;
    return SIAM_OK;
}

void siam_optim_destroy(siam_optim *o)
{
    if (!o)
        return;
    siam_backend_free(o->m->be, o->s1);
    siam_backend_free(o->m->be, o->s2);
    free(o);
}

siam_status siam_optim_step(siam_optim *o, siam_buffer *grads, siam_error *err)
{
    if (!o || !grads)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_optim_step: NULL argument");
    siam_status st = check_config(o->m, &o->cfg, err);
    if (st != SIAM_OK)
        return st;
    o->step++;
    for (int i = 0; st == SIAM_OK && i < o->m->n_groups; i++) {
        const siam_param_group *g = &o->m->groups[i];
        const siam_group_hparams *h = &o->cfg.group[i];
        siam_op_args a = {0};
        a.t[0] = siam_tensor_1d(o->m->params, g->offset, g->numel);
        a.t[1] = siam_tensor_1d(grads, g->offset, g->numel);
        a.t[2] = siam_tensor_1d(o->s1, g->offset, g->numel);
        if (o->cfg.kind == SIAM_OPTIM_SGD) {
            a.op = SIAM_OP_SGD_UPDATE;
            a.p.sgd.lr = h->lr;
            a.p.sgd.momentum = h->momentum;
            a.p.sgd.l2 = h->l2;
        } else {
            a.op = SIAM_OP_ADAM_UPDATE;
            a.t[3] = siam_tensor_1d(o->s2, g->offset, g->numel);
            a.p.adam.lr = h->lr;
            a.p.adam.l2 = h->l2;
            a.p.adam.beta1 = o->cfg.beta1;
            a.p.adam.beta2 = o->cfg.beta2;
            a.p.adam.eps = o->cfg.eps;
            a.p.adam.step = o->step;
        }
        st = siam_backend_run(o->m->be, &a, err);
    }
    return st;
}

siam_status siam_optim_get_state(siam_optim *o, float *s1, float *s2, siam_error *err)
{
    if (!o || !s1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_optim_get_state: NULL argument");
    siam_tensor all = siam_tensor_1d(o->s1, 0, o->m->n_params);
    siam_status st = siam_tensor_download(o->m->be, &all, s1, err);
    if (st == SIAM_OK && o->s2 && s2) {
        all.buf = o->s2;
        st = siam_tensor_download(o->m->be, &all, s2, err);
    }
    return st;
}

siam_status siam_optim_set_state(siam_optim *o, const float *s1, const float *s2, int64_t step,
                                 siam_error *err)
{
    if (!o || !s1 || step < 0 || (o->s2 && !s2))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_optim_set_state: bad argument");
    siam_tensor all = siam_tensor_1d(o->s1, 0, o->m->n_params);
    siam_status st = siam_tensor_upload(o->m->be, &all, s1, err);
    if (st == SIAM_OK && o->s2) {
        all.buf = o->s2;
        st = siam_tensor_upload(o->m->be, &all, s2, err);
    }
    if (st == SIAM_OK)
        o->step = step;
    return st;
}
