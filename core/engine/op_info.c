/* The op table and the shape contract of every op (include/siamese/backend.h). */
#include "engine/op_info.h"

#include <string.h>

#define IN SIAM_ROLE_IN
#define INO SIAM_ROLE_IN_OPT
#define OUT SIAM_ROLE_OUT
#define OUTO SIAM_ROLE_OUT_OPT
#define IO SIAM_ROLE_INOUT

static const siam_op_info op_table[SIAM_OP_COUNT] = {
    [SIAM_OP_CONV2D_FWD] = {"conv2d_fwd", 4, {IN, IN, INO, OUT}, {"x", "w", "b", "y"}},
    [SIAM_OP_CONV2D_BWD_DATA] = {"conv2d_bwd_data", 3, {IN, IN, OUT}, {"dy", "w", "dx"}},
    [SIAM_OP_CONV2D_BWD_FILTER] = {"conv2d_bwd_filter", 4, {IN, IN, OUT, OUTO}, {"x", "dy", "dw", "db"}},
    [SIAM_OP_RELU_FWD] = {"relu_fwd", 2, {IN, OUT}, {"x", "y"}},
    [SIAM_OP_RELU_BWD] = {"relu_bwd", 3, {IN, IN, OUT}, {"y", "dy", "dx"}},
    [SIAM_OP_MAXPOOL_FWD] = {"maxpool_fwd", 2, {IN, OUT}, {"x", "y"}},
    [SIAM_OP_MAXPOOL_BWD] = {"maxpool_bwd", 3, {IN, IN, OUT}, {"x", "dy", "dx"}},
    [SIAM_OP_LINEAR_FWD] = {"linear_fwd", 4, {IN, IN, INO, OUT}, {"x", "w", "b", "y"}},
    [SIAM_OP_LINEAR_BWD_DATA] = {"linear_bwd_data", 3, {IN, IN, OUT}, {"dy", "w", "dx"}},
    [SIAM_OP_LINEAR_BWD_PARAM] = {"linear_bwd_param", 4, {IN, IN, OUT, OUTO}, {"x", "dy", "dw", "db"}},
    [SIAM_OP_SIGMOID_FWD] = {"sigmoid_fwd", 2, {IN, OUT}, {"x", "y"}},
    [SIAM_OP_SIGMOID_BWD] = {"sigmoid_bwd", 3, {IN, IN, OUT}, {"y", "dy", "dx"}},
    [SIAM_OP_ABSDIFF_FWD] = {"absdiff_fwd", 2, {IN, OUT}, {"h", "d"}},
    [SIAM_OP_ABSDIFF_BWD] = {"absdiff_bwd", 3, {IN, IN, OUT}, {"h", "dd", "dh"}},
    [SIAM_OP_BCE_FWD] = {"bce_fwd", 3, {IN, IN, OUT}, {"z", "y", "loss"}},
    [SIAM_OP_BCE_BWD] = {"bce_bwd", 3, {IN, IN, OUT}, {"z", "y", "dz"}},
    [SIAM_OP_CONTRASTIVE_FWD] = {"contrastive_fwd", 4, {IN, IN, OUT, OUT}, {"h", "y", "loss", "dist"}},
    [SIAM_OP_CONTRASTIVE_BWD] = {"contrastive_bwd", 3, {IN, IN, OUT}, {"h", "y", "dh"}},
    [SIAM_OP_SGD_UPDATE] = {"sgd_update", 3, {IO, IN, IO}, {"w", "g", "v"}},
    [SIAM_OP_ADAM_UPDATE] = {"adam_update", 4, {IO, IN, IO, IO}, {"w", "g", "m", "v"}},
    [SIAM_OP_PAIR_SCORES] = {"pair_scores", 5, {IN, IN, INO, INO, OUT}, {"q", "s", "alpha", "bias", "out"}},
    [SIAM_OP_HEAD_FWD] = {"head_fwd", 4, {IN, IN, INO, OUT}, {"h", "alpha", "b", "z"}},
    [SIAM_OP_HEAD_BWD] = {"head_bwd", 6, {IN, IN, IN, OUT, OUT, OUTO}, {"h", "alpha", "dz", "dh", "dalpha", "db"}},
};

const siam_op_info *siam_op_get_info(siam_op op)
{
    if ((int)op < 0 || op >= SIAM_OP_COUNT)
        return NULL;
    return &op_table[op];
}

/* ---- shape helpers ---- */

