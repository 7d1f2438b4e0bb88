/* siamese data: reading folders of images, shared by the dataset scanner
 * and classify's support folder. */
#ifndef SIAMESE_DATA_FOLDER_H
#define SIAMESE_DATA_FOLDER_H

#include <stddef.h>

typedef struct siam_name_list {
    size_t n;
    char **names;
} siam_name_list;

/* The non-hidden entries of dir, sorted (strcmp). 0 when the folder cannot
 * be read or memory runs out (errno says which), out then empty. */
int siam_name_list_read(const char *dir, siam_name_list *out);
void siam_name_list_free(siam_name_list *l);
/* qsort order of char * names (strcmp). */
int siam_name_order(const void *a, const void *b);
/* "<dir>/<name>", malloc'd; NULL when out of memory. */
char *siam_path_join(const char *dir, const char *name);
/* 1 for a folder (following links). */
int siam_is_dir(const char *path);
/* 1 when name ends with ext (".svg") in any case, and has more before it. */
int siam_name_ends_with(const char *name, const char *ext);
/* 1 for a name ending in .png, .jpg or .jpeg, in any case. */
int siam_is_image_name(const char *name);

#endif
