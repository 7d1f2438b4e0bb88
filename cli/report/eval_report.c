/* siamese eval --report: the HTML page, its ROC chart and its images. */
#define _POSIX_C_SOURCE 200809L
#include "eval_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/atomic_file.h"
#include "eval/verification.h"
#include "grey_png.h"
#include "markup.h"

static siam_status make_dir(const char *path, siam_error *err)
{
    struct stat sb;
    if (mkdir(path, 0755) == 0 || (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
        return SIAM_OK;
    return siam_error_set(err, SIAM_ERR_IO, "cannot make folder %s: %s", path,
                          errno == EEXIST ? "a file is in the way" : strerror(errno));
}

/* The trials' pairs: the query against its true class (same) and against
 * every other candidate (different). */
static siam_status roc_pairs(const cli_report_input *in, float **s, float **y, size_t *n,
                             siam_error *err)
{
    const siam_trial_set *ts = in->ts;
    *n = ts->n_trials * (size_t)ts->way;
    *s = malloc(*n * sizeof **s);
    *y = malloc(*n * sizeof **y);
    if (!*s || !*y)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    for (size_t t = 0; t < ts->n_trials; t++)
        for (int c = 0; c < ts->way; c++) {
            size_t k = t * (size_t)ts->way + (size_t)c;
            (*s)[k] = in->class_scores[k];
            (*y)[k] = (uint32_t)c == ts->answer[t] ? 1.0f : 0.0f;
        }
    return SIAM_OK;
}

typedef struct scored {
    float s, y;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    float x = ((const scored *)a)->s, z = ((const scored *)b)->s;
    return (x < z) - (x > z);
}

/* The ROC chart: true-positive against false-positive rate, one point per
 * distinct score (ties move both rates at once). */
static siam_status write_roc(const char *path, const float *s, const float *y, size_t n,
                             double auc, siam_error *err)
{
    scored *v = malloc(n * sizeof *v);
    if (!v)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].s = s[i], v[i].y = y[i];
        pos += y[i] > 0.5f;
    }
    qsort(v, n, sizeof *v, by_score_desc);
    size_t neg = n - pos;
    siam_atomic_file out;
    FILE *f = siam_atomic_begin_stream(&out, path, err);
    if (!f) {
        free(v);
        return err ? err->status : SIAM_ERR_IO;
    }
    const int S = 400, M = 50, P = S - 2 * M;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, "
               "sans-serif\" font-size=\"13\">\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
            S, S, S, S, S, S);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n"
               "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" "
               "stroke-dasharray=\"4,4\"/>\n", M, M, P, P, M, M + P, M + P, M);
    for (int g = 0; g <= 4; g++) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.2f</text>\n", M + g * P / 4,
                M + P + 18, g / 4.0);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.2f</text>\n", M - 6,
                M + P - g * P / 4 + 4, g / 4.0);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">false positive rate</text>\n"
               "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\">true "
               "positive rate</text>\n", M + P / 2, S - 8, M + P / 2);
    fprintf(f, "<polyline id=\"roc\" fill=\"none\" stroke=\"#0072b2\" stroke-width=\"2\" "
               "points=\"%d,%d", M, M + P);
    size_t tp = 0, fp = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (; j < n && v[j].s == v[i].s; j++)
            v[j].y > 0.5f ? tp++ : fp++;
        double x = neg ? (double)fp / (double)neg : 0, yy = pos ? (double)tp / (double)pos : 0;
        fprintf(f, " %.1f,%.1f", M + x * P, M + P - yy * P);
        i = j;
    }
    fprintf(f, "\"/>\n<text id=\"auc\" x=\"%d\" y=\"%d\" text-anchor=\"end\">AUC %.4f</text>\n"
               "</svg>\n", M + P - 8, M + P - 10, auc);
    free(v);
    return siam_atomic_commit(&out, err);
}

/* The order of the grid: wrong trials first, each group in trial order. */
static size_t *shown_order(const cli_report_input *in, size_t *n_shown)
{
    const siam_trial_set *ts = in->ts;
    size_t *o = malloc((ts->n_trials ? ts->n_trials : 1) * sizeof *o), k = 0;
    if (!o)
        return NULL;
    for (int pass = 0; pass < 2; pass++)
        for (size_t t = 0; t < ts->n_trials && k < (size_t)in->max_shown; t++)
            if ((in->picks[t] != ts->answer[t]) == (pass == 0))
                o[k++] = t;
    *n_shown = k;
    return o;
}

static siam_status write_image(const char *dir, const siam_dataset *ds, uint32_t i,
                               unsigned char *done, siam_error *err)
{
    if (done[i])
        return SIAM_OK;
    done[i] = 1;
    char path[4200];
    if (snprintf(path, sizeof path, "%s/img/%u.png", dir, i) >= (int)sizeof path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "report path too long");
    return cli_write_grey_png(path, siam_dataset_pixels(ds, i), siam_dataset_height(ds),
                              siam_dataset_width(ds), err);
}

