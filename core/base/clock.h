/* siamese: a monotonic clock in seconds, for rates and time limits. */
#ifndef SIAMESE_CORE_CLOCK_H
#define SIAMESE_CORE_CLOCK_H

#include <time.h>

/* Needs _POSIX_C_SOURCE >= 199309L in the including file. */
static inline double siam_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
