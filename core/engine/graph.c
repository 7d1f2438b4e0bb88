/* Building and walking the Siamese graph (see graph.h for the shapes). */
#include "engine/graph.h"

#include "engine/op_info.h"
#include "engine/staging.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES (4 * SIAM_MAX_LAYERS + 16)

struct siam_graph {
    siam_model *m;
    siam_backend *be;
    siam_graph_config cfg;
    int64_t cap_rows;          /* tower batch: 2N or max_images */
    int64_t cap_den;           /* what run counts are measured against: N or max_images */
    siam_buffer *acts, *dacts, *head, *grads, *ws;
    size_t acts_floats, head_floats, ws_bytes;
    size_t grad_slot_floats[2]; /* dacts holds two slots (see grad_in) */
    siam_tensor input, h, dh, labels, loss, logits;
    int n_fwd, n_bwd, n_tower_fwd;
    siam_node fwd[MAX_NODES], bwd[MAX_NODES];
    int last_pairs;            /* batch of the last forward, for backward */
    siam_staging *staging;     /* host slots of staged batches, made on first use */
    int staged_pairs;          /* the batch uploaded by siam_graph_stage, 0 if none */
};

/* ---- building ---- */

static siam_tensor shape4(siam_buffer *b, size_t off, int64_t n, int64_t c, int64_t h, int64_t w,
                          int flat)
{
    return flat ? siam_tensor_2d(b, off, n, c * h * w) : siam_tensor_4d(b, off, n, c, h, w);
}

/* The batch flags of a node: ROWS(i) when t[i]'s first dimension scales
 * with the batch (a smaller batch runs the same node on fewer rows). */
#define ROWS(i) (1u << (i))

static siam_node *push(siam_node *list, int *count, siam_op op, const char *label, unsigned mask)
{
    siam_node *n = &list[(*count)++];
    memset(n, 0, sizeof *n);
    n->args.op = op;
    n->batch_mask = mask;
    snprintf(n->label, sizeof n->label, "%s", label);
    return n;
}

/* The gradient of an activation lives in one of two slots of dacts:
 * walking the tower backward, each op reads its output's gradient from one
 * slot and writes its input's into the other (relu and sigmoid into the
 * same one, in place), and nothing needs a gradient two layers down. Every
 * backward op overwrites the whole of its dx, so reusing a slot is safe,
 * and the training graph keeps two activations' worth of gradients, not
 * the whole tower's (koch105: 2.9 MB per image instead of 7.9). */
static siam_tensor grad_in(const siam_graph *g, const siam_tensor *act, int slot)
{
    siam_tensor t = *act;
    t.buf = g->dacts;
    t.offset = slot ? g->grad_slot_floats[0] : 0;
    return t;
}

static int is_elementwise(siam_layer_kind k)
{
    return k == SIAM_LAYER_RELU || k == SIAM_LAYER_SIGMOID;
}

/* relu and sigmoid overwrite their input when nothing needs it later: the
 * backward of conv, linear and max-pool reads their input, never
 * their output, so such an output can become the next layer's. After relu
 * or sigmoid it cannot (their backward reads their output), nor for layer 0
 * (the input rows are uploaded by the caller). */
static int runs_in_place(const siam_net_desc *d, int i)
{
    return is_elementwise(d->layers[i].kind) && i > 0 && !is_elementwise(d->layers[i - 1].kind);
}

static siam_tensor param_grad(const siam_graph *g, int entry)
{
    siam_tensor t = siam_model_param(g->m, entry);
    t.buf = g->grads;
    return t;
}

/* The tower's activation views, layer by layer, and the gradient slot
 * (see grad_in) of each layer's output. */
typedef struct tower_views {
    siam_tensor ins[SIAM_MAX_LAYERS], outs[SIAM_MAX_LAYERS];
    int out_slot[SIAM_MAX_LAYERS];
} tower_views;

/* Lays out the activations and builds the forward nodes. Called twice
 * (see build_tower): with NULL buffers to size them, then for real. */
