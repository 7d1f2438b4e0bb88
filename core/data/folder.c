/* Folders of images (see folder.h). */
#define _POSIX_C_SOURCE 200809L
#include "data/folder.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void siam_name_list_free(siam_name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

int siam_name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int siam_name_list_read(const char *dir, siam_name_list *out)
{
    out->n = 0;
    out->names = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t cap = 0;
    struct dirent *e;
    int ok = 1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nn = realloc(out->names, ncap * sizeof(char *));
            if (!nn) {
                ok = 0;
                break;
            }
            out->names = nn;
            cap = ncap;
        }
        char *nm = strdup(e->d_name);
        if (!nm) {
            ok = 0;
            break;
        }
        out->names[out->n++] = nm;
    }
    closedir(d);
    if (!ok) {
        siam_name_list_free(out);
        errno = ENOMEM;
        return 0;
    }
    if (out->n > 1)
        qsort(out->names, out->n, sizeof(char *), siam_name_order);
    return 1;
}

char *siam_path_join(const char *dir, const char *name)
{
    size_t na = strlen(dir), nb = strlen(name);
    char *s = malloc(na + nb + 2);
    if (s) {
        memcpy(s, dir, na);
        s[na] = '/';
        memcpy(s + na + 1, name, nb + 1);
    }
    return s;
}

int siam_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int siam_name_ends_with(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    if (n <= e)
        return 0;
    for (size_t i = 0; i < e; i++)
        if (tolower((unsigned char)name[n - e + i]) != tolower((unsigned char)ext[i]))
            return 0;
    return 1;
}

int siam_is_image_name(const char *name)
{
    return siam_name_ends_with(name, ".png") || siam_name_ends_with(name, ".jpg") ||
           siam_name_ends_with(name, ".jpeg");
}
