/* The parity cases, their inputs, and the one table of thresholds.
 *
 * Shapes are chosen to be awkward: batch 1, odd sizes, sizes that are not
 * multiples of 16 (work-group and GEMM tile edges), windows that do not
 * divide the image, plus scaled-down Koch et al. shapes (a 10x10 then 7x7
 * convolution stack, a wide fully connected layer, 4096-ish embeddings). */
#include "parity.h"

#include "engine/op_parity.h"

#include "base/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bounds live with the ops (core/engine/op_parity.c), shared with training
 * parity. */
double pcase_max_nmse(siam_op op, const char **why) { return siam_op_parity_nmse(op, why); }

int pcase_alias(const pcase *pc, int *out_i, int *in_i)
{
    if (!pc->in_place)
        return 0;
    int fwd = pc->op == SIAM_OP_RELU_FWD || pc->op == SIAM_OP_SIGMOID_FWD;
    *out_i = fwd ? 1 : 2;
    *in_i = fwd ? 0 : 1;
    return 1;
}

static pcase *new_case(pcase *out, int *n, int max, siam_op op)
{
    if (*n >= max)
        return NULL;
    pcase *pc = &out[(*n)++];
    memset(pc, 0, sizeof *pc);
    pc->op = op;
    pc->scale = 1.0f;
    return pc;
}

static void tensor(pcase *pc, int i, int nd, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    pc->present[i] = 1;
    pc->ndim[i] = nd;
    int64_t d[4] = {d0, d1, d2, d3};
    for (int k = 0; k < 4; k++)
        pc->shape[i][k] = k < nd ? d[k] : 1;
}

static void add_conv(pcase *out, int *n, int max, int64_t N, int64_t C, int64_t H, int64_t W,
                     int64_t K, int64_t R, int64_t S, int bias, size_t budget)
{
    int64_t oh = H - R + 1, ow = W - S + 1;
    for (int op = SIAM_OP_CONV2D_FWD; op <= SIAM_OP_CONV2D_BWD_FILTER; op++) {
        pcase *pc = new_case(out, n, max, (siam_op)op);
        if (!pc)
            return;
        snprintf(pc->label, sizeof pc->label, "N=%lld C=%lld H=%lld W=%lld K=%lld R=%lld S=%lld%s%s",
                 (long long)N, (long long)C, (long long)H, (long long)W, (long long)K,
                 (long long)R, (long long)S, bias ? "" : " nobias", budget ? " subbatch" : "");
        if (budget) {
            pc->tune_key = "conv_budget";
            pc->tune_value = (long)budget;
        }
        if (op == SIAM_OP_CONV2D_FWD) {
            tensor(pc, 0, 4, N, C, H, W);
            tensor(pc, 1, 4, K, C, R, S);
            if (bias)
                tensor(pc, 2, 1, K, 0, 0, 0);
            tensor(pc, 3, 4, N, K, oh, ow);
        } else if (op == SIAM_OP_CONV2D_BWD_DATA) {
            tensor(pc, 0, 4, N, K, oh, ow);
            tensor(pc, 1, 4, K, C, R, S);
            tensor(pc, 2, 4, N, C, H, W);
        } else {
            tensor(pc, 0, 4, N, C, H, W);
            tensor(pc, 1, 4, N, K, oh, ow);
            tensor(pc, 2, 4, K, C, R, S);
            if (bias)
                tensor(pc, 3, 1, K, 0, 0, 0);
        }
    }
}

/* Cases [first, end) under a backend tuning hook (a backend that does not
 * know the key runs them on its default path); a case already under
 * another hook keeps it and takes this one as its second. */
static void retune(pcase *out, int first, int end, const char *key, long value)
{
    for (int i = first; i < end; i++) {
        pcase *pc = &out[i];
        size_t len = strlen(pc->label);
        snprintf(pc->label + len, sizeof pc->label - len, " %s=%ld", key, value);
        if (pc->tune_key && strcmp(pc->tune_key, key) != 0) {
            pc->tune_key2 = key;
            pc->tune_value2 = value;
        } else {
            pc->tune_key = key;
            pc->tune_value = value;
        }
    }
}

