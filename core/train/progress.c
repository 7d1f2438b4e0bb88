/* The progress line (see progress.h). */
#include "train/progress.h"

#include <stdio.h>

/* The time left and the fraction done by the limit that comes first. */
static double estimate(const siam_progress *p, double *done)
{
    double eta = -1;
    *done = -1;
    if (p->rate > 0) {
        double left = (double)(p->pairs_total - p->pairs_done);
        *done = p->pairs_total > 0 ? (double)p->pairs_done / (double)p->pairs_total : 1;
        if (p->max_steps > 0) {
            double by_steps = (double)(p->max_steps - p->step) * p->batch;
            if (by_steps < left) {
                left = by_steps;
                *done = (double)p->step / (double)p->max_steps;
            }
        }
        eta = (left > 0 ? left : 0) / p->rate;
    }
    if (p->minutes > 0) {
        double by_time = p->minutes * 60 - p->elapsed;
        by_time = by_time > 0 ? by_time : 0;
        if (eta < 0 || by_time < eta) {
            eta = by_time;
            *done = p->elapsed / (p->minutes * 60);
        }
    }
    *done = *done > 1 ? 1 : *done;
    return eta;
}

double siam_progress_eta(const siam_progress *p)
{
    double done;
    return estimate(p, &done);
}

static void format_time(double s, char *buf, size_t size)
{
    if (s < 0) {
        snprintf(buf, size, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, size, "%lds", t);
}

void siam_progress_format(const siam_progress *p, int tty, char *buf, size_t size)
{
    double done, eta = estimate(p, &done);
    char left[32], val[32] = "";
    format_time(eta, left, sizeof left);
    if (p->val >= 0)
        snprintf(val, sizeof val, " val %.2f%%", 100 * p->val);
    if (tty) {
        enum { WIDTH = 20 };
        char bar[WIDTH + 1];
        int full = done < 0 ? 0 : (int)(done * WIDTH + 0.5);
        for (int i = 0; i < WIDTH; i++)
            bar[i] = i < full ? '#' : '-';
        bar[WIDTH] = '\0';
        char pct[8] = "  ?%";
        if (done >= 0)
            snprintf(pct, sizeof pct, "%3.0f%%", 100 * done);
        snprintf(buf, size, "[%s] %s epoch %d step %lld %.0f pairs/s loss %.4f%s ETA %s", bar,
                 pct, p->epoch, (long long)p->step, p->rate, p->loss, val, left);
    } else {
        char pct[16] = "";
        if (done >= 0)
            snprintf(pct, sizeof pct, " (%.0f%%)", 100 * done);
        snprintf(buf, size, "epoch %d step %lld %.1f pairs/s loss %.4f%s ETA %s%s", p->epoch,
                 (long long)p->step, p->rate, p->loss, val, left, pct);
    }
}
