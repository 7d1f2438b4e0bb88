/* "Did you mean": the name a mistyped command or option most likely meant. */
#include "options.h"

#include <string.h>

/* Edit distance (insertions, deletions, substitutions, adjacent swaps) of
 * two short strings; past 32 characters it is only "far". */
static int distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 32 || m > 32)
        return 99;
    int d[33][33];
    for (size_t i = 0; i <= n; i++)
        for (size_t j = 0; j <= m; j++) {
            if (i == 0 || j == 0) {
                d[i][j] = (int)(i + j);
                continue;
            }
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j - 1] + cost;
            v = d[i - 1][j] + 1 < v ? d[i - 1][j] + 1 : v;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

const char *cli_did_you_mean(const char *typed, const char *const *names, size_t n)
{
    const char *best = NULL;
    int best_d = 3, prefix_of = 0;
    size_t len = strlen(typed);
    for (size_t i = 0; i < n; i++) {
        if (len >= 2 && strncmp(names[i], typed, len) == 0) {
            best = prefix_of++ ? NULL : names[i]; /* ambiguous prefix: none */
            best_d = 0;
            continue;
        }
        int d = distance(typed, names[i]);
        if (!prefix_of && d < best_d)
            best = names[i], best_d = d;
    }
    return best;
}
