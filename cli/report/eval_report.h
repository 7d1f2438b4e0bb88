/* siamese eval --report DIR: a static HTML page of an evaluation.
 *
 * DIR/index.html: what was evaluated, accuracy with its 95% Wilson
 * interval, the verification ROC (DIR/roc.svg, drawn from the trials'
 * own pairs: the query against its true class is a "same" pair, against
 * each other candidate a "different" one) with its area, and a grid of
 * trials, wrong ones first: the query beside the first shot of every
 * candidate class, the true class framed green, a wrong choice red, each
 * with its score. The images are the dataset's as the model saw them
 * before resizing (DIR/img/<index>.png, ink dark on white). Every file is
 * written whole; index.html last, so a page that exists is complete. The
 * numbers carry ids (accuracy, correct, trials, ci, auc) for scripts. */
#ifndef SIAMESE_CLI_EVAL_REPORT_H
#define SIAMESE_CLI_EVAL_REPORT_H

#include "data/dataset.h"
#include "eval/trial_scoring.h"

typedef struct cli_report_input {
    const char *method;  /* the model's path or the baseline's name */
    const char *source;  /* where the trials come from */
    const siam_dataset *ds;
    const siam_trial_set *ts;
    const uint32_t *picks;      /* (n_trials) chosen position */
    const float *class_scores;  /* (n_trials, way) */
    const siam_eval_result *res;
    int max_shown;              /* trials in the grid */
} cli_report_input;

siam_status cli_eval_report(const char *dir, const cli_report_input *in, siam_error *err);

#endif
