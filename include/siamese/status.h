/* siamese: status codes and error messages.
 *
 * Every function that can fail returns a siam_status and, when given a
 * non-NULL siam_error, leaves a human-readable message in it. There is no
 * global "last error": the caller owns the siam_error, so threads and
 * contexts never share one. The struct has a fixed layout because it
 * crosses the backend ABI (include/siamese/backend.h).
 */
#ifndef SIAMESE_STATUS_H
#define SIAMESE_STATUS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum siam_status {
    SIAM_OK = 0,
    SIAM_ERR_INVALID_ARG = 1,   /* NULL, wrong shape, out-of-range option */
    SIAM_ERR_OUT_OF_MEMORY = 2, /* host or device allocation failed */
    SIAM_ERR_IO = 3,            /* open/read/write/rename failed */
    SIAM_ERR_FORMAT = 4,        /* a file exists but its content is wrong */
    SIAM_ERR_UNSUPPORTED = 5,   /* the backend cannot run this op/shape */
    SIAM_ERR_BACKEND = 6,       /* the device or driver failed */
    SIAM_ERR_NOT_FOUND = 7,     /* unknown backend, device, preset, file */
    SIAM_ERR_ABI = 8,           /* a module built for another ABI version */
    SIAM_ERR_NUMERIC = 9        /* NaN or Inf where a finite value is needed */
} siam_status;

#define SIAM_ERROR_MSG_SIZE 1024

typedef struct siam_error {
    siam_status status;
    char msg[SIAM_ERROR_MSG_SIZE];
} siam_error;

/* Short upper-case name of a status ("SIAM_ERR_INVALID_ARG"). */
static inline const char *siam_status_name(siam_status s)
{
    switch (s) {
    case SIAM_OK: return "SIAM_OK";
    case SIAM_ERR_INVALID_ARG: return "SIAM_ERR_INVALID_ARG";
    case SIAM_ERR_OUT_OF_MEMORY: return "SIAM_ERR_OUT_OF_MEMORY";
    case SIAM_ERR_IO: return "SIAM_ERR_IO";
    case SIAM_ERR_FORMAT: return "SIAM_ERR_FORMAT";
    case SIAM_ERR_UNSUPPORTED: return "SIAM_ERR_UNSUPPORTED";
    case SIAM_ERR_BACKEND: return "SIAM_ERR_BACKEND";
    case SIAM_ERR_NOT_FOUND: return "SIAM_ERR_NOT_FOUND";
    case SIAM_ERR_ABI: return "SIAM_ERR_ABI";
    case SIAM_ERR_NUMERIC: return "SIAM_ERR_NUMERIC";
    }
    return "SIAM_ERR_UNKNOWN";
}

/* Records status and a printf-style message in err (if err is non-NULL) and
 * returns status, so that `return siam_error_set(err, ...)` reads naturally.
 * Header-inline so that backend modules need not link the core library. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline siam_status siam_error_set(siam_error *err, siam_status status,
                                         const char *fmt, ...)
{
    if (err) {
        va_list ap, again;
        va_start(ap, fmt);
        va_copy(again, ap);
        err->status = status;
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        /* Too long (a path near PATH_MAX): keep the head and the tail, where
         * the reason is, joined by "...". */
        char *all = n >= (int)sizeof err->msg ? (char *)malloc((size_t)n + 1) : NULL;
        if (all) {
            vsnprintf(all, (size_t)n + 1, fmt, again);
            size_t head = SIAM_ERROR_MSG_SIZE / 2 - 2, tail = SIAM_ERROR_MSG_SIZE - head - 4;
            memcpy(err->msg + head, "...", 3);
            memcpy(err->msg + head + 3, all + (size_t)n - tail, tail + 1);
            free(all);
        }
        va_end(again);
        va_end(ap);
    }
    return status;
}

/* Prepends context ("loading model.safetensors: ") to an existing message. */
static inline siam_status siam_error_prefix(siam_error *err, const char *prefix)
{
    if (!err)
        return SIAM_OK;
    if (prefix) {
        size_t pl = 0, ml = 0;
        while (prefix[pl])
            pl++;
        while (err->msg[ml])
            ml++;
        if (pl > SIAM_ERROR_MSG_SIZE - 1)
            pl = SIAM_ERROR_MSG_SIZE - 1;
        if (ml > SIAM_ERROR_MSG_SIZE - 1 - pl)
            ml = SIAM_ERROR_MSG_SIZE - 1 - pl; /* keep the prefix, cut the tail */
        for (size_t i = ml; i-- > 0;)
            err->msg[pl + i] = err->msg[i];
        for (size_t i = 0; i < pl; i++)
            err->msg[i] = prefix[i];
        err->msg[pl + ml] = '\0';
    }
    return err->status;
}

static inline void siam_error_clear(siam_error *err)
{
    if (err) {
        err->status = SIAM_OK;
        err->msg[0] = '\0';
    }
}

#ifdef __cplusplus
}
#endif
#endif
