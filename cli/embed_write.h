/* siamese embed: writing n embeddings of dimension d, with the paths of
 * their images, in the format the output's extension names:
 *   .safetensors  tensor "embeddings" (n, d) F32; metadata "paths" (a JSON
 *                 array) and "model"
 *   .npy          a float32 (n, d) array (NumPy format 1.0), the paths in
 *                 "<out>.paths.json" beside it
 *   .csv          a header "path,e0,...", then one row per image (the path
 *                 quoted as RFC 4180 says), values to 9 significant digits
 * Every file is written whole or not at all (atomic_file.h). */
#ifndef SIAMESE_CLI_EMBED_WRITE_H
#define SIAMESE_CLI_EMBED_WRITE_H

#include "siamese/status.h"

#include <stddef.h>

typedef enum cli_embed_format { CLI_EMBED_SAFETENSORS, CLI_EMBED_NPY, CLI_EMBED_CSV } cli_embed_format;

/* The format for a file name; SIAM_ERR_INVALID_ARG for another extension. */
siam_status cli_embed_format_of(const char *path, cli_embed_format *fmt, siam_error *err);

siam_status cli_embed_write(const char *out, cli_embed_format fmt, const char *model,
                            const char *const *paths, size_t n, int d, const float *emb,
                            siam_error *err);

#endif