static void build_tower_forward(siam_graph *g, tower_views *tv, size_t *acts_floats)
{
    const siam_model *m = g->m;
    const siam_net_desc *d = &m->desc;
    int64_t B = g->cap_rows;
    size_t off = 0;
    int64_t c = d->in_c, hh = d->in_h, ww = d->in_w;
    int flat = 0;
    siam_tensor x = shape4(g->acts, off, B, c, hh, ww, 0);
    g->input = x;
    off += (size_t)(B * c * hh * ww);
    int nconv = 0, nfc = 0;
    g->n_fwd = 0;
    for (int i = 0; i < d->n_layers; i++) {
        const siam_layer_desc *l = &d->layers[i];
        int64_t oc = m->shapes.c[i], oh = m->shapes.h[i], ow = m->shapes.w[i];
        char label[24];
        if (l->kind == SIAM_LAYER_LINEAR && !flat) {
            x = siam_tensor_2d(x.buf, x.offset, B, c * hh * ww);
            flat = 1;
        }
        siam_tensor y;
        if (runs_in_place(d, i)) {
            y = shape4(g->acts, x.offset, B, oc, oh, ow, flat);
        } else {
            y = shape4(g->acts, off, B, oc, oh, ow, flat);
            off += (size_t)(B * oc * oh * ow);
        }
        tv->ins[i] = x;
        tv->outs[i] = y;
        siam_node *n;
        switch (l->kind) {
        case SIAM_LAYER_CONV:
            snprintf(label, sizeof label, "conv%d", ++nconv);
            n = push(g->fwd, &g->n_fwd, SIAM_OP_CONV2D_FWD, label, ROWS(0) | ROWS(3));
            n->args.t[0] = x;
            n->args.t[1] = siam_model_param(m, m->layer_weight[i]);
            n->args.t[2] = siam_model_param(m, m->layer_weight[i] + 1);
            n->args.t[3] = y;
            break;
        case SIAM_LAYER_LINEAR:
            snprintf(label, sizeof label, "fc%d", ++nfc);
            n = push(g->fwd, &g->n_fwd, SIAM_OP_LINEAR_FWD, label, ROWS(0) | ROWS(3));
            n->args.t[0] = x;
            n->args.t[1] = siam_model_param(m, m->layer_weight[i]);
            n->args.t[2] = siam_model_param(m, m->layer_weight[i] + 1);
            n->args.t[3] = y;
            break;
        case SIAM_LAYER_MAXPOOL:
            snprintf(label, sizeof label, "pool%d", i + 1);
            n = push(g->fwd, &g->n_fwd, SIAM_OP_MAXPOOL_FWD, label, ROWS(0) | ROWS(1));
            n->args.t[0] = x;
            n->args.t[1] = y;
            break;
        case SIAM_LAYER_RELU:
        case SIAM_LAYER_SIGMOID:
            snprintf(label, sizeof label, "%s%d", l->kind == SIAM_LAYER_RELU ? "relu" : "sigmoid",
                     i + 1);
            n = push(g->fwd, &g->n_fwd,
                     l->kind == SIAM_LAYER_RELU ? SIAM_OP_RELU_FWD : SIAM_OP_SIGMOID_FWD, label,
                     ROWS(0) | ROWS(1));
            n->args.t[0] = x;
            n->args.t[1] = y;
            break;
        }
        x = y;
        c = oc;
        hh = oh;
        ww = ow;
    }
    g->n_tower_fwd = g->n_fwd;
    g->h = siam_tensor_2d(g->acts, x.offset, B, m->shapes.embed_dim);
    *acts_floats = off;

}

/* Which of the two gradient slots each layer's output gradient uses, and
 * how large each slot must be. */
static void assign_grad_slots(siam_graph *g, tower_views *tv)
{
    const siam_net_desc *d = &g->m->desc;
    /* Slots: the last layer's output gradient (dh) is in slot 0; a layer's
     * input gradient is in its output's slot for relu and sigmoid, in the
     * other one for the rest. Each slot is as large as its largest. */
    g->grad_slot_floats[0] = g->grad_slot_floats[1] = 0;
    for (int i = d->n_layers - 1, slot = 0; i >= 0; i--) {
        size_t n = (size_t)siam_tensor_numel(&tv->outs[i]);
        tv->out_slot[i] = slot;
        if (n > g->grad_slot_floats[slot])
            g->grad_slot_floats[slot] = n;
        if (!is_elementwise(d->layers[i].kind))
            slot = 1 - slot;
    }
}