static void write_trial(FILE *f, const cli_report_input *in, size_t t)
{
    const siam_trial_set *ts = in->ts;
    int wrong = in->picks[t] != ts->answer[t];
    fprintf(f, "<div class=\"trial %s\"><div class=\"cell query\"><img src=\"img/%u.png\" "
               "alt=\"query\"><span>query %zu</span></div>\n",
            wrong ? "wrong" : "right", ts->query[t], t + 1);
    for (int c = 0; c < ts->way; c++) {
        uint32_t img = ts->support[(t * (size_t)ts->way + (size_t)c) * (size_t)ts->shots];
        int is_true = (uint32_t)c == ts->answer[t], chosen = (uint32_t)c == in->picks[t];
        fprintf(f, "<div class=\"cell%s%s\"><img src=\"img/%u.png\" alt=\"class %d\"><span>%s%.3g"
                   "</span></div>\n", is_true ? " true" : "", chosen ? " chosen" : "", img, c + 1,
                is_true && chosen ? "&#10003; " : chosen ? "&#10007; " : is_true ? "true " : "",
                (double)in->class_scores[t * (size_t)ts->way + (size_t)c]);
    }
    fputs("</div>\n", f);
}

static siam_status write_html(const char *dir, const cli_report_input *in, double auc,
                              const size_t *order, size_t n_shown, siam_error *err)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/index.html", dir) >= (int)sizeof path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "report path too long");
    siam_atomic_file out;
    FILE *f = siam_atomic_begin_stream(&out, path, err);
    if (!f)
        return err ? err->status : SIAM_ERR_IO;
    const siam_eval_result *r = in->res;
    const siam_trial_set *ts = in->ts;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>siamese "
          "eval: ", f);
    cli_markup_text(f, in->method);
    fputs("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px;color:#222}\n"
          "table.summary td,table.summary th{padding:2px 12px;text-align:left}\n"
          ".trial{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0;padding:4px;"
          "border-left:6px solid #0a0}\n.trial.wrong{border-left-color:#d22}\n"
          ".cell{display:flex;flex-direction:column;align-items:center;font-size:11px}\n"
          ".cell img{width:64px;height:64px;border:3px solid #ddd;image-rendering:pixelated}\n"
          ".cell.query img{border-color:#333}\n.cell.true img{border-color:#0a0}\n"
          ".cell.chosen:not(.true) img{border-color:#d22}\n"
          "</style></head><body>\n<h1>One-shot evaluation</h1>\n<p>", f);
    cli_markup_text(f, in->method);
    fputs(" on ", f);
    cli_markup_text(f, in->source);
    fprintf(f, ", %d-way %d-shot</p>\n<table class=\"summary\">\n"
               "<tr><th>accuracy</th><td id=\"accuracy\" data-value=\"%.6f\">%.2f%%</td></tr>\n"
               "<tr><th>trials correct</th><td><span id=\"correct\">%zu</span> of "
               "<span id=\"trials\">%zu</span></td></tr>\n"
               "<tr><th>95%% CI (Wilson)</th><td id=\"ci\" data-low=\"%.6f\" data-high=\"%.6f\">"
               "[%.2f%%, %.2f%%]</td></tr>\n"
               "<tr><th>verification ROC AUC</th><td id=\"auc\" data-value=\"%.6f\">%.4f</td></tr>\n"
               "</table>\n<h2>Verification ROC</h2>\n<p>The trials' own pairs: each query "
               "against its true class (same) and every other candidate (different).</p>\n"
               "<img src=\"roc.svg\" width=\"400\" height=\"400\" alt=\"ROC curve\">\n"
               "<h2>Trials</h2>\n<p>%zu of %zu shown, wrong ones first. Each row: the query, "
               "then one image of each candidate class with its score; the true class is "
               "framed green, a wrong choice red.</p>\n",
            ts->way, ts->shots, r->accuracy, 100 * r->accuracy, r->correct, r->trials, r->ci_low,
            r->ci_high, 100 * r->ci_low, 100 * r->ci_high, auc, auc, n_shown, ts->n_trials);
    for (size_t k = 0; k < n_shown; k++)
        write_trial(f, in, order[k]);
    fputs("</body></html>\n", f);
    return siam_atomic_commit(&out, err);
}

siam_status cli_eval_report(const char *dir, const cli_report_input *in, siam_error *err)
{
    char sub[4200];
    if (snprintf(sub, sizeof sub, "%s/img", dir) >= (int)sizeof sub)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "report path too long: %.200s", dir);
    siam_status st = make_dir(dir, err);
    if (st == SIAM_OK)
        st = make_dir(sub, err);
    float *s = NULL, *y = NULL;
    size_t n = 0, n_shown = 0;
    if (st == SIAM_OK)
        st = roc_pairs(in, &s, &y, &n, err);
    double auc = st == SIAM_OK ? siam_roc_auc(s, y, n) : 0;
    char roc[4200];
    snprintf(roc, sizeof roc, "%s/roc.svg", dir);
    if (st == SIAM_OK)
        st = write_roc(roc, s, y, n, auc, err);
    free(s);
    free(y);
    size_t *order = st == SIAM_OK ? shown_order(in, &n_shown) : NULL;
    if (st == SIAM_OK && !order)
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    unsigned char *done = calloc(siam_dataset_count(in->ds) + 1, 1);
    if (st == SIAM_OK && !done)
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    const siam_trial_set *ts = in->ts;
    for (size_t k = 0; st == SIAM_OK && k < n_shown; k++) {
        size_t t = order[k];
        st = write_image(dir, in->ds, ts->query[t], done, err);
        for (int c = 0; st == SIAM_OK && c < ts->way; c++)
            st = write_image(dir, in->ds,
                             ts->support[(t * (size_t)ts->way + (size_t)c) * (size_t)ts->shots],
                             done, err);
    }
    free(done);
    if (st == SIAM_OK)
        st = write_html(dir, in, auc, order, n_shown, err);
    free(order);
    return st;
}
