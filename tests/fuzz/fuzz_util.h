/* Helpers shared by the fuzz harnesses: a scratch folder per input, files
 * written into it, and a tiny valid PNG for the loaders that need some
 * files to resolve. Used both under libFuzzer and by fuzz_replay.c. */
#ifndef SIAMESE_TESTS_FUZZ_UTIL_H
#define SIAMESE_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The entry point every harness defines (libFuzzer's contract). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fresh folder under $TMPDIR (or /tmp); its path into buf. 0 = ok. */
int fz_mkdtemp(char *buf, size_t cap);
/* A fresh file under $TMPDIR (or /tmp) holding bytes; its path into buf. */
int fz_tempfile(char *buf, size_t cap, const uint8_t *bytes, size_t n);
/* rm -r, without following symbolic links. */
void fz_rmtree(const char *path);
/* mkdir -p of dir. 0 = ok. */
int fz_mkdirs(const char *dir);
/* Creates or truncates path with bytes. 0 = ok. */
int fz_write_file(const char *path, const void *bytes, size_t n);

/* What the image decoders' harnesses check of a decode: a failure says
 * why; a success is an image whose every pixel can be read and that the
 * next steps of the pipeline (border mean, area resize) take. Frees g;
 * aborts on a broken promise. */
struct siam_grey;
struct siam_error;
void fz_check_decoded(int status, struct siam_grey *g, const struct siam_error *err);

/* A valid 3x2 8-bit grey PNG (a dark stroke on white). */
extern const uint8_t fz_tiny_png[];
extern const size_t fz_tiny_png_len;

#endif