/* The backward nodes, last layer first; the input needs no gradient. */
static void build_tower_backward(siam_graph *g, const tower_views *tv)
{
    const siam_model *m = g->m;
    const siam_net_desc *d = &m->desc;
    int nconv = 0, nfc = 0;
    g->n_bwd = 0;
    for (int i = 0; i < d->n_layers; i++)
        nconv += d->layers[i].kind == SIAM_LAYER_CONV, nfc += d->layers[i].kind == SIAM_LAYER_LINEAR;
    g->dh = grad_in(g, &g->h, 0);
    siam_node tower_bwd[MAX_NODES];
    int nb = 0;
    for (int i = d->n_layers - 1; i >= 0; i--) {
        const siam_layer_desc *l = &d->layers[i];
        /* ins[i] is outs[i-1]; layer 0's input gets no gradient (dx unused). */
        siam_tensor dy = grad_in(g, &tv->outs[i], tv->out_slot[i]),
                    dx = grad_in(g, &tv->ins[i], i > 0 ? tv->out_slot[i - 1] : 0);
        char label[24];
        siam_node *n;
        switch (l->kind) {
        case SIAM_LAYER_CONV:
        case SIAM_LAYER_LINEAR: {
            int conv = l->kind == SIAM_LAYER_CONV;
            snprintf(label, sizeof label, conv ? "conv%d" : "fc%d", conv ? nconv-- : nfc--);
            n = push(tower_bwd, &nb, conv ? SIAM_OP_CONV2D_BWD_FILTER : SIAM_OP_LINEAR_BWD_PARAM,
                     label, ROWS(0) | ROWS(1));
            n->args.t[0] = tv->ins[i];
            n->args.t[1] = dy;
            n->args.t[2] = param_grad(g, m->layer_weight[i]);
            n->args.t[3] = param_grad(g, m->layer_weight[i] + 1);
            if (i > 0) {
                n = push(tower_bwd, &nb, conv ? SIAM_OP_CONV2D_BWD_DATA : SIAM_OP_LINEAR_BWD_DATA,
                         label, ROWS(0) | ROWS(2));
                n->args.t[0] = dy;
                n->args.t[1] = siam_model_param(m, m->layer_weight[i]);
                n->args.t[2] = dx;
            }
            break;
        }
        case SIAM_LAYER_MAXPOOL:
            if (i == 0)
                break;
            snprintf(label, sizeof label, "pool%d", i + 1);
            n = push(tower_bwd, &nb, SIAM_OP_MAXPOOL_BWD, label, ROWS(0) | ROWS(1) | ROWS(2));
            n->args.t[0] = tv->ins[i];
            n->args.t[1] = dy;
            n->args.t[2] = dx;
            break;
        case SIAM_LAYER_RELU:
        case SIAM_LAYER_SIGMOID:
            if (i == 0)
                break;
            snprintf(label, sizeof label, "%s%d", l->kind == SIAM_LAYER_RELU ? "relu" : "sigmoid",
                     i + 1);
            n = push(tower_bwd, &nb,
                     l->kind == SIAM_LAYER_RELU ? SIAM_OP_RELU_BWD : SIAM_OP_SIGMOID_BWD, label,
                     ROWS(0) | ROWS(1) | ROWS(2));
            n->args.t[0] = tv->outs[i];
            n->args.t[1] = dy;
            n->args.t[2] = dx;
            break;
        }
    }
    /* Head backward nodes come first; build_head appends them, then these. */
    memcpy(&g->bwd[MAX_NODES - nb], tower_bwd, (size_t)nb * sizeof tower_bwd[0]);
    g->n_bwd = -nb; /* marker: tower part stored at the end until build_head */
}

/* Lays out activations and builds the tower's nodes. Called twice: once
 * with NULL buffers to size them, once for real. */
static void build_tower(siam_graph *g, size_t *acts_floats)
{
    tower_views tv;
    build_tower_forward(g, &tv, acts_floats);
    if (!g->cfg.train)
        return;
    assign_grad_slots(g, &tv);
    build_tower_backward(g, &tv);
}

