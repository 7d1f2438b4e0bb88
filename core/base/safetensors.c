/* safetensors reader and atomic writer (see safetensors.h). */
#define _POSIX_C_SOURCE 200809L
#include "base/safetensors.h"

#include "base/atomic_file.h"
#include "base/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static siam_status bad(siam_st_file *f, siam_error *err, const char *what)
{
    siam_error_set(err, SIAM_ERR_FORMAT, "%s: not a valid safetensors model file: %s", f->path,
                   what);
    siam_st_close(f);
    return SIAM_ERR_FORMAT;
}

static int by_begin(const void *a, const void *b)
{
    const siam_st_tensor *x = *(const siam_st_tensor *const *)a, *y = *(const siam_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* The tensors must tile the data section, as the safetensors reference
 * reader requires: no overlap (two tensors sharing bytes) and no gap or
 * tail (bytes that another reader might take for something). Sorted, so a
 * header of many tensors costs n log n. */
static siam_status check_tiling(siam_st_file *f, uint64_t data_size, siam_error *err)
{
    char msg[320];
    const siam_st_tensor **v = malloc((size_t)(f->n ? f->n : 1) * sizeof *v);
    if (!v) {
        siam_st_close(f);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (int i = 0; i < f->n; i++)
        v[i] = &f->t[i];
    qsort(v, (size_t)f->n, sizeof *v, by_begin);
    uint64_t at = 0;
    msg[0] = '\0';
    for (int i = 0; i < f->n && !msg[0]; i++) {
        if (v[i]->begin < at)
            snprintf(msg, sizeof msg, "tensors '%.100s' and '%.100s' overlap", v[i]->name,
                     v[i - 1]->name);
        else if (v[i]->begin > at)
            snprintf(msg, sizeof msg, "data bytes %" PRIu64 "-%" PRIu64 " belong to no tensor", at,
                     v[i]->begin);
        at = v[i]->end;
    }
    if (!msg[0] && at != data_size)
        snprintf(msg, sizeof msg, "data bytes %" PRIu64 "-%" PRIu64 " belong to no tensor", at,
                 data_size);
    free(v);
    return msg[0] ? bad(f, err, msg) : SIAM_OK;
}

static int json_uint(const siam_json *j, int node, uint64_t *out)
{
    if (node < 0 || j->nodes[node].type != SIAM_JSON_NUMBER)
        return 0;
    double v = j->nodes[node].number;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

siam_status siam_st_open(const char *path, siam_st_file *f, siam_error *err)
{
    if (!path || !f)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_st_open: NULL argument");
    memset(f, 0, sizeof *f);
    f->meta = -1;
    f->fd = -1;
    snprintf(f->path, sizeof f->path, "%s", path);
    if (!host_is_little_endian())
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "big-endian hosts are not supported");
    /* One open file for the header and every tensor (siam_st_read uses the
     * same descriptor): a file replaced between the two cannot mix models. */
    siam_status ost = siam_open_input(path, "model", &f->fd, err);
    if (ost != SIAM_OK)
        return ost == SIAM_ERR_NOT_FOUND ? SIAM_ERR_IO : ost;
    f->has_fd = 1;
    int dupfd = dup(f->fd);
    FILE *fp = dupfd >= 0 ? fdopen(dupfd, "rb") : NULL;
    if (!fp) {
        int e = errno;
        if (dupfd >= 0)
            close(dupfd);
        siam_st_close(f);
        return siam_error_set(err, SIAM_ERR_IO, "cannot read %s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        fclose(fp);
        siam_st_close(f);
        return siam_error_set(err, SIAM_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    f->file_size = (uint64_t)st.st_size;
    uint8_t len8[8];
    if (f->file_size < 8 || fread(len8, 1, 8, fp) != 8) {
        fclose(fp);
        return bad(f, err, "shorter than the 8-byte header length");
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | len8[i];
    if (hlen < 2 || hlen > SIAM_ST_MAX_HEADER || hlen > f->file_size - 8) {
        fclose(fp);
        char msg[128];
        snprintf(msg, sizeof msg, "header length %llu does not fit a %llu-byte file",
                 (unsigned long long)hlen, (unsigned long long)f->file_size);
        return bad(f, err, msg);
    }
    char *text = malloc(hlen);
    if (!text) {
        fclose(fp);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    size_t got = fread(text, 1, hlen, fp);
    fclose(fp);
    if (got != hlen) {
        free(text);
        return bad(f, err, "truncated header");
    }
    siam_error jerr = {0};
    siam_status s = siam_json_parse(text, hlen, &f->json, &jerr);
    free(text);
    if (s != SIAM_OK)
        return bad(f, err, jerr.msg);
    const siam_json *j = &f->json;
    if (j->nodes[0].type != SIAM_JSON_OBJECT)
        return bad(f, err, "header is not a JSON object");
    f->data_offset = 8 + hlen;
    uint64_t data_size = f->file_size - f->data_offset;
    f->t = calloc((size_t)j->nodes[0].n_children + 1, sizeof *f->t);
    if (!f->t) {
        siam_st_close(f);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (int c = j->nodes[0].first_child; c >= 0; c = j->nodes[c].next_sibling) {
        const char *name = siam_json_key(j, c);
        if (strcmp(name, "__metadata__") == 0) {
            if (j->nodes[c].type != SIAM_JSON_OBJECT)
                return bad(f, err, "__metadata__ is not an object");
            for (int m = j->nodes[c].first_child; m >= 0; m = j->nodes[m].next_sibling)
                if (j->nodes[m].type != SIAM_JSON_STRING)
                    return bad(f, err, "a __metadata__ value is not a string");
            f->meta = c;
            continue;
        }
        char msg[256];
        if (j->nodes[c].type != SIAM_JSON_OBJECT) {
            snprintf(msg, sizeof msg, "entry '%.100s' is not an object", name);
            return bad(f, err, msg);
        }
        const char *dtype = siam_json_str(j, siam_json_get(j, c, "dtype"));
        if (!dtype || strcmp(dtype, "F32") != 0) {
            snprintf(msg, sizeof msg, "tensor '%.100s' has dtype %.20s, only F32 is supported",
                     name, dtype ? dtype : "(missing)");
            return bad(f, err, msg);
        }
        siam_st_tensor *t = &f->t[f->n];
        t->name = name;
        int shape = siam_json_get(j, c, "shape"), offs = siam_json_get(j, c, "data_offsets");
        if (shape < 0 || j->nodes[shape].type != SIAM_JSON_ARRAY || j->nodes[shape].n_children > 8 ||
            offs < 0 || j->nodes[offs].type != SIAM_JSON_ARRAY || j->nodes[offs].n_children != 2) {
            snprintf(msg, sizeof msg, "tensor '%.100s' lacks a valid shape or data_offsets", name);
            return bad(f, err, msg);
        }
        t->numel = 1;
        for (int d = j->nodes[shape].first_child; d >= 0; d = j->nodes[d].next_sibling) {
            uint64_t v;
            if (!json_uint(j, d, &v) || v > (1ull << 40) || (t->numel > 0 && v > (1ull << 40) / (uint64_t)t->numel)) {
                snprintf(msg, sizeof msg, "tensor '%.100s' has a bad dimension", name);
                return bad(f, err, msg);
            }
            t->shape[t->ndim++] = (int64_t)v;
            t->numel *= (int64_t)v;
        }
        int b = j->nodes[offs].first_child, e = j->nodes[b].next_sibling;
        if (!json_uint(j, b, &t->begin) || !json_uint(j, e, &t->end) || t->begin > t->end ||
            t->end > data_size || t->end - t->begin != (uint64_t)t->numel * 4) {
            snprintf(msg, sizeof msg,
                     "tensor '%.100s' has data offsets outside the file or of the wrong size "
                     "(truncated?)",
                     name);
            return bad(f, err, msg);
        }
        f->n++;
    }
    return check_tiling(f, data_size, err);
}

void siam_st_close(siam_st_file *f)
{
    if (!f)
        return;
    siam_json_free(&f->json);
    free(f->t);
    f->t = NULL;
    f->n = 0;
    if (f->has_fd)
        close(f->fd);
    f->has_fd = 0;
    f->fd = -1;
}

void siam_st_close_data(siam_st_file *f)
{
    if (f && f->has_fd)
        close(f->fd);
    if (f) {
        f->has_fd = 0;
        f->fd = -1;
    }
}

int siam_st_find(const siam_st_file *f, const char *name)
{
    for (int i = 0; f && name && i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            return i;
    return -1;
}

const char *siam_st_meta(const siam_st_file *f, const char *key)
{
    if (!f || f->meta < 0)
        return NULL;
    return siam_json_str(&f->json, siam_json_get(&f->json, f->meta, key));
}

siam_status siam_st_read(const siam_st_file *f, int i, float *dst, siam_error *err)
{
    if (!f || !dst || i < 0 || i >= f->n)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_st_read: bad argument");
    size_t bytes = (size_t)(f->t[i].end - f->t[i].begin), done = 0;
    off_t at = (off_t)(f->data_offset + f->t[i].begin);
    int ok = f->has_fd;
    while (ok && done < bytes) {
        ssize_t r = pread(f->fd, (char *)dst + done, bytes - done, at + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        ok = r > 0;
        done += ok ? (size_t)r : 0;
    }
    if (!ok)
        return siam_error_set(err, SIAM_ERR_IO, "%s: cannot read tensor '%s' (file changed?)",
                              f->path, f->t[i].name);
    return SIAM_OK;
}

/* ---- writing ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
        char *v = realloc(b->p, cap);
        if (!v) {
            b->oom = 1;
            return;
        }
        b->p = v;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void sb_str(sbuf *b, const char *s)
{
    size_t n = strlen(s) * 6 + 3;
    char *tmp = malloc(n);
    if (!tmp) {
        b->oom = 1;
        return;
    }
    siam_json_escape(s, tmp, n);
    sb_add(b, tmp);
    free(tmp);
}

siam_status siam_st_write(const char *path, const siam_st_entry *e, int n,
                          const char *const *meta, int n_meta, siam_error *err)
{
    if (!path || (!e && n) || n < 0 || (!meta && n_meta) || n_meta < 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_st_write: bad argument");
    if (!host_is_little_endian())
        return siam_error_set(err, SIAM_ERR_UNSUPPORTED, "big-endian hosts are not supported");
    sbuf h = {0};
    char num[64];
    sb_add(&h, "{");
    if (n_meta) {
        sb_add(&h, "\"__metadata__\":{");
        for (int k = 0; k < n_meta; k++) {
            if (k)
                sb_add(&h, ",");
            sb_str(&h, meta[2 * k]);
            sb_add(&h, ":");
            sb_str(&h, meta[2 * k + 1]);
        }
        sb_add(&h, "}");
    }
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        if (i || n_meta)
            sb_add(&h, ",");
        sb_str(&h, e[i].name);
        sb_add(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        uint64_t numel = 1;
        for (int d = 0; d < e[i].ndim; d++) {
            snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)e[i].shape[d]);
            sb_add(&h, num);
            numel *= (uint64_t)e[i].shape[d];
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                 (unsigned long long)(off + numel * 4));
        sb_add(&h, num);
        off += numel * 4;
    }
    sb_add(&h, "}");
    while (!h.oom && (h.len + 8) % 8) /* pad so tensor data starts 8-aligned */
        sb_add(&h, " ");
    if (h.oom) {
        free(h.p);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }

    siam_atomic_file out;
    siam_status st = siam_atomic_begin(&out, path, err);
    if (st != SIAM_OK) {
        free(h.p);
        return st;
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (uint8_t)((uint64_t)h.len >> (8 * i));
    st = siam_atomic_write(&out, len8, 8, err);
    if (st == SIAM_OK)
        st = siam_atomic_write(&out, h.p, h.len, err);
    free(h.p);
    for (int i = 0; st == SIAM_OK && i < n; i++) {
        uint64_t numel = 1;
        for (int d = 0; d < e[i].ndim; d++)
            numel *= (uint64_t)e[i].shape[d];
        st = siam_atomic_write(&out, e[i].data, (size_t)numel * 4, err);
    }
    if (st != SIAM_OK) {
        siam_atomic_abort(&out);
        return st;
    }
    return siam_atomic_commit(&out, err);
}
