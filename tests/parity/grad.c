/* grad mode: an op's backward on a backend against central finite
 * differences of its forward on the SAME backend.
 *
 * The forward output is projected on a fixed random vector r to get a
 * scalar L = sum(out * r); the backward ops, given dy = r, must return dL/dx
 * for every differentiable input. Each input element checked is nudged by
 * +-EPS: g_num = (L+ - L-) / (2 EPS). An element whose one-sided slopes
 * disagree sits on a kink (ReLU at 0, |d| at 0, a max-pool near-tie) and is
 * skipped, with the count reported. */
#include "parity.h"

#include "base/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-2f
#define SAMPLES 12
#define RTOL 2e-2
#define ATOL 1e-3

typedef struct gspec {
    siam_op fwd;
    int out;          /* the output slot projected on r */
    int n_in;
    int in[3];        /* differentiable input slots */
} gspec;

static const gspec specs[] = {
    {SIAM_OP_CONV2D_FWD, 3, 3, {0, 1, 2}},
    {SIAM_OP_LINEAR_FWD, 3, 3, {0, 1, 2}},
    {SIAM_OP_RELU_FWD, 1, 1, {0}},
    {SIAM_OP_SIGMOID_FWD, 1, 1, {0}},
    {SIAM_OP_MAXPOOL_FWD, 1, 1, {0}},
    {SIAM_OP_ABSDIFF_FWD, 1, 1, {0}},
    {SIAM_OP_BCE_FWD, 2, 1, {0}},
    {SIAM_OP_CONTRASTIVE_FWD, 2, 1, {0}},
    {SIAM_OP_HEAD_FWD, 3, 3, {0, 1, 2}},
};

static const gspec *spec_of(siam_op op)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (specs[i].fwd == op)
            return &specs[i];
    return NULL;
}

/* Fused activations are left out: the backward ops differentiate the layer
 * alone (the activation's own backward is checked on its own cases). */
int pgrad_applies(const pcase *pc)
{
    return spec_of(pc->op) && !pc->with_inf && !pc->big && !pcase_fused(pc);
}

static void take(pcase *dst, int di, const pcase *src, int si)
{
    dst->present[di] = src->present[si];
    dst->ndim[di] = src->ndim[si];
    memcpy(dst->shape[di], src->shape[si], sizeof dst->shape[di]);
}

/* L = sum(out * r) in double, from one forward run. */
static siam_status loss_of(siam_backend *be, const pcase *pc, const phost *in, int out,
                           const float *r, double *L, siam_error *err)
{
    phost h;
    if (phost_clone(in, &h) != 0)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "grad: out of memory");
    int bad = 0;
    siam_status st = prun(be, pc, &h, &bad, err);
    double s = 0.0;
    const float *y = h.t[out];
    for (int64_t k = 0; st == SIAM_OK && k < h.n[out]; k++)
        s += (double)y[k] * r[k];
    *L = s;
    phost_free(&h);
    return st;
}

/* Runs backward op `op` whose tensors are taken from `slots` of the forward
 * case (-1: the r vector, -2: the forward's output `fo`, -3: an output). */