static void build_head(siam_graph *g, size_t *head_floats)
{
    const siam_model *m = g->m;
    int64_t N = g->cfg.max_pairs, D = m->shapes.embed_dim;
    int nb_tower = -g->n_bwd;
    size_t off = 0;
    siam_tensor d = siam_tensor_2d(g->head, off, N, D);
    off += (size_t)(N * D);
    siam_tensor dd = siam_tensor_2d(g->head, off, N, D);
    off += (size_t)(N * D);
    siam_tensor z2 = siam_tensor_2d(g->head, off, N, 1), z = siam_tensor_1d(g->head, off, N);
    off += (size_t)N;
    siam_tensor dz2 = siam_tensor_2d(g->head, off, N, 1), dz = siam_tensor_1d(g->head, off, N);
    off += (size_t)N;
    g->labels = siam_tensor_1d(g->head, off, N);
    off += (size_t)N;
    g->loss = siam_tensor_1d(g->head, off, 1);
    off += 1;
    *head_floats = off;

    siam_tensor alpha = siam_model_param(m, m->head_alpha);
    siam_tensor alpha2 = siam_tensor_2d(alpha.buf, alpha.offset, 1, D);
    siam_tensor bias = m->head_bias >= 0 ? siam_model_param(m, m->head_bias) : (siam_tensor){0};
    siam_node *n;
    if (g->cfg.loss == SIAM_LOSS_BCE) {
        g->logits = z;
        n = push(g->fwd, &g->n_fwd, SIAM_OP_ABSDIFF_FWD, "head", ROWS(0) | ROWS(1));
        n->args.t[0] = g->h;
        n->args.t[1] = d;
        n = push(g->fwd, &g->n_fwd, SIAM_OP_LINEAR_FWD, "head", ROWS(0) | ROWS(3));
        n->args.t[0] = d;
        n->args.t[1] = alpha2;
        n->args.t[2] = bias;
        n->args.t[3] = z2;
        n = push(g->fwd, &g->n_fwd, SIAM_OP_BCE_FWD, "loss", ROWS(0) | ROWS(1));
        n->args.t[0] = z;
        n->args.t[1] = g->labels;
        n->args.t[2] = g->loss;
    } else {
        g->logits = z; /* the distances */
        n = push(g->fwd, &g->n_fwd, SIAM_OP_CONTRASTIVE_FWD, "loss", ROWS(0) | ROWS(1) | ROWS(3));
        n->args.t[0] = g->h;
        n->args.t[1] = g->labels;
        n->args.t[2] = g->loss;
        n->args.t[3] = z;
        n->args.p.contrastive.margin = g->cfg.margin;
    }
    if (!g->cfg.train)
        return;
    siam_node tower[MAX_NODES];
    memcpy(tower, &g->bwd[MAX_NODES - nb_tower], (size_t)nb_tower * sizeof tower[0]);
    g->n_bwd = 0;
    if (g->cfg.loss == SIAM_LOSS_BCE) {
        n = push(g->bwd, &g->n_bwd, SIAM_OP_BCE_BWD, "loss", ROWS(0) | ROWS(1) | ROWS(2));
        n->args.t[0] = z;
        n->args.t[1] = g->labels;
        n->args.t[2] = dz;
        siam_tensor dalpha = param_grad(g, m->head_alpha);
        n = push(g->bwd, &g->n_bwd, SIAM_OP_LINEAR_BWD_PARAM, "head", ROWS(0) | ROWS(1));
        n->args.t[0] = d;
        n->args.t[1] = dz2;
        n->args.t[2] = siam_tensor_2d(g->grads, dalpha.offset, 1, D);
        if (m->head_bias >= 0)
            n->args.t[3] = param_grad(g, m->head_bias);
        n = push(g->bwd, &g->n_bwd, SIAM_OP_LINEAR_BWD_DATA, "head", ROWS(0) | ROWS(2));
        n->args.t[0] = dz2;
        n->args.t[1] = alpha2;
        n->args.t[2] = dd;
        n = push(g->bwd, &g->n_bwd, SIAM_OP_ABSDIFF_BWD, "head", ROWS(0) | ROWS(1) | ROWS(2));
        n->args.t[0] = g->h;
        n->args.t[1] = dd;
        n->args.t[2] = g->dh;
    } else {
        n = push(g->bwd, &g->n_bwd, SIAM_OP_CONTRASTIVE_BWD, "loss", ROWS(0) | ROWS(1) | ROWS(2));
        n->args.t[0] = g->h;
        n->args.t[1] = g->labels;
        n->args.t[2] = g->dh;
        n->args.p.contrastive.margin = g->cfg.margin;
    }
    memcpy(&g->bwd[g->n_bwd], tower, (size_t)nb_tower * sizeof tower[0]);
    g->n_bwd += nb_tower;
}

static void build(siam_graph *g, size_t *acts, size_t *head)
{
    build_tower(g, acts);
    *head = 0;
    if (g->cfg.max_pairs > 0)
        build_head(g, head);
    else
        g->n_bwd = 0;
}

