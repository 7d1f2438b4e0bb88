/* siamese: every file the program writes goes through here.
 *
 * A file is written to a temporary file in the destination folder, named
 * "<path>.tmp.<pid>.<6 random characters>" and created by mkostemp (O_EXCL:
 * a symlink or file planted under that name is never opened, and the name
 * cannot be predicted), then written, fsynced, closed, renamed over the
 * target and the folder fsynced: readers see the old file or the new one,
 * whole, and a crash at any point keeps the old one. The file takes the
 * permissions 0666 less the process's umask, as open() would give it.
 *
 * A target that exists and is not a regular file (a folder, a device, a
 * FIFO, a socket, or a link to one) is refused: renaming over it would
 * replace, say, /dev/full with a model file. A writer killed mid-write
 * leaves its temporary file; the next write of the same path removes those
 * whose process is gone (the pid in the name), so at most one per path
 * stays behind. */
#ifndef SIAMESE_CORE_ATOMIC_FILE_H
#define SIAMESE_CORE_ATOMIC_FILE_H

#include "siamese/status.h"

#include <stddef.h>
#include <stdio.h>

typedef struct siam_atomic_file {
    int fd;     /* -1 once closed */
    FILE *fp;   /* after siam_atomic_stream(), else NULL */
    char *path; /* the target */
    char *tmp;  /* the temporary file */
} siam_atomic_file;

/* Whether `path` can be written as an output, before any work is done:
 * not empty, not an existing non-regular file, and a temporary file can be
 * created and removed in its folder (a missing folder, a read-only mount
 * or /proc fail here with the reason). */
siam_status siam_output_check(const char *path, siam_error *err);

/* 1 when a and b name the same file (same device and inode; for a path
 * that does not exist yet, the same folder and name). */
int siam_same_file(const char *a, const char *b);

siam_status siam_atomic_begin(siam_atomic_file *f, const char *path, siam_error *err);
siam_status siam_atomic_write(siam_atomic_file *f, const void *data, size_t n, siam_error *err);
/* A stdio stream over the temporary file (for libraries that write to a
 * FILE *); commit flushes and closes it. */
FILE *siam_atomic_stream(siam_atomic_file *f, siam_error *err);
/* begin + stream in one: the stream, or NULL with nothing left behind
 * (the temporary file removed) and err set. */
FILE *siam_atomic_begin_stream(siam_atomic_file *f, const char *path, siam_error *err);
/* fsync, close, rename over the target, fsync the folder. On failure the
 * temporary file is removed and the target is left as it was. */
siam_status siam_atomic_commit(siam_atomic_file *f, siam_error *err);
/* Closes and removes the temporary file; the target is left as it was. */
void siam_atomic_abort(siam_atomic_file *f);

/* A log to append JSON lines to (append: keep what is there, else
 * truncate), opened without blocking and only if it is, or becomes, a
 * regular file: a FIFO, device or folder is refused. Logs are the one
 * output written in place, line by line, so that a crash keeps every line
 * before it. */
siam_status siam_open_log(const char *path, int append, FILE **fp, siam_error *err);

/* Removes "<path>.tmp.<pid>[.XXXXXX]" files whose process is gone. Best
 * effort; returns how many it removed. */
int siam_temp_sweep(const char *path);

#endif