typedef struct vctx {
    const siam_op_args *a;
    const siam_op_info *info;
    siam_error *err;
} vctx;

static const siam_tensor *T(const vctx *v, int i) { return &v->a->t[i]; }
static int present(const vctx *v, int i) { return v->a->t[i].buf != NULL; }

static siam_status fail(const vctx *v, int i, const char *what)
{
    const siam_tensor *t = T(v, i);
    return siam_error_set(v->err, SIAM_ERR_INVALID_ARG,
                          "%s: tensor '%s' %s (got ndim %d, shape [%lld,%lld,%lld,%lld])",
                          v->info->name, v->info->tensor_name[i], what, t->ndim,
                          (long long)t->shape[0], (long long)t->shape[1],
                          (long long)t->shape[2], (long long)t->shape[3]);
}

/* Requires tensor i to have exactly `nd` dims with the given sizes (-1 = any). */
static siam_status need(const vctx *v, int i, int nd, int64_t d0, int64_t d1,
                        int64_t d2, int64_t d3)
{
    const siam_tensor *t = T(v, i);
    int64_t want[4] = {d0, d1, d2, d3};
    if (t->ndim != nd)
        return fail(v, i, "has the wrong number of dimensions");
    for (int k = 0; k < nd; k++) {
        if (t->shape[k] < 1)
            return fail(v, i, "has an empty dimension");
        if (want[k] >= 0 && t->shape[k] != want[k])
            return fail(v, i, "has the wrong shape");
    }
    return SIAM_OK;
}

static siam_status same_shape(const vctx *v, int i, int j)
{
    const siam_tensor *a = T(v, i), *b = T(v, j);
    if (a->ndim != b->ndim)
        return fail(v, j, "must have the same shape as the first tensor");
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k] || a->shape[k] < 1)
            return fail(v, j, "must have the same shape as the first tensor");
    return SIAM_OK;
}

#define CHECK(x) do { siam_status s_ = (x); if (s_ != SIAM_OK) return s_; } while (0)