static size_t max_workspace(siam_graph *g)
{
    size_t ws = 0;
    for (int pass = 0; pass < 2; pass++) {
        const siam_node *list = pass ? g->bwd : g->fwd;
        int n = pass ? g->n_bwd : g->n_fwd;
        for (int i = 0; i < n; i++) {
            size_t s = siam_backend_workspace(g->be, &list[i].args);
            if (s > ws)
                ws = s;
        }
    }
    return ws;
}

static void set_workspace(siam_graph *g)
{
    siam_tensor ws = {0};
    if (g->ws)
        ws = siam_tensor_1d(g->ws, 0, (int64_t)((g->ws_bytes + 3) / 4));
    for (int i = 0; i < g->n_fwd; i++)
        g->fwd[i].args.workspace = ws;
    for (int i = 0; i < g->n_bwd; i++)
        g->bwd[i].args.workspace = ws;
}

/* A conv or linear node followed by its activation becomes one node with
 * p.layer.act where the backend says it can run that (backend.h, "Fused
 * activation"): the activation's output becomes the layer's, and its
 * backward, which reads only that output, is unchanged. */
static void fuse_activations(siam_graph *g)
{
    if (g->cfg.unfused)
        return;
    int kept = 0, tower = g->n_tower_fwd;
    for (int i = 0; i < g->n_fwd; i++) {
        const siam_node *n = &g->fwd[i], *act = i + 1 < tower ? &g->fwd[i + 1] : NULL;
        siam_op op = n->args.op;
        if (act && (op == SIAM_OP_CONV2D_FWD || op == SIAM_OP_LINEAR_FWD) &&
            (act->args.op == SIAM_OP_RELU_FWD || act->args.op == SIAM_OP_SIGMOID_FWD) &&
            act->args.t[0].buf == n->args.t[3].buf &&
            act->args.t[0].offset == n->args.t[3].offset) {
            siam_node fused = *n;
            fused.args.p.layer.act =
                act->args.op == SIAM_OP_RELU_FWD ? SIAM_ACT_RELU : SIAM_ACT_SIGMOID;
            fused.args.t[3] = act->args.t[1];
            snprintf(fused.label, sizeof fused.label, "%s+%s", n->label, act->label);
            if (siam_backend_supports(g->be, &fused.args, NULL, 0)) {
                g->fwd[kept++] = fused;
                g->n_tower_fwd--;
                i++;
                continue;
            }
        }
        if (kept != i)
            g->fwd[kept] = *n;
        kept++;
    }
    g->n_fwd = kept;
}

/* The BCE head's absdiff + linear nodes become HEAD_FWD, and their three
 * backward nodes HEAD_BWD, where the backend runs both (backend.h, HEAD):
 * the head is then 2 launches forward and 3 backward with the loss. The
 * head buffer keeps its d and dd regions, unused then (2 N D floats). */
static void fuse_head(siam_graph *g)
{
    int f = g->n_tower_fwd;
    if (g->cfg.unfused || g->cfg.loss != SIAM_LOSS_BCE || !g->cfg.train || f + 3 > g->n_fwd ||
        g->n_bwd < 4)
        return;
    const siam_node *absdiff = &g->fwd[f], *lin = &g->fwd[f + 1], *bce = &g->fwd[f + 2];
    const siam_node *bce_b = &g->bwd[0], *par = &g->bwd[1], *dat = &g->bwd[2], *abs_b = &g->bwd[3];
    if (absdiff->args.op != SIAM_OP_ABSDIFF_FWD || lin->args.op != SIAM_OP_LINEAR_FWD ||
        par->args.op != SIAM_OP_LINEAR_BWD_PARAM || abs_b->args.op != SIAM_OP_ABSDIFF_BWD)
        return;
    siam_node fwd = {.args.op = SIAM_OP_HEAD_FWD, .batch_mask = ROWS(0) | ROWS(3)};
    snprintf(fwd.label, sizeof fwd.label, "head");
    fwd.args.t[0] = absdiff->args.t[0];
    fwd.args.t[1] = lin->args.t[1];
    fwd.args.t[2] = lin->args.t[2];
    fwd.args.t[3] = bce->args.t[0];
    siam_node bwd = {.args.op = SIAM_OP_HEAD_BWD, .batch_mask = ROWS(0) | ROWS(2) | ROWS(3)};
    snprintf(bwd.label, sizeof bwd.label, "head");
    bwd.args.t[0] = abs_b->args.t[0];
    bwd.args.t[1] = dat->args.t[1];
    bwd.args.t[2] = bce_b->args.t[2];
    bwd.args.t[3] = abs_b->args.t[2];
    bwd.args.t[4] = par->args.t[2];
    bwd.args.t[5] = par->args.t[3];
    if (!siam_backend_supports(g->be, &fwd.args, NULL, 0) ||
        !siam_backend_supports(g->be, &bwd.args, NULL, 0))
        return;
    g->fwd[f] = fwd;
    memmove(&g->fwd[f + 1], &g->fwd[f + 2], (size_t)(g->n_fwd - f - 2) * sizeof fwd);
    g->n_fwd--;
    g->bwd[1] = bwd;
    memmove(&g->bwd[2], &g->bwd[4], (size_t)(g->n_bwd - 4) * sizeof bwd);
    g->n_bwd -= 2;
}

