/* siamese: reading and writing safetensors files.
 *
 * Layout: 8-byte little-endian header length n, n bytes of JSON
 *   { "__metadata__": {"key": "value", ...},
 *     "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ... }
 * then the raw little-endian tensor bytes (offsets relative to their start).
 * The Python `safetensors` package opens these files as they are.
 *
 * Reading validates everything against the file's real size before any
 * allocation larger than the file: a truncated, oversized-header, wrong-dtype
 * or overlapping file is refused with a message naming the file.
 * Writing goes to a temporary file in the same folder, then fsync and
 * rename, so the previous file survives any failure.
 */
#ifndef SIAMESE_CORE_SAFETENSORS_H
#define SIAMESE_CORE_SAFETENSORS_H

#include "base/json.h"

#include <stdint.h>

#define SIAM_ST_MAX_HEADER (64u << 20)

typedef struct siam_st_tensor {
    const char *name;
    int ndim;
    int64_t shape[8];
    int64_t numel;
    uint64_t begin, end;   /* byte offsets in the data section */
} siam_st_tensor;

typedef struct siam_st_file {
    char path[1024];
    siam_json json;
    int meta;              /* json node of __metadata__, or -1 */
    siam_st_tensor *t;
    int n;
    uint64_t data_offset;  /* 8 + header length */
    uint64_t file_size;
    int fd;                /* open from siam_st_open to siam_st_close: every read uses it */
    int has_fd;            /* fd is ours to close (0 in a zeroed struct) */
} siam_st_file;

siam_status siam_st_open(const char *path, siam_st_file *out, siam_error *err);
void siam_st_close(siam_st_file *f);
/* Closes the file but keeps its header: siam_st_meta and siam_st_find
 * still answer, siam_st_read fails; siam_st_close frees the rest. */
void siam_st_close_data(siam_st_file *f);
int siam_st_find(const siam_st_file *f, const char *name);
/* Metadata value for key, or NULL. */
const char *siam_st_meta(const siam_st_file *f, const char *key);
/* Reads tensor i (numel floats) into dst. */
siam_status siam_st_read(const siam_st_file *f, int i, float *dst, siam_error *err);

typedef struct siam_st_entry {
    const char *name;
    int ndim;
    const int64_t *shape;
    const float *data;
} siam_st_entry;

/* meta: n_meta (key, value) pairs as meta[2k], meta[2k+1]. */
siam_status siam_st_write(const char *path, const siam_st_entry *entries, int n,
                          const char *const *meta, int n_meta, siam_error *err);

#endif
