/* siamese embed: the embeddings of images (files, or folders of them),
 * computed in batches on any backend and written with their paths. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "data/folder.h"
#include "embed_write.h"
#include "image_warn.h"
#include "base/term_text.h"

enum { OPT_MODEL = 1, OPT_OUT, OPT_BACKEND, OPT_BATCH };

static const cli_option embed_options[] = {
    CLI_OPT_MODEL(OPT_MODEL, CLI_REQUIRED),
    {OPT_OUT, "out", 'o', CLI_TEXT, "FILE", 0, 0, CLI_REQUIRED,
     "FILE.safetensors, FILE.npy or FILE.csv", 0},
    CLI_OPT_BACKEND(OPT_BACKEND),
    {OPT_BATCH, "batch", 0, CLI_INT, "N", 1, 4096, 0, "images per forward pass (default 64)", 0},
};

const cli_command siam_cli_embed = CLI_OPTIONS(
    "embed", "IMAGE|FOLDER...", 1, 1 << 30,
    "Writes the embedding of each image (PNG or JPEG; a folder gives every\n"
    "image below it, in name order) with its path: FILE.safetensors (tensor\n"
    "\"embeddings\", metadata \"paths\"), FILE.npy (paths in FILE.npy.paths.json)\n"
    "or FILE.csv (path, then the values). A weighted-L1 model's same/different\n"
    "probability for images i and j is sigmoid(sum_k alpha_k |e_ik - e_jk| + b),\n"
    "alpha and b being the model's head.alpha and head.bias tensors.\n"
    "Exit status: 0 written; 1 a model, image or output failed; 2 bad options.\n",
    embed_options);

typedef struct path_list {
    char **p;
    size_t n, cap;
} path_list;

static int push(path_list *l, char *path)
{
    if (!path)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **np = realloc(l->p, cap * sizeof *np);
        if (!np) {
            free(path);
            return 0;
        }
        l->p = np;
        l->cap = cap;
    }
    l->p[l->n++] = path;
    return 1;
}

/* The images below a folder, in name order (hidden entries skipped). */
static siam_status add_folder(path_list *l, const char *dir, int depth, siam_error *err)
{
    if (depth > 16)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s: folders nested too deep", dir);
    siam_name_list names;
    if (!siam_name_list_read(dir, &names))
        return siam_error_set(err, SIAM_ERR_IO, "cannot read folder %s", dir);
    siam_status st = SIAM_OK;
    for (size_t i = 0; st == SIAM_OK && i < names.n; i++) {
        char *p = siam_path_join(dir, names.names[i]);
        if (!p)
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        else if (siam_is_dir(p)) {
            st = add_folder(l, p, depth + 1, err);
            free(p);
        } else if (siam_is_image_name(names.names[i])) {
            if (!push(l, p))
                st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        } else {
            free(p);
        }
    }
    siam_name_list_free(&names);
    return st;
}

static siam_status embed_all(const char *model, const char *backend, int batch,
                             const path_list *l, const char *out, cli_embed_format fmt,
                             siam_error *err)
{
    siam_session *s = NULL;
    siam_session_options so = {.backend = backend, .batch = batch};
    siam_status st = siam_session_open(model, &so, &s, err);
    if (st != SIAM_OK)
        return st;
    int d = siam_session_dim(s);
    float *emb = malloc((l->n ? l->n : 1) * (size_t)d * sizeof *emb);
    if (!emb)
        st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory for %zu embeddings",
                            l->n);
    if (st == SIAM_OK && l->n > (size_t)INT_MAX)
        st = siam_error_set(err, SIAM_ERR_INVALID_ARG, "too many images (%zu)", l->n);
    if (st == SIAM_OK)
        st = siam_session_embed_files(s, (const char *const *)l->p, (int)l->n, emb, NULL, 0,
                                      cli_warn_squashed, NULL, err);
    if (st == SIAM_OK)
        st = cli_embed_write(out, fmt, model, (const char *const *)l->p, l->n, d, emb, err);
    free(emb);
    siam_session_close(s);
    return st;
}

int siam_cmd_embed(int argc, char **argv)
{
    const char *model = NULL, *backend = NULL, *out = NULL;
    long batch = 64;
    path_list l = {NULL, 0, 0};
    siam_error err;
    siam_error_clear(&err);
    int rc = 0;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_embed, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        if (id == OPT_MODEL)
            model = v.text;
        else if (id == OPT_BACKEND)
            backend = v.text;
        else if (id == OPT_OUT)
            out = v.text;
        else
            batch = (long)v.number;
    }
    for (int i = 0; i < p.n_operands && rc == 0; i++) {
        const char *a = p.operands[i];
        if (siam_is_dir(a)) {
            if (add_folder(&l, a, 0, &err) != SIAM_OK) {
                siam_print_error("embed", err.msg);
                rc = 1;
            }
        } else if (!push(&l, strdup(a))) {
            siam_print_error("embed", "out of memory");
            rc = 1;
        }
    }
    cli_embed_format fmt = CLI_EMBED_CSV;
    if (rc == 0 && l.n == 0) {
        siam_print_errorf("embed", "no images: the folders given hold none");
        rc = 2;
    } else if (rc == 0 && cli_embed_format_of(out, &fmt, &err) != SIAM_OK) {
        siam_print_error("embed", err.msg);
        rc = 2;
    } else if (rc == 0 && siam_output_check(out, &err) != SIAM_OK) {
        siam_print_error("embed", err.msg);
        rc = 1;
    } else if (rc == 0) {
        if (embed_all(model, backend, (int)batch, &l, out, fmt, &err) != SIAM_OK) {
            siam_print_error("embed", err.msg);
            rc = 1;
        } else {
            printf("%zu embeddings -> %s\n", l.n, out);
        }
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.p[i]);
    free(l.p);
    return rc;
}
