/* Model files and checkpoints on top of safetensors. */
#include "engine/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_META 64

siam_status siam_checkpoint_save(const char *path, siam_model *m, siam_optim *o,
                                 const char *const *extra, int n_extra, siam_error *err)
{
    return siam_checkpoint_save_avg(path, m, o, NULL, extra, n_extra, err);
}

siam_status siam_checkpoint_save_avg(const char *path, siam_model *m, siam_optim *o,
                                     const float *avg, const char *const *extra, int n_extra,
                                     siam_error *err)
{
    if (!path || !m || n_extra < 0 || n_extra > MAX_META - 8 || (n_extra && !extra))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_checkpoint_save: bad argument");
    int64_t np = m->n_params;
    int n_state = o ? (o->s2 ? 2 : 1) : 0;
    float *host = malloc((size_t)np * 4 * (size_t)(1 + n_state));
    siam_st_entry *e = calloc((size_t)m->n_entries * 4, sizeof *e);
    char(*names)[48] = calloc((size_t)m->n_entries * 4, sizeof *names);
    if (!host || !e || !names) {
        free(host), free(e), free(names);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    siam_status st = siam_model_get(m, host, err);
    if (st == SIAM_OK && o)
        st = siam_optim_get_state(o, host + np, o->s2 ? host + 2 * np : NULL, err);
    int n = 0;
    for (int s = 0; st == SIAM_OK && s <= n_state; s++)
        for (int i = 0; i < m->n_entries; i++) {
            const siam_param *p = &m->entries[i];
            if (s == 0)
                snprintf(names[n], sizeof names[n], "%s", p->name);
            else
                snprintf(names[n], sizeof names[n], "optim.s%d.%s", s, p->name);
            e[n] = (siam_st_entry){names[n], p->ndim, p->shape, host + s * np + p->offset};
            n++;
        }
    for (int i = 0; st == SIAM_OK && avg && i < m->n_entries; i++) {
        const siam_param *p = &m->entries[i];
        snprintf(names[n], sizeof names[n], "avg.%s", p->name);
        e[n] = (siam_st_entry){names[n], p->ndim, p->shape, avg + p->offset};
        n++;
    }
    char layers[1024], input[64], step[32];
    if (st == SIAM_OK)
        st = siam_net_format(&m->desc, layers, sizeof layers, err);
    snprintf(input, sizeof input, "%dx%dx%d", m->desc.in_c, m->desc.in_h, m->desc.in_w);
    snprintf(step, sizeof step, "%" PRId64, o ? o->step : (int64_t)0);
    const char *meta[2 * MAX_META];
    int k = 0;
    meta[k++] = "format", meta[k++] = SIAM_MODEL_FORMAT;
    meta[k++] = "format_version", meta[k++] = SIAM_MODEL_FORMAT_VERSION;
    meta[k++] = "preset", meta[k++] = m->desc.name;
    meta[k++] = "layers", meta[k++] = layers;
    meta[k++] = "input", meta[k++] = input;
    meta[k++] = "head_bias", meta[k++] = m->desc.head_bias ? "1" : "0";
    if (o) {
        meta[k++] = "optim_step", meta[k++] = step;
        meta[k++] = "optim_kind", meta[k++] = o->cfg.kind == SIAM_OPTIM_ADAM ? "adam" : "sgd";
    }
    for (int i = 0; i < 2 * n_extra; i++)
        meta[k++] = extra[i];
    if (st == SIAM_OK)
        st = siam_st_write(path, e, n, meta, k / 2, err);
    free(host), free(e), free(names);
    return st;
}

/* Metadata this program writes and reads, with the values it accepts. Keys
 * it does not know are left to other tools; a known key with a value it
 * does not know is refused, never read as a default. */
typedef enum { META_CHOICE, META_WHOLE, META_FINITE } meta_kind;

static const struct {
    const char *key;
    meta_kind kind;
    const char *choices; /* META_CHOICE: the values, space-separated */
} known_meta[] = {
    {"head_bias", META_CHOICE, "0 1"},
    {"loss", META_CHOICE, "bce contrastive"},
    {"optim_kind", META_CHOICE, "adam sgd"},
    {"distort", META_CHOICE, "0 1 2"},
    {"negatives", META_CHOICE, "0 1 2"},
    {"all_drawers", META_CHOICE, "0 1"},
    {"dataset_layout", META_CHOICE, "class_folders nested"},
    {"schedule", META_CHOICE, "exp cosine"},
    {"optim_step", META_WHOLE, NULL},
    {"seed", META_WHOLE, NULL},
    {"best_epoch", META_WHOLE, NULL},
    {"pairs", META_WHOLE, NULL},
    {"epoch_pairs", META_WHOLE, NULL},
    {"batch", META_WHOLE, NULL},
    {"val_trials", META_WHOLE, NULL},
    {"val_way", META_WHOLE, NULL},
    {"patience", META_WHOLE, NULL},
    {"epoch", META_WHOLE, NULL},
    {"epoch_pos", META_WHOLE, NULL},
    {"step", META_WHOLE, NULL},
    {"since_best", META_WHOLE, NULL},
    {"rng_any", META_WHOLE, NULL},
    {"rng_same", META_WHOLE, NULL},
    {"rng_distort", META_WHOLE, NULL},
    {"margin", META_FINITE, NULL},
    {"best_val_accuracy", META_FINITE, NULL},
    {"lr_decay", META_FINITE, NULL},
    {"warmup", META_FINITE, NULL},
    {"lr_floor", META_FINITE, NULL},
    {"ema", META_FINITE, NULL},
    {"ema_updates", META_WHOLE, NULL},
    {"momentum_start", META_FINITE, NULL},
    {"momentum_slope", META_FINITE, NULL},
    {"elapsed", META_FINITE, NULL},
    {"verify_threshold", META_FINITE, NULL},
    {"verify_accuracy", META_FINITE, NULL},
};

static int is_choice(const char *v, const char *choices)
{
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        size_t len = strcspn(c, " ");
        if (len == n && n && strncmp(c, v, n) == 0)
            return 1;
        c += len + (c[len] == ' ');
    }
    return 0;
}