/* Cases [first, first+count) again, retuned. */
static void repeat_tuned(pcase *out, int *n, int max, int first, int count, const char *key,
                         long value)
{
    int from = *n;
    for (int i = first; i < first + count && *n < max; i++)
        out[(*n)++] = out[i];
    retune(out, from, *n, key, value);
}

static void add_unary(pcase *out, int *n, int max, siam_op fwd, int nd, int64_t d0, int64_t d1,
                      int64_t d2, int64_t d3, int with_inf)
{
    for (int dir = 0; dir < 2; dir++) {
        if (with_inf && dir == 1)
            return;
        pcase *pc = new_case(out, n, max, (siam_op)(fwd + dir));
        if (!pc)
            return;
        snprintf(pc->label, sizeof pc->label, "[%lld,%lld,%lld,%lld]/%dd%s", (long long)d0,
                 (long long)d1, (long long)d2, (long long)d3, nd, with_inf ? " inf" : "");
        pc->with_inf = with_inf;
        for (int i = 0; i < (dir ? 3 : 2); i++)
            tensor(pc, i, nd, d0, d1, d2, d3);
        pc->scale = 3.0f;
    }
}

/* The same, with each output in its input's buffer, as the graph runs them. */
static void add_unary_in_place(pcase *out, int *n, int max, siam_op fwd, int nd, int64_t d0,
                               int64_t d1, int64_t d2, int64_t d3)
{
    int first = *n;
    add_unary(out, n, max, fwd, nd, d0, d1, d2, d3, 0);
    for (int c = first; c < *n; c++) {
        out[c].in_place = 1;
        size_t len = strlen(out[c].label);
        snprintf(out[c].label + len, sizeof out[c].label - len, " in place");
    }
}

static void add_pool(pcase *out, int *n, int max, int64_t N, int64_t C, int64_t H, int64_t W)
{
    pcase *pc = new_case(out, n, max, SIAM_OP_MAXPOOL_FWD);
    if (!pc)
        return;
    snprintf(pc->label, sizeof pc->label, "N=%lld C=%lld H=%lld W=%lld", (long long)N,
             (long long)C, (long long)H, (long long)W);
    tensor(pc, 0, 4, N, C, H, W);
    tensor(pc, 1, 4, N, C, H / 2, W / 2);
    pcase *pb = new_case(out, n, max, SIAM_OP_MAXPOOL_BWD);
    if (!pb)
        return;
    snprintf(pb->label, sizeof pb->label, "N=%lld C=%lld H=%lld W=%lld", (long long)N,
             (long long)C, (long long)H, (long long)W);
    tensor(pb, 0, 4, N, C, H, W);
    tensor(pb, 1, 4, N, C, H / 2, W / 2);
    tensor(pb, 2, 4, N, C, H, W);
}

static void add_linear(pcase *out, int *n, int max, int64_t N, int64_t I, int64_t O, int bias,
                       const char *tune_key, long tune_value)
{
    /* Above ~1000^3 CLBlast leaves its direct kernel for the padded,
     * indirect one, which needs the temp buffer carved from our workspace. */
    int big = N * I * O >= (int64_t)900 * 900 * 900;
    for (int op = SIAM_OP_LINEAR_FWD; op <= SIAM_OP_LINEAR_BWD_PARAM; op++) {
        pcase *pc = new_case(out, n, max, (siam_op)op);
        if (!pc)
            return;
        char tune[48] = "";
        if (tune_key)
            snprintf(tune, sizeof tune, " %s=%ld", tune_key, tune_value);
        snprintf(pc->label, sizeof pc->label, "N=%lld I=%lld O=%lld%s%s", (long long)N,
                 (long long)I, (long long)O, bias ? "" : " nobias", tune);
        pc->big = big;
        pc->tune_key = tune_key;
        pc->tune_value = tune_value;
        if (op == SIAM_OP_LINEAR_FWD) {
            tensor(pc, 0, 2, N, I, 0, 0);
            tensor(pc, 1, 2, O, I, 0, 0);
            if (bias)
                tensor(pc, 2, 1, O, 0, 0, 0);
            tensor(pc, 3, 2, N, O, 0, 0);
        } else if (op == SIAM_OP_LINEAR_BWD_DATA) {
            tensor(pc, 0, 2, N, O, 0, 0);
            tensor(pc, 1, 2, O, I, 0, 0);
            tensor(pc, 2, 2, N, I, 0, 0);
        } else {
            tensor(pc, 0, 2, N, I, 0, 0);
            tensor(pc, 1, 2, N, O, 0, 0);
            tensor(pc, 2, 2, O, I, 0, 0);
            if (bias)
                tensor(pc, 3, 1, O, 0, 0, 0);
        }
    }
}

