/* Reading a support folder (see support_folder.h). */
#define _POSIX_C_SOURCE 200809L
#include "support_folder.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_png(const char *f)
{
    size_t n = strlen(f);
    return n > 4 && f[n - 4] == '.' && tolower((unsigned char)f[n - 3]) == 'p' &&
           tolower((unsigned char)f[n - 2]) == 'n' && tolower((unsigned char)f[n - 1]) == 'g';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (s) {
        memcpy(s, a, na);
        s[na] = '/';
        memcpy(s + na + 1, b, nb + 1);
    }
    return s;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Sorted non-hidden entries of dir; what names the folder in errors. */
static siam_status list_dir(const char *dir, const char *what, char ***out, size_t *n,
                            siam_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return siam_error_set(err, SIAM_ERR_IO, "cannot read %s %s: %s", what, dir,
                              strerror(errno));
    char **v = NULL;
    size_t cap = 0;
    struct dirent *e;
    siam_status st = SIAM_OK;
    while (st == SIAM_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
                break;
            }
            v = nv;
        }
        if ((v[*n] = strdup(e->d_name)) == NULL)
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        else
            (*n)++;
    }
    closedir(d);
    if (st != SIAM_OK) {
        free_list(v, *n);
        *n = 0;
        return st;
    }
    if (*n > 1)
        qsort(v, *n, sizeof *v, cmp_str);
    *out = v;
    return SIAM_OK;
}

static siam_status add_image(cli_support *s, char *path, siam_error *err)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        char **p = realloc(s->path, (size_t)cap * sizeof *p);
        if (p)
            s->path = p;
        int *c = realloc(s->cls, (size_t)cap * sizeof *c);
        if (c)
            s->cls = c;
        if (!p || !c) {
            free(path);
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        }
        s->cap = cap;
    }
    s->path[s->n] = path;
    s->cls[s->n++] = s->n_classes - 1;
    return SIAM_OK;
}

/* The images of class folder `dir`, sorted; subfolders and other files are
 * not part of the class. */
static siam_status add_folder(cli_support *s, const char *dir, siam_error *err)
{
    char **files;
    size_t m;
    siam_status st = list_dir(dir, "class folder", &files, &m, err);
    int before = s->n;
    for (size_t k = 0; st == SIAM_OK && k < m; k++) {
        if (!is_png(files[k]))
            continue;
        char *q = join(dir, files[k]);
        struct stat sb;
        if (!q)
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        else if (stat(q, &sb) == 0 && S_ISDIR(sb.st_mode))
            free(q);
        else
            st = add_image(s, q, err);
    }
    free_list(files, m);
    if (st == SIAM_OK && s->n == before)
        st = siam_error_set(err, SIAM_ERR_NOT_FOUND, "class folder %s holds no PNG images", dir);
    return st;
}

static siam_status add_class(cli_support *s, const char *name, siam_error *err)
{
    if (s->n_classes == s->name_cap) {
        int cap = s->name_cap ? 2 * s->name_cap : 64;
        char **v = realloc(s->name, (size_t)cap * sizeof *v);
        if (!v)
            return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        s->name = v;
        s->name_cap = cap;
    }
    if ((s->name[s->n_classes] = strdup(name)) == NULL)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    s->n_classes++;
    return SIAM_OK;
}

/* a/ and a.png (or a.png and a.PNG) would be two classes printed alike. */
static siam_status refuse_twins(const cli_support *s, const char *dir, siam_error *err)
{
    if (s->n_classes < 2)
        return SIAM_OK;
    char **v = malloc((size_t)s->n_classes * sizeof *v);
    if (!v)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    memcpy(v, s->name, (size_t)s->n_classes * sizeof *v);
    qsort(v, (size_t)s->n_classes, sizeof *v, cmp_str);
    siam_status st = SIAM_OK;
    for (int i = 1; i < s->n_classes && st == SIAM_OK; i++)
        if (strcmp(v[i - 1], v[i]) == 0)
            st = siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                "%s: class '%s' is given twice (a folder and a .png file, or .png "
                                "in two cases): rename one",
                                dir, v[i]);
    free(v);
    return st;
}

siam_status cli_support_read(const char *dir, cli_support *s, siam_error *err)
{
    memset(s, 0, sizeof *s);
    char **ent;
    size_t n;
    siam_status st = list_dir(dir, "support folder", &ent, &n, err);
    for (size_t i = 0; st == SIAM_OK && i < n; i++) {
        char *p = join(dir, ent[i]);
        struct stat sb;
        if (!p) {
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        } else if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            st = add_class(s, ent[i], err);
            if (st == SIAM_OK)
                st = add_folder(s, p, err);
            free(p);
            p = NULL;
        } else if (is_png(ent[i])) {
            ent[i][strlen(ent[i]) - 4] = '\0';
            st = add_class(s, ent[i], err);
            if (st == SIAM_OK) {
                st = add_image(s, p, err);
                p = NULL;
            }
        }
        free(p);
    }
    free_list(ent, n);
    if (st == SIAM_OK)
        st = refuse_twins(s, dir, err);
    if (st == SIAM_OK && s->n_classes < 1)
        st = siam_error_set(err, SIAM_ERR_NOT_FOUND,
                            "%s holds no PNG images (want DIR/<class>/*.png or DIR/<class>.png)",
                            dir);
    if (st != SIAM_OK)
        cli_support_free(s);
    return st;
}

void cli_support_free(cli_support *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->path[i]);
    for (int i = 0; i < s->n_classes; i++)
        free(s->name[i]);
    free(s->path), free(s->cls), free(s->name);
    memset(s, 0, sizeof *s);
}