static siam_status run_bwd(siam_backend *be, const pcase *fwd, siam_op op, const int *slots, int n,
                           const phost *fin, const phost *fout, int fo, const float *r,
                           int want, float *grad, siam_error *err)
{
    pcase b = *fwd;
    b.op = op;
    memset(b.present, 0, sizeof b.present);
    phost h;
    memset(&h, 0, sizeof h);
    int64_t rn = fout->n[fo];
    for (int i = 0; i < n; i++) {
        int s = slots[i];
        const void *src = NULL;
        int64_t cnt = 0;
        if (s == -1) { /* dy = r, shaped as the forward output */
            take(&b, i, fwd, fo);
            src = r, cnt = rn;
        } else if (s == -2) {
            take(&b, i, fwd, fo);
            src = fout->t[fo], cnt = fout->n[fo];
        } else if (s <= -100) { /* an output shaped as forward slot -(s+100) */
            take(&b, i, fwd, -(s + 100));
            cnt = fin->n[-(s + 100)];
        } else {
            take(&b, i, fwd, s);
            src = fin->t[s], cnt = fin->n[s];
        }
        if (!b.present[i])
            continue;
        h.n[i] = cnt;
        h.t[i] = malloc((size_t)cnt * 4);
        if (!h.t[i]) {
            phost_free(&h);
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "grad: out of memory");
        }
        if (src)
            memcpy(h.t[i], src, (size_t)cnt * 4);
        else
            for (int64_t k = 0; k < cnt; k++)
                ((float *)h.t[i])[k] = NAN;
    }
    int bad = 0;
    siam_status st = prun(be, &b, &h, &bad, err);
    if (st == SIAM_OK && h.t[want])
        memcpy(grad, h.t[want], (size_t)h.n[want] * 4);
    phost_free(&h);
    return st;
}

/* Analytic dL/d(input slot `s`) into grad (as many floats as that input). */
static siam_status analytic(siam_backend *be, const pcase *pc, const phost *in, const phost *out,
                            const float *r, int s, float *grad, siam_error *err)
{
    switch (pc->op) {
    case SIAM_OP_CONV2D_FWD:
    case SIAM_OP_LINEAR_FWD: {
        siam_op bd = pc->op == SIAM_OP_CONV2D_FWD ? SIAM_OP_CONV2D_BWD_DATA : SIAM_OP_LINEAR_BWD_DATA;
        siam_op bp = pc->op == SIAM_OP_CONV2D_FWD ? SIAM_OP_CONV2D_BWD_FILTER
                                                  : SIAM_OP_LINEAR_BWD_PARAM;
        if (s == 0) {
            int sl[3] = {-1, 1, -100};
            return run_bwd(be, pc, bd, sl, 3, in, out, 3, r, 2, grad, err);
        }
        int sl[4] = {0, -1, -101, -102};
        return run_bwd(be, pc, bp, sl, 4, in, out, 3, r, s == 1 ? 2 : 3, grad, err);
    }
    case SIAM_OP_RELU_FWD:
    case SIAM_OP_SIGMOID_FWD: {
        int sl[3] = {-2, -1, -100};
        return run_bwd(be, pc, (siam_op)(pc->op + 1), sl, 3, in, out, 1, r, 2, grad, err);
    }
    case SIAM_OP_MAXPOOL_FWD: {
        int sl[3] = {0, -1, -100};
        return run_bwd(be, pc, SIAM_OP_MAXPOOL_BWD, sl, 3, in, out, 1, r, 2, grad, err);
    }
    case SIAM_OP_ABSDIFF_FWD: {
        int sl[3] = {0, -1, -100};
        return run_bwd(be, pc, SIAM_OP_ABSDIFF_BWD, sl, 3, in, out, 1, r, 2, grad, err);
    }
    case SIAM_OP_BCE_FWD:
    case SIAM_OP_CONTRASTIVE_FWD: {
        /* The backward op gives dloss/dinput; L = loss * r[0]. */
        int sl[3] = {0, 1, -100};
        siam_op op = pc->op == SIAM_OP_BCE_FWD ? SIAM_OP_BCE_BWD : SIAM_OP_CONTRASTIVE_BWD;
        siam_status st = run_bwd(be, pc, op, sl, 3, in, out, 2, r, 2, grad, err);
        for (int64_t k = 0; st == SIAM_OK && k < in->n[0]; k++)
            grad[k] *= r[0];
        return st;
    }
    case SIAM_OP_HEAD_FWD: {
        int sl[6] = {0, 1, -1, -100, -101, -102};
        return run_bwd(be, pc, SIAM_OP_HEAD_BWD, sl, 6, in, out, 3, r, 3 + s, grad, err);
    }
    default:
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "no gradient check for this op");
    }
}