static void add_pairs(pcase *out, int *n, int max, int64_t N, int64_t D, float margin)
{
    siam_op ops[4] = {SIAM_OP_ABSDIFF_FWD, SIAM_OP_ABSDIFF_BWD, SIAM_OP_CONTRASTIVE_FWD,
                      SIAM_OP_CONTRASTIVE_BWD};
    for (int i = 0; i < 4; i++) {
        pcase *pc = new_case(out, n, max, ops[i]);
        if (!pc)
            return;
        snprintf(pc->label, sizeof pc->label, "N=%lld D=%lld", (long long)N, (long long)D);
        tensor(pc, 0, 2, 2 * N, D, 0, 0);
        pc->params.p.contrastive.margin = margin;
        switch (ops[i]) {
        case SIAM_OP_ABSDIFF_FWD:
            tensor(pc, 1, 2, N, D, 0, 0);
            break;
        case SIAM_OP_ABSDIFF_BWD:
            tensor(pc, 1, 2, N, D, 0, 0);
            tensor(pc, 2, 2, 2 * N, D, 0, 0);
            break;
        case SIAM_OP_CONTRASTIVE_FWD:
            tensor(pc, 1, 1, N, 0, 0, 0);
            tensor(pc, 2, 1, 1, 0, 0, 0);
            tensor(pc, 3, 1, N, 0, 0, 0);
            break;
        default:
            tensor(pc, 1, 1, N, 0, 0, 0);
            tensor(pc, 2, 2, 2 * N, D, 0, 0);
            break;
        }
    }
}

static void add_head(pcase *out, int *n, int max, int64_t N, int64_t D, int bias)
{
    for (int op = SIAM_OP_HEAD_FWD; op <= SIAM_OP_HEAD_BWD; op++) {
        pcase *pc = new_case(out, n, max, (siam_op)op);
        if (!pc)
            return;
        snprintf(pc->label, sizeof pc->label, "N=%lld D=%lld%s", (long long)N, (long long)D,
                 bias ? "" : " nobias");
        tensor(pc, 0, 2, 2 * N, D, 0, 0);
        tensor(pc, 1, 2, 1, D, 0, 0);
        if (op == SIAM_OP_HEAD_FWD) {
            if (bias)
                tensor(pc, 2, 1, 1, 0, 0, 0);
            tensor(pc, 3, 1, N, 0, 0, 0);
        } else {
            tensor(pc, 2, 1, N, 0, 0, 0);
            tensor(pc, 3, 2, 2 * N, D, 0, 0);
            tensor(pc, 4, 2, 1, D, 0, 0);
            if (bias)
                tensor(pc, 5, 1, 1, 0, 0, 0);
        }
    }
}

static void add_bce(pcase *out, int *n, int max, int64_t N, float scale)
{
    for (int op = SIAM_OP_BCE_FWD; op <= SIAM_OP_BCE_BWD; op++) {
        pcase *pc = new_case(out, n, max, (siam_op)op);
        if (!pc)
            return;
        snprintf(pc->label, sizeof pc->label, "N=%lld |z|<=%g", (long long)N, scale);
        tensor(pc, 0, 1, N, 0, 0, 0);
        tensor(pc, 1, 1, N, 0, 0, 0);
        tensor(pc, 2, 1, op == SIAM_OP_BCE_FWD ? 1 : N, 0, 0, 0);
        pc->scale = scale;
    }
}

