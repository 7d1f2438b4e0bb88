/* siamese plot: reading training logs (JSON lines). */
#define _POSIX_C_SOURCE 200809L
#include "plot_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/input_file.h"

static int push(plot_series *s, double t, double v)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        double *nt = realloc(s->t, (size_t)cap * sizeof *nt);
        if (nt)
            s->t = nt;
        double *nv = nt ? realloc(s->v, (size_t)cap * sizeof *nv) : NULL;
        if (nv)
            s->v = nv;
        if (!nt || !nv)
            return 0;
        s->cap = cap;
    }
    s->t[s->n] = t;
    s->v[s->n++] = v;
    return 1;
}

/* The number after "key": in a JSON line; 0 if absent. */
static int field(const char *line, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p)
        return 0;
    char *end;
    *v = strtod(p + strlen(pat), &end);
    return end != p + strlen(pat);
}

void plot_log_free(plot_log *l)
{
    free(l->loss.t), free(l->loss.v), free(l->acc.t), free(l->acc.v);
    memset(l, 0, sizeof *l);
}

siam_status plot_log_read(const char *path, plot_log *out, siam_error *err)
{
    memset(out, 0, sizeof *out);
    out->name = path;
    out->best = -1;
    FILE *f = NULL;
    siam_status st = siam_fopen_input(path, "log", &f, err);
    if (st != SIAM_OK)
        return st;
    char buf[1024];
    double sum = 0, t, v, e;
    int k = 0, ok = 1;
    while (ok && fgets(buf, sizeof buf, f)) {
        if (strstr(buf, "\"type\":\"step\"") && field(buf, "loss", &v) && field(buf, "time", &t)) {
            /* A record the axes cannot hold (NaN, infinite, negative) is
             * skipped, not drawn. */
            if (!(v >= 0 && v < 1e6 && t >= 0 && t < 1e9)) {
                out->skipped++;
                continue;
            }
            sum += v;
            if (++k == 20) {
                ok = push(&out->loss, t / 60, sum / 20);
                sum = 0, k = 0;
            }
        } else if (strstr(buf, "\"type\":\"epoch\"") && field(buf, "val_accuracy", &v) &&
                   field(buf, "time", &t)) {
            if (!(v >= 0 && v <= 1 && t >= 0 && t < 1e9)) {
                out->skipped++;
                continue;
            }
            ok = push(&out->acc, t / 60, v);
            if (ok && (out->best < 0 || v > out->acc.v[out->best])) {
                out->best = out->acc.n - 1;
                out->best_epoch = field(buf, "epoch", &e) && e >= 0 && e < 1e9 ? (int)e : out->acc.n;
            }
        }
    }
    fclose(f);
    if (!ok) {
        plot_log_free(out);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    }
    if (out->loss.n + out->acc.n < 2) {
        plot_log_free(out);
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s holds too few training records to plot",
                              path);
    }
    return SIAM_OK;
}

void plot_extent(const plot_log *logs, int n, double *tmax, double *lmax)
{
    *tmax = 1e-9, *lmax = 1e-9;
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < logs[k].loss.n; i++) {
            *tmax = logs[k].loss.t[i] > *tmax ? logs[k].loss.t[i] : *tmax;
            *lmax = logs[k].loss.v[i] > *lmax ? logs[k].loss.v[i] : *lmax;
        }
        for (int i = 0; i < logs[k].acc.n; i++)
            *tmax = logs[k].acc.t[i] > *tmax ? logs[k].acc.t[i] : *tmax;
    }
}

const unsigned char *plot_colour(int k)
{
    static const unsigned char palette[][3] = {
        {0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167},
        {230, 159, 0}, {86, 180, 233}, {0, 0, 0},   {240, 228, 66},
    };
    return palette[k % (int)(sizeof palette / sizeof palette[0])];
}