/* Returns 0 pass, 1 fail; prints one line per input tensor. */
int pgrad_case(siam_backend *be, const pcase *pc, uint64_t seed, int verbose, double *worst)
{
    const gspec *g = spec_of(pc->op);
    const siam_op_info *info = siam_op_get_info(pc->op);
    siam_error err = {0};
    phost in, out;
    if (phost_make(pc, seed, &in) != 0 || phost_clone(&in, &out) != 0)
        return 1;
    int bad = 0, fails = 0;
    siam_status st = prun(be, pc, &out, &bad, &err);
    float *r = NULL;
    if (st == SIAM_OK && (r = malloc((size_t)out.n[g->out] * 4))) {
        siam_rng rr = siam_rng_make(seed, 777);
        for (int64_t k = 0; k < out.n[g->out]; k++)
            r[k] = (float)siam_rng_range(&rr, -1.0, 1.0);
    }
    double L0 = 0.0;
    if (st == SIAM_OK && r)
        st = loss_of(be, pc, &in, g->out, r, &L0, &err);
    for (int t = 0; st == SIAM_OK && r && t < g->n_in; t++) {
        int s = g->in[t];
        if (!pc->present[s])
            continue;
        float *ga = malloc((size_t)in.n[s] * 4);
        if (!ga) {
            fails++;
            break;
        }
        st = analytic(be, pc, &in, &out, r, s, ga, &err);
        siam_rng pick = siam_rng_make(seed, 900 + (uint64_t)s);
        int checked = 0, skipped = 0, wrong = 0;
        double max_rel = 0.0;
        for (int k = 0; st == SIAM_OK && k < SAMPLES; k++) {
            int64_t e = (int64_t)siam_rng_below(&pick, (uint64_t)in.n[s]);
            float *x = in.t[s], keep = x[e];
            double Lp = 0.0, Lm = 0.0;
            x[e] = keep + EPS;
            st = loss_of(be, pc, &in, g->out, r, &Lp, &err);
            x[e] = keep - EPS;
            if (st == SIAM_OK)
                st = loss_of(be, pc, &in, g->out, r, &Lm, &err);
            x[e] = keep;
            if (st != SIAM_OK)
                break;
            double sp = (Lp - L0) / EPS, sm = (L0 - Lm) / EPS;
            if (fabs(sp - sm) > 0.1 * (fabs(sp) + fabs(sm)) + 1e-4) {
                skipped++; /* a kink inside [x-EPS, x+EPS] */
                continue;
            }
            double gn = (Lp - Lm) / (2.0 * EPS), d = fabs(gn - ga[e]);
            checked++;
            double rel = d / (ATOL + RTOL * fabs(gn));
            if (rel > max_rel)
                max_rel = rel;
            if (rel > 1.0) {
                wrong++;
                if (verbose)
                    printf("      d%s[%lld]: numeric %.6g, analytic %.6g\n", info->tensor_name[s],
                           (long long)e, gn, (double)ga[e]);
            }
        }
        free(ga);
        if (st != SIAM_OK)
            break;
        if (max_rel > *worst)
            *worst = max_rel;
        int ok = wrong == 0 && checked > 0;
        printf("  %-4s %-18s %-40s d%-5s checked %2d skipped %2d  err/tol %.3f\n",
               ok ? "OK" : "FAIL", info->name, pc->label, info->tensor_name[s], checked, skipped,
               max_rel);
        fails += !ok;
    }
    /* An op (or its backward) the backend leaves out is not a failure:
     * the core runs the separate ops instead (backend.h, HEAD). */
    int unsupported = st == SIAM_ERR_UNSUPPORTED;
    if (unsupported)
        printf("  --   %-18s %-40s not supported: %s\n", info->name, pc->label, err.msg);
    else if (st != SIAM_OK) {
        printf("  FAIL %-18s %-40s %s\n", info->name, pc->label, err.msg);
        fails++;
    }
    free(r);
    phost_free(&in);
    phost_free(&out);
    return unsupported ? -1 : fails ? 1 : 0;
}