static siam_status validate_shapes(const vctx *v)
{
    const siam_tensor *t0 = T(v, 0), *t1 = T(v, 1);
    switch (v->a->op) {
    case SIAM_OP_CONV2D_FWD: {
        CHECK(need(v, 0, 4, -1, -1, -1, -1));
        int64_t n = t0->shape[0], c = t0->shape[1], h = t0->shape[2], w = t0->shape[3];
        CHECK(need(v, 1, 4, -1, c, -1, -1));
        int64_t k = t1->shape[0], r = t1->shape[2], s = t1->shape[3];
        if (r > h || s > w)
            return fail(v, 1, "is larger than the input image");
        if (present(v, 2))
            CHECK(need(v, 2, 1, k, -1, -1, -1));
        return need(v, 3, 4, n, k, h - r + 1, w - s + 1);
    }
    case SIAM_OP_CONV2D_BWD_DATA: {
        CHECK(need(v, 1, 4, -1, -1, -1, -1));
        CHECK(need(v, 0, 4, -1, t1->shape[0], -1, -1));
        CHECK(need(v, 2, 4, t0->shape[0], t1->shape[1], t0->shape[2] + t1->shape[2] - 1,
                   t0->shape[3] + t1->shape[3] - 1));
        return SIAM_OK;
    }
    case SIAM_OP_CONV2D_BWD_FILTER: {
        CHECK(need(v, 0, 4, -1, -1, -1, -1));
        CHECK(need(v, 1, 4, t0->shape[0], -1, -1, -1));
        int64_t r = t0->shape[2] - t1->shape[2] + 1, s = t0->shape[3] - t1->shape[3] + 1;
        if (r < 1 || s < 1)
            return fail(v, 1, "is larger than the input image");
        CHECK(need(v, 2, 4, t1->shape[1], t0->shape[1], r, s));
        if (present(v, 3))
            CHECK(need(v, 3, 1, t1->shape[1], -1, -1, -1));
        return SIAM_OK;
    }
    case SIAM_OP_RELU_FWD:
    case SIAM_OP_SIGMOID_FWD:
        if (t0->ndim < 1)
            return fail(v, 0, "has no dimensions");
        return same_shape(v, 0, 1);
    case SIAM_OP_RELU_BWD:
    case SIAM_OP_SIGMOID_BWD:
        if (t0->ndim < 1)
            return fail(v, 0, "has no dimensions");
        CHECK(same_shape(v, 0, 1));
        return same_shape(v, 0, 2);
    case SIAM_OP_MAXPOOL_FWD:
        CHECK(need(v, 0, 4, -1, -1, -1, -1));
        if (t0->shape[2] < 2 || t0->shape[3] < 2)
            return fail(v, 0, "is smaller than the 2x2 pooling window");
        return need(v, 1, 4, t0->shape[0], t0->shape[1], t0->shape[2] / 2, t0->shape[3] / 2);
    case SIAM_OP_MAXPOOL_BWD:
        CHECK(need(v, 0, 4, -1, -1, -1, -1));
        if (t0->shape[2] < 2 || t0->shape[3] < 2)
            return fail(v, 0, "is smaller than the 2x2 pooling window");
        CHECK(need(v, 1, 4, t0->shape[0], t0->shape[1], t0->shape[2] / 2, t0->shape[3] / 2));
        return same_shape(v, 0, 2);
    case SIAM_OP_LINEAR_FWD:
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        CHECK(need(v, 1, 2, -1, t0->shape[1], -1, -1));
        if (present(v, 2))
            CHECK(need(v, 2, 1, t1->shape[0], -1, -1, -1));
        return need(v, 3, 2, t0->shape[0], t1->shape[0], -1, -1);
    case SIAM_OP_LINEAR_BWD_DATA:
        CHECK(need(v, 1, 2, -1, -1, -1, -1));
        CHECK(need(v, 0, 2, -1, t1->shape[0], -1, -1));
        return need(v, 2, 2, t0->shape[0], t1->shape[1], -1, -1);
    case SIAM_OP_LINEAR_BWD_PARAM:
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        CHECK(need(v, 1, 2, t0->shape[0], -1, -1, -1));
        CHECK(need(v, 2, 2, t1->shape[1], t0->shape[1], -1, -1));
        if (present(v, 3))
            CHECK(need(v, 3, 1, t1->shape[1], -1, -1, -1));
        return SIAM_OK;
    case SIAM_OP_ABSDIFF_FWD:
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        if (t0->shape[0] % 2)
            return fail(v, 0, "must hold an even number (2N) of rows");
        return need(v, 1, 2, t0->shape[0] / 2, t0->shape[1], -1, -1);
    case SIAM_OP_ABSDIFF_BWD:
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        if (t0->shape[0] % 2)
            return fail(v, 0, "must hold an even number (2N) of rows");
        CHECK(need(v, 1, 2, t0->shape[0] / 2, t0->shape[1], -1, -1));
        return same_shape(v, 0, 2);
    case SIAM_OP_BCE_FWD:
        CHECK(need(v, 0, 1, -1, -1, -1, -1));
        CHECK(same_shape(v, 0, 1));
        return need(v, 2, 1, 1, -1, -1, -1);
    case SIAM_OP_BCE_BWD:
        CHECK(need(v, 0, 1, -1, -1, -1, -1));
        CHECK(same_shape(v, 0, 1));
        return same_shape(v, 0, 2);
    case SIAM_OP_CONTRASTIVE_FWD:
    case SIAM_OP_CONTRASTIVE_BWD:
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        if (t0->shape[0] % 2)
            return fail(v, 0, "must hold an even number (2N) of rows");
        CHECK(need(v, 1, 1, t0->shape[0] / 2, -1, -1, -1));
        if (!(v->a->p.contrastive.margin > 0.0f))
            return siam_error_set(v->err, SIAM_ERR_INVALID_ARG,
                                  "%s: margin must be > 0", v->info->name);
        if (v->a->op == SIAM_OP_CONTRASTIVE_BWD)
            return same_shape(v, 0, 2);
        CHECK(need(v, 2, 1, 1, -1, -1, -1));
        return need(v, 3, 1, t0->shape[0] / 2, -1, -1, -1);
    case SIAM_OP_SGD_UPDATE:
        if (t0->ndim < 1)
            return fail(v, 0, "has no dimensions");
        CHECK(same_shape(v, 0, 1));
        CHECK(same_shape(v, 0, 2));
        if (!(v->a->p.sgd.lr >= 0.0f) || !(v->a->p.sgd.l2 >= 0.0f) ||
            !(v->a->p.sgd.momentum >= 0.0f && v->a->p.sgd.momentum < 1.0f))
            return siam_error_set(v->err, SIAM_ERR_INVALID_ARG,
                                  "sgd_update: need lr >= 0, l2 >= 0, 0 <= momentum < 1 "
                                  "(got lr %g, momentum %g, l2 %g)",
                                  v->a->p.sgd.lr, v->a->p.sgd.momentum, v->a->p.sgd.l2);
        return SIAM_OK;
    case SIAM_OP_ADAM_UPDATE:
        if (t0->ndim < 1)
            return fail(v, 0, "has no dimensions");
        CHECK(same_shape(v, 0, 1));
        CHECK(same_shape(v, 0, 2));
        CHECK(same_shape(v, 0, 3));
        if (!(v->a->p.adam.lr >= 0.0f) || !(v->a->p.adam.l2 >= 0.0f) ||
            !(v->a->p.adam.beta1 >= 0.0f && v->a->p.adam.beta1 < 1.0f) ||
            !(v->a->p.adam.beta2 >= 0.0f && v->a->p.adam.beta2 < 1.0f) ||
            !(v->a->p.adam.eps > 0.0f) || v->a->p.adam.step < 1)
            return siam_error_set(v->err, SIAM_ERR_INVALID_ARG,
                                  "adam_update: need lr >= 0, l2 >= 0, betas in [0,1), "
                                  "eps > 0, step >= 1");
        return SIAM_OK;
    case SIAM_OP_PAIR_SCORES:
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        CHECK(need(v, 1, 2, -1, t0->shape[1], -1, -1));
        if (v->a->p.scores.metric != SIAM_METRIC_WL1 && v->a->p.scores.metric != SIAM_METRIC_L2)
            return siam_error_set(v->err, SIAM_ERR_INVALID_ARG, "pair_scores: unknown metric %d",
                                  (int)v->a->p.scores.metric);
        if (present(v, 2))
            CHECK(need(v, 2, 1, t0->shape[1], -1, -1, -1));
        if (present(v, 3))
            CHECK(need(v, 3, 1, 1, -1, -1, -1));
        return need(v, 4, 2, t0->shape[0], t1->shape[0], -1, -1);
    case SIAM_OP_HEAD_FWD:
    case SIAM_OP_HEAD_BWD: {
        CHECK(need(v, 0, 2, -1, -1, -1, -1));
        if (t0->shape[0] % 2)
            return fail(v, 0, "must hold an even number (2N) of rows");
        int64_t n = t0->shape[0] / 2, d = t0->shape[1];
        CHECK(need(v, 1, 2, 1, d, -1, -1));
        if (v->a->op == SIAM_OP_HEAD_FWD) {
            if (present(v, 2))
                CHECK(need(v, 2, 1, 1, -1, -1, -1));
            return need(v, 3, 1, n, -1, -1, -1);
        }
        CHECK(need(v, 2, 1, n, -1, -1, -1));
        CHECK(need(v, 3, 2, 2 * n, d, -1, -1));
        CHECK(need(v, 4, 2, 1, d, -1, -1));
        return present(v, 5) ? need(v, 5, 1, 1, -1, -1, -1) : SIAM_OK;
    }
    case SIAM_OP_COUNT:
        break;
    }
    return siam_error_set(v->err, SIAM_ERR_INVALID_ARG, "unknown op %d", (int)v->a->op);
}