static int is_whole(const char *v)
{
    size_t n = strspn(v, "0123456789");
    if (n == 0 || v[n] || n > 19 || (n > 1 && v[0] == '0'))
        return 0;
    return 1;
}

static int is_finite_number(const char *v)
{
    char *end;
    double d = strtod(v, &end);
    return end != v && *end == '\0' && d - d == 0.0 && strspn(v, " \t\n") == 0;
}

static siam_status check_metadata(const siam_st_file *f, siam_error *err)
{
    for (size_t i = 0; i < sizeof known_meta / sizeof known_meta[0]; i++) {
        const char *v = siam_st_meta(f, known_meta[i].key);
        if (!v)
            continue;
        meta_kind k = known_meta[i].kind;
        int ok = k == META_CHOICE ? is_choice(v, known_meta[i].choices)
                 : k == META_WHOLE ? is_whole(v)
                                   : is_finite_number(v);
        if (!ok)
            return siam_error_set(err, SIAM_ERR_FORMAT, "%s: metadata %s is '%.40s', expected %s%s",
                                  f->path, known_meta[i].key, v,
                                  k == META_CHOICE ? "one of: " : k == META_WHOLE
                                                                      ? "a whole number"
                                                                      : "a finite number",
                                  k == META_CHOICE ? known_meta[i].choices : "");
    }
    return SIAM_OK;
}

static int same_shape(const siam_st_tensor *t, const siam_param *p)
{
    int same = t->ndim == p->ndim;
    for (int d = 0; same && d < p->ndim; d++)
        same = t->shape[d] == p->shape[d];
    return same;
}

/* The tensor table must be what the layer list implies (each parameter,
 * optimiser state of the same shapes, nothing else) before anything is
 * reserved from the layer list: a small file cannot claim a huge network. */
static siam_status check_tensors(const siam_st_file *f, const siam_net_desc *desc,
                                 siam_error *err)
{
    siam_model *m = malloc(sizeof *m);
    if (!m)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = siam_model_layout(desc, m, err);
    for (int i = 0; st == SIAM_OK && i < m->n_entries; i++)
        if (siam_st_find(f, m->entries[i].name) < 0)
            st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: tensor '%s' is missing", f->path,
                                m->entries[i].name);
    for (int k = 0; st == SIAM_OK && k < f->n; k++) {
        const char *name = f->t[k].name;
        if (strncmp(name, "optim.s1.", 9) == 0 || strncmp(name, "optim.s2.", 9) == 0)
            name += 9;
        else if (strncmp(name, "avg.", 4) == 0)
            name += 4;
        int e = siam_model_find(m, name);
        if (e < 0) {
            st = siam_error_set(err, SIAM_ERR_FORMAT,
                                "%s: tensor '%.60s' is not a parameter of this network", f->path,
                                f->t[k].name);
            break;
        }
        if (!same_shape(&f->t[k], &m->entries[e]))
            st = siam_error_set(err, SIAM_ERR_FORMAT,
                                "%s: tensor '%.60s' has the wrong shape for this network", f->path,
                                f->t[k].name);
    }
    free(m);
    return st;
}