static void add_optim(pcase *out, int *n, int max, int64_t N)
{
    pcase *pc = new_case(out, n, max, SIAM_OP_SGD_UPDATE);
    if (!pc)
        return;
    snprintf(pc->label, sizeof pc->label, "n=%lld", (long long)N);
    for (int i = 0; i < 3; i++)
        tensor(pc, i, 1, N, 0, 0, 0);
    pc->params.p.sgd.lr = 0.05f, pc->params.p.sgd.momentum = 0.9f, pc->params.p.sgd.l2 = 2e-4f;
    pc = new_case(out, n, max, SIAM_OP_ADAM_UPDATE);
    if (!pc)
        return;
    snprintf(pc->label, sizeof pc->label, "n=%lld step=7", (long long)N);
    for (int i = 0; i < 4; i++)
        tensor(pc, i, 1, N, 0, 0, 0);
    pc->params.p.adam.lr = 1e-3f, pc->params.p.adam.beta1 = 0.9f;
    pc->params.p.adam.beta2 = 0.999f, pc->params.p.adam.eps = 1e-8f;
    pc->params.p.adam.l2 = 1e-4f, pc->params.p.adam.step = 7;
}

/* Each shape twice: as the backend likes, and with OpenCL's tiled
 * (local-memory, GPU) kernel forced on whatever device runs the test. */
static void add_scores(pcase *out, int *n, int max, int64_t Q, int64_t S, int64_t D, int alpha,
                       int bias, siam_metric metric)
{
    for (int tiled = 0; tiled < 2; tiled++) {
        pcase *pc = new_case(out, n, max, SIAM_OP_PAIR_SCORES);
        if (!pc)
            return;
        snprintf(pc->label, sizeof pc->label, "Q=%lld S=%lld D=%lld %s%s%s%s", (long long)Q,
                 (long long)S, (long long)D, metric == SIAM_METRIC_L2 ? "L2" : "WL1",
                 alpha ? " alpha" : "", bias ? " bias" : "", tiled ? " tiled" : "");
        if (tiled) {
            pc->tune_key = "pair_scores_tiled";
            pc->tune_value = 1;
        }
        tensor(pc, 0, 2, Q, D, 0, 0);
        tensor(pc, 1, 2, S, D, 0, 0);
        if (alpha)
            tensor(pc, 2, 1, D, 0, 0, 0);
        if (bias)
            tensor(pc, 3, 1, 1, 0, 0, 0);
        tensor(pc, 4, 2, Q, S, 0, 0);
        pc->params.p.scores.metric = metric;
    }
}

/* The forward cases among [first, end) again with a fused activation
 * (p.layer.act), as the graph runs conv and linear layers. */
static void repeat_fused(pcase *out, int *n, int max, int first, int end, siam_activation act)
{
    for (int i = first; i < end && *n < max; i++) {
        if (out[i].op != SIAM_OP_CONV2D_FWD && out[i].op != SIAM_OP_LINEAR_FWD)
            continue;
        pcase *pc = &out[(*n)++];
        *pc = out[i];
        pc->params.p.layer.act = act;
        size_t len = strlen(pc->label);
        snprintf(pc->label + len, sizeof pc->label - len, " +%s",
                 act == SIAM_ACT_RELU ? "relu" : "sigmoid");
    }
}

int pcase_fused(const pcase *pc)
{
    return (pc->op == SIAM_OP_CONV2D_FWD || pc->op == SIAM_OP_LINEAR_FWD) &&
           pc->params.p.layer.act != SIAM_ACT_NONE;
}

uint64_t pcase_seed(const pcase *pc, uint64_t base)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over op and label */
    h = (h ^ (uint64_t)pc->op) * 1099511628211ull;
    for (const char *c = pc->label; *c; c++)
        h = (h ^ (uint64_t)(unsigned char)*c) * 1099511628211ull;
    return base + h;
}

