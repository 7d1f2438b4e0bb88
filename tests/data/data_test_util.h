/* Helpers for the data tests: temporary folders and PNG files written
 * with libpng, so that no test depends on image files in the tree. */
#ifndef SIAMESE_TESTS_DATA_UTIL_H
#define SIAMESE_TESTS_DATA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Makes a fresh folder under $TMPDIR (or /tmp); path into buf. 0 = ok. */
int tu_mkdtemp(char *buf, size_t cap);
/* rm -r. */
void tu_rmtree(const char *path);
/* mkdir -p of dir (not of a file's parent). 0 = ok. */
int tu_mkdirs(const char *dir);
int tu_write_file(const char *path, const void *bytes, size_t n);
/* Reads a whole file; caller frees *bytes. 0 = ok. */
int tu_read_file(const char *path, uint8_t **bytes, size_t *n);

/* Writes a PNG. samples: (h, w, channels) values in [0, 2^depth - 1], one
 * uint16 per sample (palette: indices). channels follows color_type (libpng
 * PNG_COLOR_TYPE_*). palette/trns only for palette images (may be NULL).
 * interlace: 0 none, 1 Adam7. 0 = ok. */
int tu_write_png(const char *path, int w, int h, int color_type, int depth, int interlace,
                 const uint16_t *samples, const uint8_t *palette_rgb, int n_palette,
                 const uint8_t *trns, int n_trns);
/* A 1-bit grey PNG: 0 = black where ink[y*w+x] is nonzero, else white. */
int tu_write_ink_png(const char *path, int w, int h, const uint8_t *ink);

/* Writes a baseline JPEG with libjpeg at `quality` (1-100): components 1
 * (grey), 3 (RGB) or 4 (CMYK), pixels (h, w, components). 0 = ok. */
int tu_write_jpeg(const char *path, int w, int h, int components, const uint8_t *pixels,
                  int quality);

/* A synthetic set in the Omniglot layout under root: alphabets
 * "Alpha_00".. with n_chars[a] characters each, drawers 1..n_drawers,
 * size x size 1-bit drawings (random ink, white frame). 0 = ok. */
int tu_make_omniglot(const char *root, int n_alphabets, const int *n_chars, int n_drawers,
                     int size);

/* Full path of the shared Omniglot folder (SIAMESE_DATA or the default),
 * or NULL with a message on stdout when it is absent. */
const char *tu_omniglot_dir(void);

#endif
