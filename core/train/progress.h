/* siamese train: the progress line, and the time left in a run.
 *
 * A run ends at whichever limit comes first: its epochs, --steps, or
 * --minutes. The time left is estimated for each limit set and the
 * smallest taken; the fraction done is that limit's. Pure functions of
 * their input, so that the estimate is testable without a clock.
 */
#ifndef SIAMESE_TRAIN_PROGRESS_H
#define SIAMESE_TRAIN_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct siam_progress {
    int epoch;                        /* 1-based: the epoch the line is about */
    int64_t step, max_steps;          /* max_steps 0: no --steps */
    int64_t pairs_done, pairs_total;  /* over all epochs of the run */
    int batch;                        /* pairs per step */
    double elapsed;                   /* seconds of training, resumed runs included */
    double minutes;                   /* --minutes, 0 none */
    double rate;                      /* pairs per second; 0 not measured yet */
    float loss;
    double val;                       /* last validation accuracy, < 0 none yet */
} siam_progress;

/* Seconds left, or -1 when no limit can be estimated yet (no rate and no
 * time limit). */
double siam_progress_eta(const siam_progress *p);

/* The line, without its line break: on a terminal a bar with percent,
 * rate, loss, validation accuracy and time left; in a file or pipe the
 * same fields as plain text. */
void siam_progress_format(const siam_progress *p, int tty, char *buf, size_t size);

#endif