int pcase_list(pcase *out, int max)
{
    int n = 0;
    add_conv(out, &n, max, 1, 1, 5, 7, 1, 2, 3, 1, 0);      /* batch 1, one channel */
    add_conv(out, &n, max, 3, 2, 11, 13, 5, 3, 4, 1, 0);    /* odd everything */
    add_conv(out, &n, max, 5, 2, 9, 9, 7, 5, 5, 0, 12000);  /* 3 sub-batches, no bias */
    add_conv(out, &n, max, 2, 1, 27, 27, 8, 10, 10, 1, 0);  /* Koch conv1, scaled */
    add_conv(out, &n, max, 2, 8, 13, 13, 17, 7, 7, 1, 0);   /* Koch conv2, scaled */
    add_conv(out, &n, max, 6, 1, 40, 37, 8, 5, 4, 1, 0);    /* large planes: one image per GEMM */
    /* The blas backend's two convolution paths on each of those shapes
     * (backends/blas/blas_internal.h), then DFT in sub-batches of 2, and
     * DFT on Koch's conv2 and conv4 at full size (other backends: their own
     * path). */
    int convs = n;
    repeat_tuned(out, &n, max, 0, convs, "conv_algo", 1);
    repeat_tuned(out, &n, max, 0, convs, "conv_algo", 2);
    add_conv(out, &n, max, 5, 3, 12, 10, 4, 4, 3, 1, 0);
    retune(out, n - 3, n, "dft_batch", 2);
    int full = n;
    add_conv(out, &n, max, 2, 64, 48, 48, 128, 7, 7, 1, 0);
    add_conv(out, &n, max, 3, 128, 9, 9, 256, 4, 4, 1, 0);
    retune(out, full, n, "conv_algo", 2);
    for (int i = full; i < n; i++)
        out[i].big = 1; /* grad mode: the small shapes above cover the maths */
    /* Fused activations on the small shapes, on each blas path too. */
    repeat_fused(out, &n, max, 0, convs, SIAM_ACT_RELU);
    repeat_fused(out, &n, max, convs, 2 * convs, SIAM_ACT_RELU);
    repeat_fused(out, &n, max, 2 * convs, 3 * convs, SIAM_ACT_SIGMOID);
    add_unary(out, &n, max, SIAM_OP_RELU_FWD, 1, 1, 0, 0, 0, 0);
    add_unary(out, &n, max, SIAM_OP_RELU_FWD, 4, 2, 3, 5, 7, 0);
    add_unary(out, &n, max, SIAM_OP_RELU_FWD, 2, 33, 129, 0, 0, 1);
    add_unary(out, &n, max, SIAM_OP_SIGMOID_FWD, 1, 1, 0, 0, 0, 0);
    add_unary(out, &n, max, SIAM_OP_SIGMOID_FWD, 4, 3, 1, 17, 9, 0);
    add_unary(out, &n, max, SIAM_OP_SIGMOID_FWD, 1, 1000, 0, 0, 0, 1);
    add_unary_in_place(out, &n, max, SIAM_OP_RELU_FWD, 4, 3, 5, 7, 11);
    add_unary_in_place(out, &n, max, SIAM_OP_SIGMOID_FWD, 2, 17, 33, 0, 0);
    add_pool(out, &n, max, 1, 1, 2, 2);
    add_pool(out, &n, max, 2, 3, 7, 9);                     /* odd: last row/col dropped */
    add_pool(out, &n, max, 3, 5, 18, 22);
    int linears = n;
    add_linear(out, &n, max, 1, 7, 3, 1, NULL, 0);
    add_linear(out, &n, max, 5, 33, 17, 0, NULL, 0);
    add_linear(out, &n, max, 6, 300, 129, 1, NULL, 0);      /* Koch fc, scaled */
    add_linear(out, &n, max, 6, 300, 129, 1, "gemm_k_chunk", 40); /* GEMM split along k */
    add_linear(out, &n, max, 6, 300, 129, 1, "gemm_k_split", 4); /* k in slices, summed */
    repeat_fused(out, &n, max, linears, n, SIAM_ACT_SIGMOID);
    repeat_fused(out, &n, max, linears, linears + 6, SIAM_ACT_RELU);
    /* Unsplit, CLBlast takes its indirect GEMM with the workspace temp buffer. */
    add_linear(out, &n, max, 1001, 999, 1003, 1, "gemm_k_chunk", -1);
    add_pairs(out, &n, max, 1, 3, 1.5f);
    add_pairs(out, &n, max, 9, 17, 3.5f);
    add_pairs(out, &n, max, 5, 600, 20.0f);
    add_head(out, &n, max, 1, 1, 1);
    add_head(out, &n, max, 7, 33, 0);
    add_head(out, &n, max, 64, 600, 1);                     /* wider than a work-group */
    add_bce(out, &n, max, 1, 4.0f);
    add_bce(out, &n, max, 7, 4.0f);
    add_bce(out, &n, max, 300, 30.0f);                      /* more than one work-group's worth */
    add_optim(out, &n, max, 1);
    add_optim(out, &n, max, 257);
    add_optim(out, &n, max, 10007);
    add_scores(out, &n, max, 1, 1, 1, 0, 0, SIAM_METRIC_WL1);
    add_scores(out, &n, max, 20, 20, 37, 1, 1, SIAM_METRIC_WL1); /* 20-way one-shot */
    add_scores(out, &n, max, 33, 47, 129, 0, 1, SIAM_METRIC_WL1);
    add_scores(out, &n, max, 33, 47, 129, 0, 0, SIAM_METRIC_L2);
    add_scores(out, &n, max, 7, 70, 500, 1, 0, SIAM_METRIC_L2);
    add_scores(out, &n, max, 65, 3, 33, 1, 1, SIAM_METRIC_WL1);  /* blocks cut on both sides */
    /* Weight gradients with k in slices summed after (as on a GPU): Koch's
     * conv1 scaled, 7 slices with a short last one; and with 3 sub-batches
     * accumulating into dw (beta 1 after the first). */
    add_conv(out, &n, max, 2, 1, 27, 27, 8, 10, 10, 1, 0);
    out[n - 3] = out[n - 1];
    n -= 2;
    add_conv(out, &n, max, 5, 2, 9, 9, 7, 5, 5, 0, 12000);
    out[n - 3] = out[n - 1];
    n -= 2;
    retune(out, n - 2, n, "gemm_k_split", 7);
    /* Kernels allowed smaller work-groups than the backend asks for (as
     * registers can make a device report): the reductions (bce, the
     * contrastive distances and loss, the conv bias gradient) run in the
     * largest power of two that fits. (A 2-D tile that does not fit is
     * refused with both sizes named.) */
    int small_wg = n;
    add_bce(out, &n, max, 300, 30.0f);
    add_pairs(out, &n, max, 9, 17, 3.5f);
    add_head(out, &n, max, 5, 600, 1);
    add_conv(out, &n, max, 2, 3, 9, 9, 5, 3, 3, 1, 0);
    out[n - 3] = out[n - 1]; /* the filter gradient alone: the others use 2-D tiles */
    n -= 2;
    retune(out, small_wg, n, "kernel_wg_limit", 16);
    return n;
}

