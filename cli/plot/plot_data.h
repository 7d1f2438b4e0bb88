/* siamese plot: what a training log holds for a curve, and the drawing
 * that the PNG and SVG writers share. */
#ifndef SIAMESE_CLI_PLOT_DATA_H
#define SIAMESE_CLI_PLOT_DATA_H

#include "siamese/status.h"

typedef struct plot_series {
    double *t, *v; /* minutes; value */
    int n, cap;
} plot_series;

typedef struct plot_log {
    const char *name;  /* the log's path, for the legend */
    plot_series loss;  /* mean of every 20 steps */
    plot_series acc;   /* validation one-shot accuracy per epoch, 0..1 */
    int best;          /* index into acc of the best epoch (the first of equals), or -1 */
    int best_epoch;
    int skipped;       /* records with values the axes cannot hold */
} plot_log;

/* Reads a `siamese train --log` file. Fails (SIAM_ERR_FORMAT) when it
 * holds fewer than two points to draw. */
siam_status plot_log_read(const char *path, plot_log *out, siam_error *err);
void plot_log_free(plot_log *l);

/* The axes' extent over all logs: time up to tmax minutes, loss up to lmax. */
void plot_extent(const plot_log *logs, int n, double *tmax, double *lmax);

/* Colour k of the series palette (colour-blind safe, Okabe-Ito). */
const unsigned char *plot_colour(int k);

#endif
