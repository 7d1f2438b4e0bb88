/* Statistics of training parity (parity_verdict.h). */
#include "train/parity_verdict.h"

#include <math.h>

double siam_mcnemar_p(int only_a, int only_b)
{
    int n = only_a + only_b, k = only_a < only_b ? only_a : only_b;
    if (n <= 0)
        return 1.0;
    /* P(X <= k), X ~ Binomial(n, 1/2), term by term in logs (n may be large). */
    double tail = 0.0, lfn = lgamma(n + 1.0), half = n * log(0.5);
    for (int i = 0; i <= k; i++)
        tail += exp(lfn - lgamma(i + 1.0) - lgamma(n - i + 1.0) + half);
    double p = 2.0 * tail;
    return p < 1.0 ? p : 1.0;
}

void siam_paired_difference(int n, int only_a, int only_b, double *diff, double *lo,
                            double *hi)
{
    if (n <= 0) {
        *diff = 0.0, *lo = -1.0, *hi = 1.0;
        return;
    }
    double d = (double)(only_a - only_b) / n;
    double var = ((double)(only_a + only_b) - (double)(only_a - only_b) * (only_a - only_b) / n) /
                 ((double)n * n);
    double half = 1.959964 * sqrt(var > 0 ? var : 0);
    *diff = d, *lo = d - half, *hi = d + half;
}

double siam_growth_per_step(const double *d, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!(d[i] > 0) || !isfinite(d[i]))
            continue;
        double y = log(d[i]);
        sx += i, sy += y, sxx += (double)i * i, sxy += i * y;
        m++;
    }
    double den = m * sxx - sx * sx;
    if (m < 2 || den <= 0)
        return NAN;
    return exp((m * sxy - sx * sy) / den);
}
