/* siamese: names of the temporary files that atomic writes go through, and
 * removal of those a killed writer left behind.
 *
 * A file is written as "<path>.tmp.<pid>" in the same folder, then renamed
 * over <path> (safetensors.c). The pid keeps two live writers of one path
 * from writing into the same temporary file. A writer killed by SIGKILL (or
 * a power cut) leaves its temporary file; with a new pid per run, those
 * would pile up, one per kill, so each write first removes the ones whose
 * writer no longer exists.
 */
#ifndef SIAMESE_CORE_TEMP_FILE_H
#define SIAMESE_CORE_TEMP_FILE_H

#include <stddef.h>

/* "<path>.tmp.<this process's pid>" into buf; 0 if it does not fit. */
int siam_temp_path(const char *path, char *buf, size_t size);

/* Removes "<path>.tmp.<pid>" files whose process is gone. Best effort: a
 * folder that cannot be read, or a file that cannot be removed, is left as
 * it is (it costs disk space, not correctness). Returns how many it removed. */
int siam_temp_sweep(const char *path);

#endif