siam_status siam_graph_create(siam_model *m, const siam_graph_config *cfg, siam_graph **out,
                              siam_error *err)
{
    if (!m || !cfg || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_create: NULL argument");
    *out = NULL;
    if (cfg->max_pairs < 0 || cfg->max_images < 0 || (cfg->max_pairs == 0 && cfg->max_images == 0))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "graph batch must be at least 1 (got %d pairs, %d images)",
                              cfg->max_pairs, cfg->max_images);
    if (cfg->train && cfg->max_pairs == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "a training graph needs max_pairs >= 1");
    if (cfg->max_pairs > (1 << 20) || cfg->max_images > (1 << 21))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "batch too large");
    if (cfg->loss != SIAM_LOSS_BCE && cfg->loss != SIAM_LOSS_CONTRASTIVE)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "unknown loss %d", (int)cfg->loss);
    if (cfg->loss == SIAM_LOSS_CONTRASTIVE && !(cfg->margin > 0.0f))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "contrastive margin must be > 0");
    siam_graph *g = calloc(1, sizeof *g);
    if (!g)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    g->m = m;
    g->be = m->be;
    g->cfg = *cfg;
    g->cap_rows = cfg->max_pairs > 0 ? 2 * (int64_t)cfg->max_pairs : cfg->max_images;
    g->cap_den = cfg->max_pairs > 0 ? cfg->max_pairs : cfg->max_images;
    build(g, &g->acts_floats, &g->head_floats);

    siam_status st = siam_backend_alloc(g->be, g->acts_floats * 4, &g->acts, err);
    if (st == SIAM_OK && g->head_floats)
        st = siam_backend_alloc(g->be, g->head_floats * 4, &g->head, err);
    if (st == SIAM_OK && cfg->train) {
        st = siam_backend_alloc(g->be, (g->grad_slot_floats[0] + g->grad_slot_floats[1]) * 4,
                                &g->dacts, err);
        if (st == SIAM_OK)
            st = siam_backend_alloc(g->be, (size_t)m->n_params * 4, &g->grads, err);
    }
    if (st != SIAM_OK) {
        siam_error_prefix(err, "allocating the graph's device memory (try a smaller batch): ");
        siam_graph_destroy(g);
        return st;
    }
    build(g, &g->acts_floats, &g->head_floats); /* now with real buffers */
    fuse_activations(g);
    fuse_head(g);
    g->ws_bytes = max_workspace(g);
    if (g->ws_bytes) {
        st = siam_backend_alloc(g->be, (g->ws_bytes + 3) / 4 * 4, &g->ws, err);
        if (st != SIAM_OK) {
            siam_error_prefix(err, "allocating the workspace (try a smaller batch): ");
            siam_graph_destroy(g);
            return st;
        }
    }
    set_workspace(g);
    if (cfg->train) {
        /* Head gradients stay zero under the contrastive loss. */
        siam_tensor all = siam_tensor_1d(g->grads, 0, m->n_params);
        st = siam_tensor_fill(g->be, &all, 0.0f, err);
        if (st != SIAM_OK) {
            siam_graph_destroy(g);
            return st;
        }
    }
    *out = g;
    return SIAM_OK;
}

void siam_graph_destroy(siam_graph *g)
{
    if (!g)
        return;
    siam_backend_free(g->be, g->acts);
    siam_backend_free(g->be, g->dacts);
    siam_backend_free(g->be, g->head);
    siam_backend_free(g->be, g->grads);
    siam_backend_free(g->be, g->ws);
    siam_staging_destroy(g->staging);
    free(g);
}

/* ---- running ---- */

