/* siamese embed: safetensors, .npy and CSV writers. */
#include "embed_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "data/folder.h"
#include "base/json.h"
#include "base/safetensors.h"

siam_status cli_embed_format_of(const char *path, cli_embed_format *fmt, siam_error *err)
{
    if (siam_name_ends_with(path, ".safetensors"))
        *fmt = CLI_EMBED_SAFETENSORS;
    else if (siam_name_ends_with(path, ".npy"))
        *fmt = CLI_EMBED_NPY;
    else if (siam_name_ends_with(path, ".csv"))
        *fmt = CLI_EMBED_CSV;
    else
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "--out %s: name a .safetensors, .npy or .csv file", path);
    return SIAM_OK;
}

/* The paths as a JSON array, malloc'd. */
static char *paths_json(const char *const *paths, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 6 * strlen(paths[i]) + 3;
    char *out = malloc(cap), *esc = NULL;
    size_t len = 0;
    if (!out)
        return NULL;
    out[len++] = '[';
    for (size_t i = 0; i < n; i++) {
        size_t ecap = 6 * strlen(paths[i]) + 3;
        char *e = realloc(esc, ecap);
        if (!e) {
            free(esc);
            free(out);
            return NULL;
        }
        esc = e;
        siam_json_escape(paths[i], esc, ecap);
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", esc);
    }
    free(esc);
    out[len++] = ']';
    out[len] = '\0';
    return out;
}

static siam_status write_npy(const char *out, size_t n, int d, const float *emb, siam_error *err)
{
    char header[128];
    int hl = snprintf(header, sizeof header,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %d), }", n, d);
    /* Magic (6) + version (2) + length (2) + header, padded with spaces to
     * a multiple of 64 and ended by a newline. */
    size_t total = 10 + (size_t)hl + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    size_t hlen = (size_t)hl + pad + 1;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    memset(header + hl, ' ', pad);
    header[hl + pad] = '\n';
    siam_atomic_file f;
    siam_status st = siam_atomic_begin(&f, out, err);
    if (st != SIAM_OK)
        return st;
    st = siam_atomic_write(&f, pre, sizeof pre, err);
    if (st == SIAM_OK)
        st = siam_atomic_write(&f, header, hlen, err);
    /* Little-endian float32, as the machines we build for store them. */
    if (st == SIAM_OK)
        st = siam_atomic_write(&f, emb, n * (size_t)d * sizeof(float), err);
    if (st == SIAM_OK)
        return siam_atomic_commit(&f, err);
    siam_atomic_abort(&f);
    return st;
}

static siam_status write_text(const char *out, const char *text, siam_error *err)
{
    siam_atomic_file f;
    siam_status st = siam_atomic_begin(&f, out, err);
    if (st != SIAM_OK)
        return st;
    st = siam_atomic_write(&f, text, strlen(text), err);
    if (st == SIAM_OK)
        return siam_atomic_commit(&f, err);
    siam_atomic_abort(&f);
    return st;
}

static siam_status write_csv(const char *out, const char *const *paths, size_t n, int d,
                             const float *emb, siam_error *err)
{
    siam_atomic_file f;
    FILE *fp = siam_atomic_begin_stream(&f, out, err);
    if (!fp)
        return err ? err->status : SIAM_ERR_IO;
    fputs("path", fp);
    for (int j = 0; j < d; j++)
        fprintf(fp, ",e%d", j);
    fputs("\r\n", fp);
    for (size_t i = 0; i < n; i++) {
        fputc('"', fp);
        for (const char *c = paths[i]; *c; c++) {
            if (*c == '"')
                fputc('"', fp);
            fputc(*c, fp);
        }
        fputc('"', fp);
        for (int j = 0; j < d; j++)
            fprintf(fp, ",%.9g", (double)emb[i * (size_t)d + (size_t)j]);
        fputs("\r\n", fp);
    }
    return siam_atomic_commit(&f, err);
}

siam_status cli_embed_write(const char *out, cli_embed_format fmt, const char *model,
                            const char *const *paths, size_t n, int d, const float *emb,
                            siam_error *err)
{
    if (fmt == CLI_EMBED_CSV)
        return write_csv(out, paths, n, d, emb, err);
    char *json = paths_json(paths, n);
    if (!json)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st;
    if (fmt == CLI_EMBED_SAFETENSORS) {
        int64_t shape[2] = {(int64_t)n, d};
        siam_st_entry e = {"embeddings", 2, shape, emb};
        const char *meta[] = {"format", "siamese-embeddings", "model", model, "paths", json};
        st = siam_st_write(out, &e, 1, meta, 3, err);
    } else {
        size_t len = strlen(out);
        char *side = malloc(len + sizeof ".paths.json");
        st = side ? SIAM_OK : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        if (st == SIAM_OK) {
            snprintf(side, len + sizeof ".paths.json", "%s.paths.json", out);
            st = write_text(side, json, err);
        }
        if (st == SIAM_OK)
            st = write_npy(out, n, d, emb, err);
        free(side);
    }
    free(json);
    return st;
}
