/* siamese: the learning rate over a training run, as a factor of each
 * layer's base rate.
 *
 *   exp     base x decay^epoch (Koch et al.: x0.99 per epoch); ignores the
 *           budget, so a time-limited run may end with the rate still high.
 *   cosine  a linear warm-up over the first `warmup` of the budget, then a
 *           half cosine from 1 down to `floor`, reached exactly when the
 *           budget (--minutes, --steps or --epochs, whichever ends first)
 *           is spent.
 */
#ifndef SIAMESE_CORE_LR_SCHEDULE_H
#define SIAMESE_CORE_LR_SCHEDULE_H

typedef enum siam_lr_schedule_kind {
    SIAM_SCHEDULE_EXP = 0,
    SIAM_SCHEDULE_COSINE = 1
} siam_lr_schedule_kind;

typedef struct siam_lr_schedule {
    siam_lr_schedule_kind kind;
    double decay;  /* exp: factor per epoch, in (0, 1] */
    double warmup; /* cosine: share of the budget, in [0, 1) */
    double floor;  /* cosine: the last factor, in [0, 1] */
} siam_lr_schedule;

/* How much of a budget is spent, in [0, 1]: the largest share among the
 * limits set (minutes > 0, max_steps > 0, epochs > 0), 0 when none is. */
double siam_budget_spent(double elapsed_s, double minutes, double step, double max_steps,
                         double epochs_done, double epochs);

/* The factor at `epoch` (whole epochs done) and `spent` (of the budget). */
double siam_lr_factor(const siam_lr_schedule *s, int epoch, double spent);

/* "exp" or "cosine"; NULL for an unknown kind. */
const char *siam_lr_schedule_name(siam_lr_schedule_kind k);

#endif