static siam_status run_scaled(siam_graph *g, const siam_node *node, int64_t num, int64_t den,
                              siam_error *err)
{
    siam_op_args a = node->args;
    if (num != den)
        for (int i = 0; i < SIAM_OP_MAX_TENSORS; i++)
            if ((node->batch_mask >> i) & 1u) {
                a.t[i].shape[0] = a.t[i].shape[0] * num / den;
                /* strides of a contiguous view do not depend on dim 0 */
            }
    siam_status st = siam_backend_run(g->be, &a, err);
    if (st != SIAM_OK && err) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "[%s] ", node->label);
        siam_error_prefix(err, prefix);
    }
    return st;
}

siam_status siam_graph_run_node(siam_graph *g, const siam_node *node, int n, siam_error *err)
{
    if (!g || !node || n < 1 || n > g->cap_den)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_run_node: bad argument");
    return run_scaled(g, node, n, g->cap_den, err);
}

static siam_status upload_rows(siam_graph *g, const float *host, int64_t rows, siam_error *err)
{
    siam_tensor in = g->input;
    in.shape[0] = rows;
    return siam_tensor_upload(g->be, &in, host, err);
}

siam_status siam_graph_embed(siam_graph *g, const float *images, int n, float *emb,
                             siam_error *err)
{
    if (!g || !images || n < 1 || n > g->cap_rows)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_graph_embed: need 1..%lld images and non-NULL input",
                              g ? (long long)g->cap_rows : 0LL);
    siam_status st = upload_rows(g, images, n, err);
    for (int i = 0; st == SIAM_OK && i < g->n_tower_fwd; i++)
        st = run_scaled(g, &g->fwd[i], n, g->cap_rows, err);
    if (st == SIAM_OK && emb) {
        siam_tensor h = g->h;
        h.shape[0] = n;
        st = siam_tensor_download(g->be, &h, emb, err);
    }
    return st;
}

/* Labels are probabilities of "same": each in [0,1] (NaN refused). */
static siam_status check_labels(const float *labels, int n, siam_error *err)
{
    for (int i = 0; i < n; i++)
        if (!(labels[i] >= 0.0f && labels[i] <= 1.0f))
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "label %d is %g, not in [0,1]", i,
                                  labels[i]);
    return SIAM_OK;
}

siam_status siam_graph_set_batch(siam_graph *g, const float *images, const float *labels,
                                 int n_pairs, siam_error *err)
{
    if (!g || !images || !labels)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_forward: NULL argument");
    if (g->cfg.max_pairs < 1 || n_pairs < 1 || n_pairs > g->cfg.max_pairs)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_graph_forward: %d pairs, graph holds 1..%d", n_pairs,
                              g->cfg.max_pairs);
    siam_status st = check_labels(labels, n_pairs, err);
    if (st != SIAM_OK)
        return st;
    g->staged_pairs = 0; /* its input is overwritten */
    st = upload_rows(g, images, 2 * (int64_t)n_pairs, err);
    siam_tensor lab = g->labels;
    lab.shape[0] = n_pairs;
    if (st == SIAM_OK)
        st = siam_tensor_upload(g->be, &lab, labels, err);
    return st;
}

siam_status siam_graph_forward(siam_graph *g, const float *images, const float *labels,
                               int n_pairs, float *loss, float *logits, siam_error *err)
{
    if (!loss)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_forward: NULL argument");
    siam_status st = siam_graph_set_batch(g, images, labels, n_pairs, err);
    for (int i = 0; st == SIAM_OK && i < g->n_fwd; i++)
        st = run_scaled(g, &g->fwd[i], n_pairs, g->cfg.max_pairs, err);
    if (st == SIAM_OK)
        st = siam_tensor_download(g->be, &g->loss, loss, err);
    if (st == SIAM_OK)
        siam_staging_synced(g->staging);
    if (st == SIAM_OK && logits) {
        siam_tensor z = g->logits;
        z.shape[0] = n_pairs;
        st = siam_tensor_download(g->be, &z, logits, err);
    }
    if (st == SIAM_OK)
        g->last_pairs = n_pairs;
    return st;
}

/* ---- staged batches (see graph.h) ---- */

