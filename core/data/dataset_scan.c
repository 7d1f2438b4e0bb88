/* Walks a dataset folder (Omniglot or class-folder layout, see dataset.h)
 * in sorted order and hands every file to the dataset builder. */
#define _POSIX_C_SOURCE 200809L
#include "dataset_internal.h"
#include "data/folder.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "<id>_<drawer>.png" (digits only); returns 1 on a match. */
static int parse_omniglot_name(const char *name, uint32_t *id, uint32_t *drawer)
{
    const char *p = name;
    unsigned long a = 0, b = 0;
    int na = 0, nb = 0;
    while (isdigit((unsigned char)*p) && na < 9) {
        a = a * 10 + (unsigned long)(*p++ - '0');
        na++;
    }
    if (na == 0 || *p++ != '_')
        return 0;
    while (isdigit((unsigned char)*p) && nb < 9) {
        b = b * 10 + (unsigned long)(*p++ - '0');
        nb++;
    }
    if (nb == 0 || strlen(p) != 4 || !siam_is_image_name(name) || b == 0)
        return 0;
    *id = (uint32_t)a;
    *drawer = (uint32_t)b;
    return 1;
}

/* Adds the .png files of one class folder `dir` (relative path `rel`). */
static void scan_class(siam_dsb *b, const char *dir, const char *rel, size_t cls,
                       int omniglot, size_t *skipped)
{
    siam_name_list files;
    if (!siam_name_list_read(dir, &files)) {
        siam_dsb_bad(b, "%s: cannot read this class folder: %s", dir, strerror(errno));
        return;
    }
    uint32_t position = 0;
    for (size_t f = 0; f < files.n; f++) {
        const char *nm = files.names[f];
        char *full = siam_path_join(dir, nm), *relp = siam_path_join(rel, nm);
        if (!full || !relp) {
            b->oom = 1;
        } else if (!siam_is_image_name(nm) || siam_is_dir(full)) {
            (*skipped)++;
        } else if (omniglot) {
            uint32_t id = 0, drawer = 0;
            if (parse_omniglot_name(nm, &id, &drawer))
                siam_dsb_add_image(b, relp, cls, drawer, id);
            else
                siam_dsb_bad(b, "%s: name does not match <id>_<drawer>.png", full);
        } else {
            siam_dsb_add_image(b, relp, cls, ++position, 0);
        }
        free(full);
        free(relp);
    }
    if (b->ds->class_count[cls] == 0)
        siam_dsb_bad(b, "%s: no PNG or JPEG images in this class folder", dir);
    siam_name_list_free(&files);
}

/* Omniglot, or (omniglot 0) groups of class folders with any file names. */
static void scan_nested(siam_dsb *b, const char *root, int omniglot, size_t *skipped)
{
    siam_name_list alphabets;
    if (!siam_name_list_read(root, &alphabets)) {
        siam_dsb_bad(b, "%s: cannot read directory", root);
        return;
    }
    for (size_t a = 0; a < alphabets.n && !b->oom; a++) {
        char *adir = siam_path_join(root, alphabets.names[a]);
        siam_name_list chars = {0, NULL};
        if (!adir) {
            b->oom = 1;
        } else if (!siam_is_dir(adir)) {
            (*skipped)++;
        } else if (!siam_name_list_read(adir, &chars)) {
            siam_dsb_bad(b, "%s: cannot read this alphabet folder: %s", adir, strerror(errno));
        } else {
            size_t ai = siam_dsb_add_alphabet(b, alphabets.names[a]);
            for (size_t c = 0; c < chars.n && ai != (size_t)-1 && !b->oom; c++) {
                char *cdir = siam_path_join(adir, chars.names[c]);
                char *rel = siam_path_join(alphabets.names[a], chars.names[c]);
                if (!cdir || !rel) {
                    b->oom = 1;
                } else if (!siam_is_dir(cdir)) {
                    (*skipped)++;
                } else {
                    size_t ci = siam_dsb_add_class(b, chars.names[c], ai);
                    if (ci != (size_t)-1)
                        scan_class(b, cdir, rel, ci, omniglot, skipped);
                }
                free(cdir);
                free(rel);
            }
        }
        siam_name_list_free(&chars);
        free(adir);
    }
    siam_name_list_free(&alphabets);
}

