/* Reading a support folder (see support_folder.h). */
#define _POSIX_C_SOURCE 200809L
#include "support_folder.h"

#include "data/folder.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The sorted entries of dir; what names the folder in errors. */
static siam_status read_folder(const char *dir, const char *what, siam_name_list *l,
                               siam_error *err)
{
    if (siam_name_list_read(dir, l))
        return SIAM_OK;
    return siam_error_set(err, errno == ENOMEM ? SIAM_ERR_OUT_OF_MEMORY : SIAM_ERR_IO,
                          "cannot read %s %s: %s", what, dir, strerror(errno));
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
    siam_name_list files;
    siam_status st = read_folder(dir, "class folder", &files, err);
    int before = s->n;
    for (size_t k = 0; st == SIAM_OK && k < files.n; k++) {
        if (!siam_is_image_name(files.names[k]))
            continue;
        char *q = siam_path_join(dir, files.names[k]);
        if (!q)
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        else if (siam_is_dir(q))
            free(q);
        else
            st = add_image(s, q, err);
    }
    siam_name_list_free(&files);
    if (st == SIAM_OK && s->n == before)
        st = siam_error_set(err, SIAM_ERR_NOT_FOUND, "class folder %s holds no PNG or JPEG images", dir);
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
    qsort(v, (size_t)s->n_classes, sizeof *v, siam_name_order);
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
    siam_name_list ent;
    siam_status st = read_folder(dir, "support folder", &ent, err);
    for (size_t i = 0; st == SIAM_OK && i < ent.n; i++) {
        char *name = ent.names[i], *p = siam_path_join(dir, name);
        if (!p) {
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        } else if (siam_is_dir(p)) {
            st = add_class(s, name, err);
            if (st == SIAM_OK)
                st = add_folder(s, p, err);
            free(p);
            p = NULL;
        } else if (siam_is_image_name(name)) {
            name[strlen(name) - 4] = '\0';
            st = add_class(s, name, err);
            if (st == SIAM_OK) {
                st = add_image(s, p, err);
                p = NULL;
            }
        }
        free(p);
    }
    siam_name_list_free(&ent);
    if (st == SIAM_OK)
        st = refuse_twins(s, dir, err);
    if (st == SIAM_OK && s->n_classes < 1)
        st = siam_error_set(err, SIAM_ERR_NOT_FOUND,
                            "%s holds no PNG or JPEG images (want DIR/<class>/*.png or DIR/<class>.png)",
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

int cli_support_rank(const cli_support *s, const float *image_scores, float *class_scores,
                     int *top, int k)
{
    for (int c = 0; c < s->n_classes; c++)
        class_scores[c] = -INFINITY;
    for (int i = 0; i < s->n; i++)
        if (image_scores[i] > class_scores[s->cls[i]])
            class_scores[s->cls[i]] = image_scores[i];
    int nt = s->n_classes < k ? s->n_classes : k;
    for (int t = 0; t < nt; t++) {
        int arg = -1;
        for (int c = 0; c < s->n_classes; c++) {
            int used = 0;
            for (int u = 0; u < t; u++)
                used |= top[u] == c;
            if (!used && (arg < 0 || class_scores[c] > class_scores[arg]))
                arg = c;
        }
        top[t] = arg;
    }
    return nt;
}
