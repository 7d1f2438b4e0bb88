/* siamese plot: the two renderers. Both draw the same chart: loss (left
 * axis, solid) and validation accuracy (right axis, 0-100%, dashed with
 * marks) of each log in its own colour against time in minutes, the best
 * epoch of each ringed and labelled, a legend naming the logs. Files are
 * written whole or not at all (atomic_file.h). */
#ifndef SIAMESE_CLI_PLOT_WRITE_H
#define SIAMESE_CLI_PLOT_WRITE_H

#include "plot_data.h"

/* 900x480 PNG, a pixel font for the numbers (the legend numbers the logs). */
siam_status plot_write_png(const char *path, const plot_log *logs, int n, siam_error *err);
/* SVG 1.1 with text in a sans-serif font: axis titles, tick labels, the
 * logs' names, "best NN.N% (epoch E)". */
siam_status plot_write_svg(const char *path, const plot_log *logs, int n, siam_error *err);

#endif
