/* Network presets, layer-list strings and shape tables. */
#include "engine/net.h"

#include "base/term_text.h"

#include <stdlib.h>
#include <string.h>

typedef struct preset {
    const char *name;
    int in;
    const char *layers;
    const char *why;
} preset;

/* koch105 is Koch et al. (2015) Fig. 4 exactly. koch35 is our reduced net
 * for Omniglot downsampled by 3 (105 -> 35), the input size the paper used
 * for its MNIST experiment, whose "reduced version" it did not specify: the
 * same four-stage shape with 5x5/5x5/3x3 filters so that 35 -> 31 -> 15 ->
 * 11 -> 5 -> 3 stays valid, and a 1024-unit embedding. tiny keeps the whole
 * Koch structure (4 convs, 3 pools, sigmoid FC) at 28x28 for fast tests. */
static const preset presets[] = {
    {"koch105", 105,
     "conv:64:10,relu,pool,conv:128:7,relu,pool,conv:128:4,relu,pool,conv:256:4,relu,"
     "linear:4096,sigmoid",
     "Koch et al. 2015, Fig. 4"},
    {"koch35", 35,
     "conv:64:5,relu,pool,conv:128:5,relu,pool,conv:128:3,relu,linear:1024,sigmoid",
     "reduced net for 35x35 input"},
    {"small35", 35,
     "conv:16:5,relu,pool,conv:32:5,relu,pool,conv:32:3,relu,linear:256,sigmoid",
     "koch35 at a quarter of the width, for quick runs and tests"},
    {"tiny", 28,
     "conv:8:5,relu,pool,conv:16:3,relu,pool,conv:16:2,relu,pool,conv:32:2,relu,"
     "linear:64,sigmoid",
     "Koch's structure at 28x28, for tests"},
};

const char *const *siam_net_preset_names(void)
{
    static const char *const names[] = {"koch105", "koch35", "small35", "tiny", NULL};
    return names;
}

siam_status siam_net_preset(const char *name, siam_net_desc *out, siam_error *err)
{
    if (!name || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_net_preset: NULL argument");
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            siam_status st = siam_net_parse(presets[i].layers, 1, presets[i].in, presets[i].in,
                                            out, err);
            if (st == SIAM_OK)
                snprintf(out->name, sizeof out->name, "%s", name);
            return st;
        }
    }
    return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                          "unknown preset '%s' (known: koch105, koch35, small35, tiny)", name);
}

static int parse_int(const char *s, const char **end, int *out)
{
    char *e;
    long v = strtol(s, &e, 10);
    if (e == s || v < 1 || v > 1000000)
        return 0;
    *out = (int)v;
    *end = e;
    return 1;
}

siam_status siam_net_parse(const char *layers, int in_c, int in_h, int in_w, siam_net_desc *out,
                           siam_error *err)
{
    if (!layers || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_net_parse: NULL argument");
    if (in_c < 1 || in_h < 1 || in_w < 1 || in_c > 4096 || in_h > 65536 || in_w > 65536)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "bad input size %dx%dx%d", in_c, in_h,
                              in_w);
    siam_net_desc d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "custom");
    d.in_c = in_c;
    d.in_h = in_h;
    d.in_w = in_w;
    d.head_bias = 1;
    const char *p = layers;
    while (*p) {
        if (d.n_layers == SIAM_MAX_LAYERS)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "more than %d layers",
                                  SIAM_MAX_LAYERS);
        siam_layer_desc *l = &d.layers[d.n_layers];
        const char *e = p;
        if (strncmp(p, "conv:", 5) == 0) {
            l->kind = SIAM_LAYER_CONV;
            if (!parse_int(p + 5, &e, &l->out) || *e != ':' || !parse_int(e + 1, &e, &l->kernel))
                return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                      "bad conv layer at '%s' (want conv:FILTERS:SIZE)", p);
        } else if (strncmp(p, "linear:", 7) == 0) {
            l->kind = SIAM_LAYER_LINEAR;
            if (!parse_int(p + 7, &e, &l->out))
                return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                      "bad linear layer at '%s' (want linear:UNITS)", p);
        } else if (strncmp(p, "relu", 4) == 0) {
            l->kind = SIAM_LAYER_RELU;
            e = p + 4;
        } else if (strncmp(p, "pool", 4) == 0) {
            l->kind = SIAM_LAYER_MAXPOOL;
            e = p + 4;
        } else if (strncmp(p, "sigmoid", 7) == 0) {
            l->kind = SIAM_LAYER_SIGMOID;
            e = p + 7;
        } else {
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "unknown layer at '%s' (known: conv:F:K, relu, pool, "
                                  "linear:U, sigmoid)",
                                  p);
        }
        if (*e != ',' && *e != '\0')
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "expected ',' after layer at '%s'",
                                  p);
        d.n_layers++;
        p = *e == ',' ? e + 1 : e;
    }
    siam_net_shapes sh;
    siam_status st = siam_net_shapes_of(&d, &sh, err);
    if (st != SIAM_OK)
        return st;
    *out = d;
    return SIAM_OK;
}