/* ---- host data ---- */

static int64_t numel(const pcase *pc, int i)
{
    int64_t n = 1;
    for (int k = 0; k < pc->ndim[i]; k++)
        n *= pc->shape[i][k];
    return n;
}

void phost_free(phost *h)
{
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++) {
        free(h->t[i]);
        h->t[i] = NULL;
    }
}

int phost_clone(const phost *src, phost *dst)
{
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++) {
        dst->n[i] = src->n[i];
        if (!src->t[i])
            continue;
        dst->t[i] = malloc((size_t)src->n[i] * 4);
        if (!dst->t[i]) {
            phost_free(dst);
            return -1;
        }
        memcpy(dst->t[i], src->t[i], (size_t)src->n[i] * 4);
    }
    return 0;
}

int phost_make(const pcase *pc, uint64_t seed, phost *h)
{
    memset(h, 0, sizeof *h);
    const siam_op_info *info = siam_op_get_info(pc->op);
    for (int i = 0; i < info->n_tensors; i++) {
        if (!pc->present[i])
            continue;
        int64_t n = numel(pc, i);
        h->n[i] = n;
        h->t[i] = malloc((size_t)n * 4);
        if (!h->t[i]) {
            phost_free(h);
            return -1;
        }
        siam_rng r = siam_rng_make(seed * 131 + (uint64_t)pc->op, SIAM_RNG_STREAM_TEST + (uint64_t)i);
        float *f = h->t[i];
        siam_role role = info->role[i];
        if (role == SIAM_ROLE_OUT || role == SIAM_ROLE_OUT_OPT) {
            for (int64_t k = 0; k < n; k++)
                f[k] = NAN; /* outputs are written whole: any hole shows up as NaN */
            continue;
        }
        int labels = (pc->op == SIAM_OP_BCE_FWD || pc->op == SIAM_OP_BCE_BWD ||
                      pc->op == SIAM_OP_CONTRASTIVE_FWD || pc->op == SIAM_OP_CONTRASTIVE_BWD) &&
                     i == 1;
        int unit = (pc->op == SIAM_OP_SIGMOID_BWD && i == 0) ||
                   (pc->op == SIAM_OP_ADAM_UPDATE && i == 3);
        for (int64_t k = 0; k < n; k++) {
            if (labels)
                f[k] = (float)siam_rng_below(&r, 2);
            else if (unit)
                f[k] = (float)siam_rng_uniform(&r);
            else
                f[k] = (float)siam_rng_range(&r, -pc->scale, pc->scale);
        }
        /* Max-pool's x on a grid of 1/2: ties are frequent, so the tie rule
         * (first in row-major window order) is compared between backends. */
        if ((pc->op == SIAM_OP_MAXPOOL_FWD || pc->op == SIAM_OP_MAXPOOL_BWD) && i == 0)
            for (int64_t k = 0; k < n; k++)
                f[k] = floorf(f[k] * 2.0f) / 2.0f;
        if (pc->with_inf && i == 0)
            for (int64_t k = 3; k < n; k += 7)
                f[k] = (k / 7) % 2 ? INFINITY : -INFINITY;
    }
    return 0;
}

