/* siamese: the learning-rate schedules (lr_schedule.h). */
#include "train/lr_schedule.h"

#include <math.h>
#include <stddef.h>

static double share(double done, double limit)
{
    if (!(limit > 0))
        return 0;
    double s = done / limit;
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

double siam_budget_spent(double elapsed_s, double minutes, double step, double max_steps,
                         double epochs_done, double epochs)
{
    double a = share(elapsed_s, minutes * 60), b = share(step, max_steps);
    double c = share(epochs_done, epochs);
    double m = a > b ? a : b;
    return m > c ? m : c;
}

double siam_lr_factor(const siam_lr_schedule *s, int epoch, double spent)
{
    if (s->kind == SIAM_SCHEDULE_EXP)
        return pow(s->decay, epoch);
    spent = spent < 0 ? 0 : spent > 1 ? 1 : spent;
    /* Warm-up from a tenth: from zero the first steps would be wasted. */
    if (spent < s->warmup)
        return 0.1 + 0.9 * spent / s->warmup;
    double q = s->warmup < 1 ? (spent - s->warmup) / (1 - s->warmup) : 1;
    return s->floor + (1 - s->floor) * 0.5 * (1 + cos(acos(-1.0) * q));
}

const char *siam_lr_schedule_name(siam_lr_schedule_kind k)
{
    return k == SIAM_SCHEDULE_EXP ? "exp" : k == SIAM_SCHEDULE_COSINE ? "cosine" : NULL;
}
