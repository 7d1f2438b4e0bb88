/* Modified Hausdorff Distance baseline (see baselines.h).
 *
 * The nearest ink pixel of B to a query point is found exactly without
 * scanning all of B: B's ink is kept row by row with sorted columns, the
 * rows are visited outward from the query's row and the search stops once
 * the vertical distance alone exceeds the best distance so far; within a
 * row a binary search gives the two nearest columns. */
#include "eval/baselines.h"

#include <math.h>
#include <stdlib.h>

struct siam_mhd {
    const siam_dataset *ds;
    int h, w;
    size_t *first;       /* (n + 1) first point of each image in xs */
    uint32_t *row_start; /* (n, h + 1) point offsets, relative to first[i] */
    int16_t *xs;         /* columns of ink points, row by row */
    double *mean_y, *mean_x; /* (n) centroid of each image's ink */
};

void siam_mhd_destroy(siam_mhd *m)
{
    if (m) {
        free(m->first);
        free(m->row_start);
        free(m->xs);
        free(m->mean_y);
        free(m->mean_x);
        free(m);
    }
}

siam_status siam_mhd_create(const siam_dataset *ds, siam_mhd **out, siam_error *err)
{
    if (!ds || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "mhd: NULL argument");
    *out = NULL;
    size_t n = siam_dataset_count(ds);
    int h = siam_dataset_height(ds), w = siam_dataset_width(ds);
    if (w > 32767)
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "mhd: images wider than 32767 pixels");
    size_t px = (size_t)h * (size_t)w;
    /* Count ink first to size the point array exactly. */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = siam_dataset_pixels(ds, i);
        for (size_t k = 0; k < px; k++)
            total += p[k] >= 128;
    }
    siam_mhd *m = calloc(1, sizeof *m);
    if (m) {
        m->first = malloc(sizeof(size_t) * (n + 1));
        m->row_start = malloc(sizeof(uint32_t) * n * ((size_t)h + 1));
        m->xs = malloc(sizeof(int16_t) * (total ? total : 1));
        m->mean_y = malloc(sizeof(double) * (n ? n : 1));
        m->mean_x = malloc(sizeof(double) * (n ? n : 1));
    }
    if (!m || !m->first || !m->row_start || !m->xs || !m->mean_y || !m->mean_x) {
        siam_mhd_destroy(m);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "mhd: out of memory");
    }
    m->ds = ds;
    m->h = h;
    m->w = w;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = siam_dataset_pixels(ds, i);
        uint32_t *rs = m->row_start + i * ((size_t)h + 1);
        m->first[i] = pos;
        double sy = 0.0, sx = 0.0;
        for (int y = 0; y < h; y++) {
            rs[y] = (uint32_t)(pos - m->first[i]);
            for (int x = 0; x < w; x++)
                if (p[(size_t)y * w + x] >= 128) {
                    m->xs[pos++] = (int16_t)x;
                    sy += y;
                    sx += x;
                }
        }
        rs[h] = (uint32_t)(pos - m->first[i]);
        size_t cnt = pos - m->first[i];
        m->mean_y[i] = cnt ? sy / (double)cnt : 0.0;
        m->mean_x[i] = cnt ? sx / (double)cnt : 0.0;
    }
    m->first[n] = pos;
    *out = m;
    return SIAM_OK;
}

/* Squared distance from (qy, qx) to the nearest ink point in row y of
 * image b, or `best` if none is nearer. */
static double row_nearest(const int16_t *xs, uint32_t s, uint32_t e, double dy2, double qx,
                          double best)
{
    if (s == e)
        return best;
    uint32_t lo = s, hi = e; /* first index with xs >= qx */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((double)xs[mid] < qx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < e) {
        double dx = xs[lo] - qx, d = dy2 + dx * dx;
        if (d < best)
            best = d;
    }
    if (lo > s) {
        double dx = xs[lo - 1] - qx, d = dy2 + dx * dx;
        if (d < best)
            best = d;
    }
    return best;
}

/* mean over ink points a of A of min_b |a - b|, both centred. */
static double directed(const siam_mhd *m, uint32_t a, uint32_t b)
{
    const int h = m->h;
    const uint32_t *ra = m->row_start + (size_t)a * (h + 1);
    const uint32_t *rb = m->row_start + (size_t)b * (h + 1);
    const int16_t *xa = m->xs + m->first[a], *xb = m->xs + m->first[b];
    double oy = m->mean_y[b] - m->mean_y[a], ox = m->mean_x[b] - m->mean_x[a];
    double sum = 0.0;
    for (int y = 0; y < h; y++) {
        double qy = y + oy;
        int y0 = (int)lround(qy);
        y0 = y0 < 0 ? 0 : y0 >= h ? h - 1 : y0;
        for (uint32_t k = ra[y]; k < ra[y + 1]; k++) {
            double qx = xa[k] + ox, best = INFINITY;
            /* Rows in order of distance from y0: y0, y0+1, y0-1, y0+2, ...
             * Each side stops once its vertical distance alone is no
             * better than the best found. */
            int down = 1, up = 1;
            for (int r = 0; down || up; r++) {
                int yy = y0 + r;
                if (down) {
                    double dy = yy - qy, dy2 = dy * dy;
                    if (yy >= h || dy2 >= best)
                        down = 0;
                    else
                        best = row_nearest(xb, rb[yy], rb[yy + 1], dy2, qx, best);
                }
                yy = y0 - r - 1;
                if (up) {
                    double dy = yy - qy, dy2 = dy * dy;
                    if (yy < 0 || dy2 >= best)
                        up = 0;
                    else
                        best = row_nearest(xb, rb[yy], rb[yy + 1], dy2, qx, best);
                }
            }
            sum += sqrt(best);
        }
    }
    return sum / (double)ra[h];
}

double siam_mhd_distance(const siam_mhd *m, uint32_t a, uint32_t b)
{
    size_t na = m->first[a + 1] - m->first[a], nb = m->first[b + 1] - m->first[b];
    if (na == 0 || nb == 0)
        return INFINITY;
    double ab = directed(m, a, b), ba = directed(m, b, a);
    return ab > ba ? ab : ba;
}

siam_status siam_mhd_score(void *ctx, uint32_t query, const uint32_t *support, size_t n,
                           float *out_scores, siam_error *err)
{
    const siam_mhd *m = ctx;
    if (!m || (!support && n) || (!out_scores && n))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "mhd score: NULL argument");
    size_t count = siam_dataset_count(m->ds);
    if (query >= count)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "mhd score: image %u of %zu", query, count);
    for (size_t j = 0; j < n; j++) {
        if (support[j] >= count)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "mhd score: image %u of %zu",
                                  support[j], count);
        out_scores[j] = (float)-siam_mhd_distance(m, query, support[j]);
    }
    return SIAM_OK;
}