siam_status siam_net_format(const siam_net_desc *d, char *buf, size_t size, siam_error *err)
{
    if (!d || !buf || size == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_net_format: NULL argument");
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < d->n_layers; i++) {
        const siam_layer_desc *l = &d->layers[i];
        int r;
        const char *sep = i ? "," : "";
        switch (l->kind) {
        case SIAM_LAYER_CONV: r = snprintf(buf + used, size - used, "%sconv:%d:%d", sep, l->out, l->kernel); break;
        case SIAM_LAYER_LINEAR: r = snprintf(buf + used, size - used, "%slinear:%d", sep, l->out); break;
        case SIAM_LAYER_RELU: r = snprintf(buf + used, size - used, "%srelu", sep); break;
        case SIAM_LAYER_MAXPOOL: r = snprintf(buf + used, size - used, "%spool", sep); break;
        default: r = snprintf(buf + used, size - used, "%ssigmoid", sep); break;
        }
        if (r < 0 || (size_t)r >= size - used)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "layer list longer than %zu bytes",
                                  size);
        used += (size_t)r;
    }
    return SIAM_OK;
}

siam_status siam_net_shapes_of(const siam_net_desc *d, siam_net_shapes *s, siam_error *err)
{
    if (!d || !s)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_net_shapes_of: NULL argument");
    if (d->n_layers < 1 || d->n_layers > SIAM_MAX_LAYERS)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "a net needs 1..%d layers",
                              SIAM_MAX_LAYERS);
    int64_t c = d->in_c, h = d->in_h, w = d->in_w;
    int flat = 0;
    /* In double: a description read from a model file can ask for layers
     * whose parameter count overflows int64_t (linear:1000000 on a
     * 4096x65536x65536 input did, in siam_net_param_count; see
     * tests/fuzz/regressions/safetensors); the bound keeps every later
     * count (siam_net_param_count, the model layout) exact. */
    double n_params = 0.0;
    for (int i = 0; i < d->n_layers; i++) {
        const siam_layer_desc *l = &d->layers[i];
        if (l->kind == SIAM_LAYER_CONV)
            n_params += (double)l->out * (double)c * l->kernel * l->kernel + l->out;
        else if (l->kind == SIAM_LAYER_LINEAR)
            n_params += (double)l->out * (double)c * (double)h * (double)w + l->out;
        if (n_params > (double)SIAM_NET_MAX_PARAMS)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "layer %d: the net would have over %lld parameters", i + 1,
                                  (long long)SIAM_NET_MAX_PARAMS);
        switch (l->kind) {
        case SIAM_LAYER_CONV:
            if (flat)
                return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                      "layer %d: conv after linear is not supported", i + 1);
            if (l->kernel < 1 || l->kernel > h || l->kernel > w || l->out < 1)
                return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                      "layer %d: %dx%d conv does not fit a %lldx%lld input", i + 1,
                                      l->kernel, l->kernel, (long long)h, (long long)w);
            c = l->out;
            h -= l->kernel - 1;
            w -= l->kernel - 1;
            break;
        case SIAM_LAYER_MAXPOOL:
            if (flat || h < 2 || w < 2)
                return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                      "layer %d: cannot pool a %lldx%lld input", i + 1,
                                      (long long)h, (long long)w);
            h /= 2;
            w /= 2;
            break;
        case SIAM_LAYER_LINEAR:
            if (l->out < 1)
                return siam_error_set(err, SIAM_ERR_INVALID_ARG, "layer %d: no units", i + 1);
            c = l->out;
            h = w = 1;
            flat = 1;
            break;
        case SIAM_LAYER_RELU:
        case SIAM_LAYER_SIGMOID:
            break;
        default:
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "layer %d: unknown kind", i + 1);
        }
        s->c[i] = c;
        s->h[i] = h;
        s->w[i] = w;
    }
    if (n_params + (double)c * (double)h * (double)w > (double)SIAM_NET_MAX_PARAMS)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "the net and its head would have over %lld parameters",
                              (long long)SIAM_NET_MAX_PARAMS);
    s->embed_dim = c * h * w;
    return SIAM_OK;
}

