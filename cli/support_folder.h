/* siamese classify: reading a support folder.
 *
 * DIR/<class>/ holding images, or DIR/<class>.png for a one-image class;
 * .png in any case. Hidden entries and files that are not PNG are ignored.
 * Refused, each with one line naming what is wrong: two classes with the
 * same name (a/ and a.png), a class folder that is empty or cannot be read,
 * a folder with no class at all. */
#ifndef SIAMESE_CLI_SUPPORT_FOLDER_H
#define SIAMESE_CLI_SUPPORT_FOLDER_H

#include "siamese/status.h"

typedef struct cli_support {
    char **path;    /* (n) image files */
    int *cls;       /* (n) class of each */
    char **name;    /* (n_classes) */
    int n, n_classes;
    int cap, name_cap;
} cli_support;

siam_status cli_support_read(const char *dir, cli_support *s, siam_error *err);
void cli_support_free(cli_support *s);
/* Ranks the classes for one query: class_scores[c] (n_classes) is the best
 * of its images' scores (image_scores, n); top gets the k best classes,
 * best first (the lower index on ties). Returns how many: min(k, n_classes). */
int cli_support_rank(const cli_support *s, const float *image_scores, float *class_scores,
                     int *top, int k);

#endif