siam_status siam_op_validate(const siam_op_args *args, siam_error *err)
{
    if (!args)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "op args are NULL");
    const siam_op_info *info = siam_op_get_info(args->op);
    if (!info)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "unknown op %d", (int)args->op);
    for (int i = 0; i < info->n_tensors; i++) {
        const siam_tensor *t = &args->t[i];
        siam_role r = info->role[i];
        if (!t->buf) {
            if (r == SIAM_ROLE_IN_OPT || r == SIAM_ROLE_OUT_OPT)
                continue;
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: tensor '%s' is missing",
                                  info->name, info->tensor_name[i]);
        }
        if (t->dtype != SIAM_F32)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: tensor '%s' must be f32",
                                  info->name, info->tensor_name[i]);
        if (t->ndim < 1 || t->ndim > SIAM_MAX_DIMS)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: tensor '%s' has %d dimensions",
                                  info->name, info->tensor_name[i], t->ndim);
    }
    if ((args->op == SIAM_OP_CONV2D_FWD || args->op == SIAM_OP_LINEAR_FWD) &&
        (unsigned)args->p.layer.act > SIAM_ACT_SIGMOID)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: unknown activation %d", info->name,
                              (int)args->p.layer.act);
    vctx v = {args, info, err};
    return validate_shapes(&v);
}