static void scan_class_folders(siam_dsb *b, const char *root, size_t *skipped)
{
    siam_name_list classes;
    if (!siam_name_list_read(root, &classes)) {
        siam_dsb_bad(b, "%s: cannot read directory", root);
        return;
    }
    /* One alphabet, named after the root folder. */
    const char *base = strrchr(root, '/');
    base = base && base[1] ? base + 1 : root;
    size_t ai = siam_dsb_add_alphabet(b, base);
    for (size_t c = 0; c < classes.n && ai != (size_t)-1 && !b->oom; c++) {
        char *cdir = siam_path_join(root, classes.names[c]);
        if (!cdir) {
            b->oom = 1;
        } else if (!siam_is_dir(cdir)) {
            (*skipped)++;
        } else {
            size_t ci = siam_dsb_add_class(b, classes.names[c], ai);
            if (ci != (size_t)-1)
                scan_class(b, cdir, classes.names[c], ci, 0, skipped);
        }
        free(cdir);
    }
    siam_name_list_free(&classes);
}

/* What one top-level folder holds: 1 images, 2 folders only, 0 neither. */
static int folder_kind(const char *dir)
{
    siam_name_list sub;
    if (!siam_name_list_read(dir, &sub))
        return 0;
    int kind = 0;
    for (size_t j = 0; j < sub.n && kind != 1; j++) {
        char *s = siam_path_join(dir, sub.names[j]);
        if (s && siam_is_dir(s))
            kind = 2;
        else if (siam_is_image_name(sub.names[j]))
            kind = 1;
        free(s);
    }
    siam_name_list_free(&sub);
    return kind;
}

/* 1 when the first image two folders down is named like Omniglot's. */
static int first_image_omniglot(const char *dir, int depth)
{
    siam_name_list l;
    if (!siam_name_list_read(dir, &l))
        return 0;
    int yes = 0, done = 0;
    for (size_t i = 0; i < l.n && !done; i++) {
        char *p = siam_path_join(dir, l.names[i]);
        if (p && depth < 2 && siam_is_dir(p)) {
            yes = first_image_omniglot(p, depth + 1);
            done = 1;
        } else if (p && depth == 2 && siam_is_image_name(l.names[i])) {
            uint32_t id, drawer;
            yes = parse_omniglot_name(l.names[i], &id, &drawer);
            done = 1;
        }
        free(p);
    }
    siam_name_list_free(&l);
    return yes;
}

/* AUTO: nested (Omniglot when its names say so) when the top-level folders
 * hold folders and none holds images itself; one stray subfolder in a class
 * folder (or a first folder that happens to nest) does not turn class
 * folders into alphabets. */
static siam_layout detect_layout(const char *root)
{
    siam_name_list top;
    if (!siam_name_list_read(root, &top))
        return SIAM_LAYOUT_CLASS_FOLDERS;
    int nested = 0, images = 0;
    for (size_t i = 0; i < top.n && !images; i++) {
        char *d = siam_path_join(root, top.names[i]);
        if (d && siam_is_dir(d)) {
            int k = folder_kind(d);
            nested += k == 2;
            images += k == 1;
        }
        free(d);
    }
    siam_name_list_free(&top);
    if (!nested || images)
        return SIAM_LAYOUT_CLASS_FOLDERS;
    return first_image_omniglot(root, 0) ? SIAM_LAYOUT_OMNIGLOT : SIAM_LAYOUT_NESTED;
}

siam_status siam_dataset_load(const char *root, const siam_load_options *opt,
                              siam_load_report *report, siam_dataset **out,
                              siam_error *err)
{
    if (!root || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_dataset_load: NULL argument");
    *out = NULL;
    if (!siam_is_dir(root))
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "%s: dataset folder not found", root);
    siam_load_options def;
    if (!opt) {
        siam_load_options_default(&def);
        opt = &def;
    }
    /* Strip trailing slashes so that names and messages read cleanly. */
    size_t n = strlen(root);
    char *clean = malloc(n + 1);
    if (!clean)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    memcpy(clean, root, n + 1);
    while (n > 1 && clean[n - 1] == '/')
        clean[--n] = '\0';

    siam_dsb b;
    siam_status st = siam_dsb_init(&b, clean, report, err);
    if (st != SIAM_OK) {
        free(clean);
        return st;
    }
    siam_layout layout = opt->layout == SIAM_LAYOUT_AUTO ? detect_layout(clean) : opt->layout;
    size_t skipped = 0;
    if (layout == SIAM_LAYOUT_OMNIGLOT || layout == SIAM_LAYOUT_NESTED)
        scan_nested(&b, clean, layout == SIAM_LAYOUT_OMNIGLOT, &skipped);
    else
        scan_class_folders(&b, clean, &skipped);
    if (report)
        report->n_skipped += skipped;
    free(clean);
    return siam_dsb_finish(&b, opt, out, err);
}