double pcase_flops(const pcase *pc)
{
    switch (pc->op) {
    case SIAM_OP_CONV2D_FWD:
    case SIAM_OP_CONV2D_BWD_DATA:
    case SIAM_OP_CONV2D_BWD_FILTER: {
        /* 2*N*K*CRS*P whichever direction; the x/w/y tensors tell the dims. */
        const int64_t *w = pc->op == SIAM_OP_CONV2D_BWD_FILTER ? pc->shape[2] : pc->shape[1];
        const int64_t *y = pc->op == SIAM_OP_CONV2D_FWD ? pc->shape[3]
                           : pc->op == SIAM_OP_CONV2D_BWD_DATA ? pc->shape[0]
                                                               : pc->shape[1];
        return 2.0 * (double)y[0] * (double)w[0] * (double)(w[1] * w[2] * w[3]) *
               (double)(y[2] * y[3]);
    }
    case SIAM_OP_LINEAR_FWD:
        return 2.0 * (double)numel(pc, 3) * (double)pc->shape[0][1];
    case SIAM_OP_LINEAR_BWD_DATA:
        return 2.0 * (double)numel(pc, 2) * (double)pc->shape[0][1];
    case SIAM_OP_LINEAR_BWD_PARAM:
        return 2.0 * (double)numel(pc, 2) * (double)pc->shape[0][0];
    case SIAM_OP_PAIR_SCORES:
        return 3.0 * (double)numel(pc, 4) * (double)pc->shape[0][1];
    default: {
        int64_t m = 0;
        for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++)
            if (pc->present[i] && numel(pc, i) > m)
                m = numel(pc, i);
        return (double)m;
    }
    }
}
