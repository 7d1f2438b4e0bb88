/* siamese: the statistics behind training parity's verdicts.
 *
 * Free-running training on two backends parts by rounding alone (SGD with
 * momentum amplifies float32 differences about exponentially), so the
 * verdict on the two final models is statistical: both classify the same
 * one-shot trials, and the trials that only one of them gets right decide. */
#ifndef SIAMESE_CORE_PARITY_VERDICT_H
#define SIAMESE_CORE_PARITY_VERDICT_H

/* McNemar's exact test: the two-sided p-value of `only_a` trials right by
 * model A alone against `only_b` by B alone, under "equally accurate"
 * (each discordant trial a fair coin). 1 when there are none. */
double siam_mcnemar_p(int only_a, int only_b);

/* The accuracy difference A - B over n paired trials, (only_a - only_b)/n,
 * with its 95% interval (Wald, for paired proportions). */
void siam_paired_difference(int n, int only_a, int only_b, double *diff, double *lo,
                            double *hi);

/* The factor by which a positive series grows per step: exp of the least-
 * squares slope of log(d[i]) against i, over the entries > 0 (NAN when
 * fewer than two). */
double siam_growth_per_step(const double *d, int n);

#endif