siam_status siam_checkpoint_open(const char *path, siam_st_file *f, siam_net_desc *desc,
                                 siam_error *err)
{
    if (!path || !f || !desc)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_checkpoint_open: NULL argument");
    siam_status st = siam_st_open(path, f, err);
    if (st != SIAM_OK)
        return st;
    const char *fmt = siam_st_meta(f, "format"), *ver = siam_st_meta(f, "format_version");
    const char *layers = siam_st_meta(f, "layers"), *input = siam_st_meta(f, "input");
    const char *preset = siam_st_meta(f, "preset"), *hb = siam_st_meta(f, "head_bias");
    if (!fmt || strcmp(fmt, SIAM_MODEL_FORMAT) != 0 || !layers || !input || !hb) {
        siam_st_close(f);
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "%s: not a siamese model file (metadata format/layers/input missing)",
                              path);
    }
    /* The metadata strings live in f's JSON: the message that quotes them is
     * written before siam_st_close frees them (fuzz_safetensors found the
     * use after free). */
    if (!ver || strcmp(ver, SIAM_MODEL_FORMAT_VERSION) != 0) {
        siam_error_set(err, SIAM_ERR_FORMAT, "%s: model format version %s, expected %s", path,
                       ver ? ver : "(none)", SIAM_MODEL_FORMAT_VERSION);
        siam_st_close(f);
        return SIAM_ERR_FORMAT;
    }
    int c, h, w;
    char tail;
    if (sscanf(input, "%dx%dx%d%c", &c, &h, &w, &tail) != 3) {
        siam_error_set(err, SIAM_ERR_FORMAT, "%s: bad input size '%s'", path, input);
        siam_st_close(f);
        return SIAM_ERR_FORMAT;
    }
    st = siam_net_parse(layers, c, h, w, desc, err);
    if (st != SIAM_OK) {
        siam_error_prefix(err, ": ");
        siam_error_prefix(err, path);
        siam_st_close(f);
        return SIAM_ERR_FORMAT;
    }
    desc->head_bias = strcmp(hb, "1") == 0;
    snprintf(desc->name, sizeof desc->name, "%s", preset ? preset : "custom");
    st = check_metadata(f, err);
    if (st == SIAM_OK)
        st = check_tensors(f, desc, err);
    if (st != SIAM_OK)
        siam_st_close(f);
    return st;
}

static siam_status load_set(const siam_st_file *f, const siam_model *m, const char *prefix,
                            float *host, siam_error *err)
{
    for (int i = 0; i < m->n_entries; i++) {
        const siam_param *p = &m->entries[i];
        char name[64];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        int k = siam_st_find(f, name);
        if (k < 0)
            return siam_error_set(err, SIAM_ERR_FORMAT, "%s: tensor '%s' is missing", f->path,
                                  name);
        if (!same_shape(&f->t[k], p))
            return siam_error_set(err, SIAM_ERR_FORMAT,
                                  "%s: tensor '%s' has the wrong shape for this network", f->path,
                                  name);
        siam_status st = siam_st_read(f, k, host + p->offset, err);
        if (st != SIAM_OK)
            return st;
    }
    return SIAM_OK;
}

static siam_status check_finite(const siam_st_file *f, const float *v, int64_t n, siam_error *err)
{
    for (int64_t i = 0; i < n; i++)
        if (!(v[i] - v[i] == 0.0f))
            return siam_error_set(err, SIAM_ERR_FORMAT, "%s: holds NaN or Inf values", f->path);
    return SIAM_OK;
}

siam_status siam_checkpoint_load_params(const siam_st_file *f, siam_model *m, siam_error *err)
{
    if (!f || !m)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_checkpoint_load_params: NULL");
    float *host = malloc((size_t)m->n_params * 4);
    if (!host)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = load_set(f, m, "", host, err);
    if (st == SIAM_OK)
        st = check_finite(f, host, m->n_params, err);
    if (st == SIAM_OK)
        st = siam_model_set(m, host, err);
    free(host);
    return st;
}

siam_status siam_checkpoint_load_optim(const siam_st_file *f, siam_optim *o, siam_error *err)
{
    if (!f || !o)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_checkpoint_load_optim: NULL");
    const char *kind = siam_st_meta(f, "optim_kind"), *step = siam_st_meta(f, "optim_step");
    const char *want = o->cfg.kind == SIAM_OPTIM_ADAM ? "adam" : "sgd";
    if (!kind || !step || strcmp(kind, want) != 0)
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "%s: holds no %s optimiser state (found %s)", f->path, want,
                              kind ? kind : "none");
    int64_t np = o->m->n_params;
    float *host = malloc((size_t)np * 8);
    if (!host)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = load_set(f, o->m, "optim.s1.", host, err);
    if (st == SIAM_OK && o->s2)
        st = load_set(f, o->m, "optim.s2.", host + np, err);
    char *end;
    long long s = strtoll(step, &end, 10);
    if (st == SIAM_OK && (*end || s < 0))
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: bad optim_step '%s'", f->path, step);
    if (st == SIAM_OK)
        st = siam_optim_set_state(o, host, o->s2 ? host + np : NULL, (int64_t)s, err);
    free(host);
    return st;
}

siam_status siam_checkpoint_load_avg(const siam_st_file *f, const siam_model *m, float *avg,
                                     siam_error *err)
{
    if (!f || !m || !avg)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_checkpoint_load_avg: NULL");
    siam_status st = load_set(f, m, "avg.", avg, err);
    return st == SIAM_OK ? check_finite(f, avg, m->n_params, err) : st;
}