siam_status siam_graph_staging(siam_graph *g, float **images, float **labels, siam_error *err)
{
    if (!g || !images || !labels || g->cfg.max_pairs < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_graph_staging: needs a graph with pairs");
    if (!g->staging) {
        siam_tensor in = g->input;
        in.shape[0] = 2 * (int64_t)g->cfg.max_pairs;
        siam_status st = siam_staging_create(g->be, (size_t)siam_tensor_numel(&in),
                                             (size_t)g->cfg.max_pairs, &g->staging, err);
        if (st != SIAM_OK)
            return st;
    }
    return siam_staging_slot(g->staging, images, labels, err);
}

siam_status siam_graph_stage(siam_graph *g, int n_pairs, siam_error *err)
{
    if (!g || !g->staging)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_graph_stage: no staging memory (call siam_graph_staging)");
    if (n_pairs < 1 || n_pairs > g->cfg.max_pairs)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_graph_stage: %d pairs, graph holds 1..%d", n_pairs,
                              g->cfg.max_pairs);
    float *images, *labels;
    siam_status st = siam_staging_slot(g->staging, &images, &labels, err);
    if (st != SIAM_OK)
        return st;
    st = check_labels(labels, n_pairs, err);
    if (st != SIAM_OK)
        return st;
    siam_tensor in = g->input, lab = g->labels;
    in.shape[0] = 2 * (int64_t)n_pairs;
    lab.shape[0] = n_pairs;
    g->staged_pairs = 0;
    st = siam_staging_upload(g->staging, &in, &lab, err);
    if (st == SIAM_OK)
        g->staged_pairs = n_pairs;
    return st;
}

siam_status siam_graph_forward_staged(siam_graph *g, siam_error *err)
{
    if (!g || g->staged_pairs < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_graph_forward_staged: no staged batch");
    int n = g->staged_pairs;
    g->staged_pairs = 0;
    g->last_pairs = 0;
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < g->n_fwd; i++)
        st = run_scaled(g, &g->fwd[i], n, g->cfg.max_pairs, err);
    if (st == SIAM_OK)
        g->last_pairs = n;
    return st;
}

siam_status siam_graph_read_loss(siam_graph *g, float *loss, siam_error *err)
{
    if (!g || !loss || g->cfg.max_pairs < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_read_loss: bad argument");
    siam_status st = siam_tensor_download(g->be, &g->loss, loss, err);
    if (st == SIAM_OK)
        siam_staging_synced(g->staging);
    return st;
}

siam_status siam_graph_backward(siam_graph *g, siam_error *err)
{
    if (!g || !g->cfg.train)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_backward: not a training graph");
    if (g->last_pairs < 1)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_backward: no forward yet");
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < g->n_bwd; i++)
        st = run_scaled(g, &g->bwd[i], g->last_pairs, g->cfg.max_pairs, err);
    return st;
}

siam_status siam_graph_get_grads(siam_graph *g, float *host, siam_error *err)
{
    if (!g || !host || !g->grads)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_get_grads: no gradients");
    siam_tensor all = siam_tensor_1d(g->grads, 0, g->m->n_params);
    siam_status st = siam_tensor_download(g->be, &all, host, err);
    if (st == SIAM_OK)
        siam_staging_synced(g->staging);
    return st;
}

siam_status siam_graph_set_grads(siam_graph *g, const float *host, siam_error *err)
{
    if (!g || !host || !g->grads)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_graph_set_grads: no gradients");
    siam_tensor all = siam_tensor_1d(g->grads, 0, g->m->n_params);
    return siam_tensor_upload(g->be, &all, host, err);
}

siam_tensor siam_graph_embeddings(const siam_graph *g) { return g->h; }

siam_buffer *siam_graph_grad_buffer(siam_graph *g) { return g ? g->grads : NULL; }

const siam_node *siam_graph_nodes(const siam_graph *g, int backward, int *count)
{
    if (!g || !count)
        return NULL;
    *count = backward ? g->n_bwd : g->n_fwd;
    return backward ? g->bwd : g->fwd;
}

void siam_graph_memory_use(const siam_graph *g, siam_graph_memory *mem)
{
    memset(mem, 0, sizeof *mem);
    if (!g)
        return;
    mem->activations = g->acts_floats * 4;
    mem->activation_grads = g->dacts ? (g->grad_slot_floats[0] + g->grad_slot_floats[1]) * 4 : 0;
    mem->head = g->head_floats * 4;
    mem->workspace = g->ws_bytes;
    mem->param_grads = g->grads ? (size_t)g->m->n_params * 4 : 0;
}

size_t siam_graph_device_bytes(const siam_graph *g)
{
    siam_graph_memory m;
    siam_graph_memory_use(g, &m);
    return m.activations + m.activation_grads + m.head + m.workspace + m.param_grads;
}