int64_t siam_net_param_count(const siam_net_desc *d)
{
    siam_net_shapes s;
    if (siam_net_shapes_of(d, &s, NULL) != SIAM_OK)
        return -1;
    int64_t total = 0, c = d->in_c, h = d->in_h, w = d->in_w;
    for (int i = 0; i < d->n_layers; i++) {
        const siam_layer_desc *l = &d->layers[i];
        if (l->kind == SIAM_LAYER_CONV)
            total += (int64_t)l->out * c * l->kernel * l->kernel + l->out;
        else if (l->kind == SIAM_LAYER_LINEAR)
            total += (int64_t)l->out * c * h * w + l->out;
        c = s.c[i];
        h = s.h[i];
        w = s.w[i];
    }
    return total + s.embed_dim + (d->head_bias ? 1 : 0);
}

void siam_net_print(const siam_net_desc *d, FILE *f)
{
    siam_net_shapes s;
    if (!d || !f || siam_net_shapes_of(d, &s, NULL) != SIAM_OK)
        return;
    fputs("net ", f);
    siam_fputs_escaped(d->name, f); /* from a model file: may hold anything */
    fprintf(f, ": input %dx%dx%d\n", d->in_c, d->in_h, d->in_w);
    fprintf(f, "  %-3s %-14s %-18s %12s\n", "#", "layer", "output", "params");
    int64_t c = d->in_c, h = d->in_h, w = d->in_w;
    for (int i = 0; i < d->n_layers; i++) {
        const siam_layer_desc *l = &d->layers[i];
        char name[32];
        int64_t params = 0;
        switch (l->kind) {
        case SIAM_LAYER_CONV:
            snprintf(name, sizeof name, "conv %dx%d", l->kernel, l->kernel);
            params = (int64_t)l->out * c * l->kernel * l->kernel + l->out;
            break;
        case SIAM_LAYER_LINEAR:
            snprintf(name, sizeof name, "linear");
            params = (int64_t)l->out * c * h * w + l->out;
            break;
        case SIAM_LAYER_RELU: snprintf(name, sizeof name, "relu"); break;
        case SIAM_LAYER_MAXPOOL: snprintf(name, sizeof name, "maxpool 2x2"); break;
        default: snprintf(name, sizeof name, "sigmoid"); break;
        }
        char shape[48];
        snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)s.c[i], (long long)s.h[i],
                 (long long)s.w[i]);
        fprintf(f, "  %-3d %-14s %-18s %12lld\n", i + 1, name, shape, (long long)params);
        c = s.c[i];
        h = s.h[i];
        w = s.w[i];
    }
    fprintf(f, "  %-3s %-14s %-18s %12lld\n", "", d->head_bias ? "head wL1+b" : "head wL1", "1",
            (long long)(s.embed_dim + (d->head_bias ? 1 : 0)));
    fprintf(f, "  total parameters: %lld\n", (long long)siam_net_param_count(d));
}
