/* Per-device Xgemm parameters for CLBlast, as `siamese tune` stores them
 * (gemm_tune.c) and contexts apply them (gemm.c, before their first GEMM).
 *
 * File: <cache dir>/<key>.xgemm, key = ocl_cache_key over a tag naming
 * CLBlast's version, the device name, driver version and platform version
 * (as the program cache: a new driver or CLBlast is a new key). Text:
 *   siamese-xgemm 1
 *   device <device name>
 *   set <candidate name>
 *   GEMMK 0
 *   ... one line per parameter, in ocl_xgemm_names order ...
 * The file is hostile input: read only from a private folder, owned by us,
 * not a link, at most OCL_XGEMM_MAX_FILE bytes; every line exact, values in
 * range and within CLBlast's Xgemm constraints and the device's limits. */
#define _POSIX_C_SOURCE 200809L
#include "ocl_internal.h"

#include <clblast_c.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER "siamese-xgemm 1"
/* Header, device line (a 255-byte name), set line, 16 short lines. */
#define OCL_XGEMM_MAX_FILE 1024

const char *const ocl_xgemm_names[OCL_XGEMM_N] = {"GEMMK", "KREG", "KWG",   "KWI",  "MDIMA",
                                                  "MDIMC", "MWG",  "NDIMB", "NDIMC", "NWG",
                                                  "SA",    "SB",   "STRM",  "STRN", "VWM",
                                                  "VWN"};

enum { GEMMK, KREG, KWG, KWI, MDIMA, MDIMC, MWG, NDIMB, NDIMC, NWG, SA, SB, STRM, STRN, VWM, VWN };

void ocl_xgemm_path(const char *dir, const char *device, const char *driver,
                    const char *platform_version, char *out, size_t size)
{
    out[0] = '\0';
    if (!dir || !*dir)
        return;
    char tag[64], key[65];
    snprintf(tag, sizeof tag, "xgemm-params CLBlast %d.%d.%d", CLBLAST_VERSION_MAJOR,
             CLBLAST_VERSION_MINOR, CLBLAST_VERSION_PATCH);
    ocl_cache_key(tag, strlen(tag), "", device, driver, platform_version, key);
    int w = snprintf(out, size, "%s/%s.xgemm", dir, key);
    if (w < 0 || (size_t)w >= size)
        out[0] = '\0';
}

static int why(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return 0;
}

static int pow2_in(size_t v, size_t lo, size_t hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

int ocl_xgemm_check(const ocl_xgemm_set *s, size_t max_wg, uint64_t local_mem, char *reason,
                    size_t size)
{
    const size_t *v = s->v;
    /* The variant this file knows: the plain 2-D register tiling (GEMMK 0,
     * KREG 1); CLBlast's tuner constraints for it follow. */
    if (v[GEMMK] != 0 || v[KREG] != 1)
        return why(reason, size, "GEMMK must be 0 and KREG 1");
    if (v[SA] > 1 || v[SB] > 1 || v[STRM] > 1 || v[STRN] > 1)
        return why(reason, size, "SA, SB, STRM and STRN must be 0 or 1");
    if (!pow2_in(v[VWM], 1, 16) || !pow2_in(v[VWN], 1, 16))
        return why(reason, size, "VWM and VWN must be 1, 2, 4, 8 or 16");
    const int tiles[] = {KWG, KWI, MDIMA, MDIMC, MWG, NDIMB, NDIMC, NWG};
    for (size_t i = 0; i < sizeof tiles / sizeof tiles[0]; i++)
        if (!pow2_in(v[tiles[i]], 1, 256))
            return why(reason, size, "%s must be a power of two from 1 to 256",
                       ocl_xgemm_names[tiles[i]]);
    if (v[KWG] % v[KWI] || v[MWG] % (v[MDIMC] * v[VWM]) || v[NWG] % (v[NDIMC] * v[VWN]) ||
        v[MWG] % (v[MDIMA] * v[VWM]) || v[NWG] % (v[NDIMB] * v[VWN]))
        return why(reason, size, "tiles do not divide (KWG %% KWI, MWG %% MDIMC*VWM, ...)");
    size_t threads = v[MDIMC] * v[NDIMC];
    if (threads % v[MDIMA] || threads % v[NDIMB] || v[KWG] % (threads / v[MDIMA]) ||
        v[KWG] % (threads / v[NDIMB]))
        return why(reason, size, "KWG is not a multiple of MDIMC*NDIMC/MDIMA and /NDIMB");
    if (max_wg && threads > max_wg)
        return why(reason, size, "work-groups of %zu, the device allows %zu", threads, max_wg);
    uint64_t local = ((v[SA] ? v[KWG] * v[MWG] : 0) + (v[SB] ? v[KWG] * v[NWG] : 0)) * 4;
    if (local_mem && local > local_mem)
        return why(reason, size, "%llu bytes of local memory, the device has %llu",
                   (unsigned long long)local, (unsigned long long)local_mem);
    return 1;
}

/* The whole file, bounded; 1 when read. Refuses links, other owners,
 * files others may write, and anything but a regular file. */
static int read_bounded(const char *path, char *buf, size_t cap, size_t *len, char *reason,
                        size_t size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return why(reason, size, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno));
    struct stat st;
    int ok = fstat(fd, &st) == 0;
    if (ok && !S_ISREG(st.st_mode))
        ok = why(reason, size, "not a regular file");
    else if (ok && (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))))
        ok = why(reason, size, "owned by someone else or writable by others");
    size_t n = 0;
    while (ok && n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            ok = why(reason, size, "%s", strerror(errno));
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (ok && n == cap)
        ok = why(reason, size, "larger than %d bytes", OCL_XGEMM_MAX_FILE);
    *len = n;
    return ok;
}

/* The next '\n'-ended line of [*p, end) into line (NUL-terminated); 0 when
 * there is none or it is too long. */
static int next_line(const char **p, const char *end, char *line, size_t size)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl || (size_t)(nl - *p) >= size)
        return 0;
    memcpy(line, *p, (size_t)(nl - *p));
    line[nl - *p] = '\0';
    *p = nl + 1;
    return 1;
}

static int parse(const char *buf, size_t len, const char *device, ocl_xgemm_set *s,
                 char *reason, size_t size)
{
    const char *p = buf, *end = buf + len;
    char line[300];
    if (memchr(buf, '\0', len))
        return why(reason, size, "a NUL byte");
    if (!next_line(&p, end, line, sizeof line) || strcmp(line, HEADER) != 0)
        return why(reason, size, "line 1 is not '%s'", HEADER);
    if (!next_line(&p, end, line, sizeof line) || strncmp(line, "device ", 7) != 0)
        return why(reason, size, "line 2 is not 'device NAME'");
    if (strcmp(line + 7, device) != 0)
        return why(reason, size, "written for another device");
    if (!next_line(&p, end, line, sizeof line) || strncmp(line, "set ", 4) != 0 ||
        strlen(line + 4) == 0 || strlen(line + 4) >= sizeof s->name)
        return why(reason, size, "line 3 is not 'set NAME'");
    for (const char *q = line + 4; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-')
            return why(reason, size, "line 3: the set's name has a character other than "
                                     "letters, digits, '_' and '-'");
    snprintf(s->name, sizeof s->name, "%s", line + 4);
    for (int i = 0; i < OCL_XGEMM_N; i++) {
        size_t nl = strlen(ocl_xgemm_names[i]);
        if (!next_line(&p, end, line, sizeof line) ||
            strncmp(line, ocl_xgemm_names[i], nl) != 0 || line[nl] != ' ')
            return why(reason, size, "line %d is not '%s VALUE'", i + 4, ocl_xgemm_names[i]);
        const char *d = line + nl + 1;
        size_t digits = strspn(d, "0123456789");
        if (digits == 0 || digits > 3 || d[digits] != '\0')
            return why(reason, size, "line %d: %s is not a number from 0 to 999", i + 4,
                       ocl_xgemm_names[i]);
        s->v[i] = (size_t)strtoul(d, NULL, 10);
    }
    if (p != end)
        return why(reason, size, "text after the last parameter");
    return 1;
}

int ocl_xgemm_load(const char *path, const char *device, size_t max_wg, uint64_t local_mem,
                   ocl_xgemm_set *out, char *reason, size_t size)
{
    memset(out, 0, sizeof *out);
    if (!path || !*path)
        return 0;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    /* As the program cache: a folder others can write is not read at all. */
    if (!slash || !ocl_private_dir(dir))
        return 0;
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return 0;
    char buf[OCL_XGEMM_MAX_FILE];
    size_t len = 0;
    char r[200] = "";
    if (!read_bounded(path, buf, sizeof buf, &len, r, sizeof r) ||
        !parse(buf, len, device, out, r, sizeof r) ||
        !ocl_xgemm_check(out, max_wg, local_mem, r, sizeof r)) {
        why(reason, size, "%s", r);
        return -1;
    }
    return 1;
}

siam_status ocl_xgemm_store(const char *path, const char *device, const ocl_xgemm_set *s,
                            siam_error *err)
{
    char text[OCL_XGEMM_MAX_FILE];
    int n = snprintf(text, sizeof text, "%s\ndevice %s\nset %s\n", HEADER, device, s->name);
    for (int i = 0; i < OCL_XGEMM_N && n > 0 && (size_t)n < sizeof text; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s %zu\n", ocl_xgemm_names[i], s->v[i]);
    if (n <= 0 || (size_t)n >= sizeof text)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: tuned parameters too long");
    ocl_file_part part = {text, (size_t)n};
    int e = ocl_write_file_atomic(path, 0600, &part, 1);
    if (e)
        return siam_error_set(err, SIAM_ERR_IO, "opencl: cannot write %s: %s", path, strerror(e));
    return SIAM_OK;
}

siam_status ocl_xgemm_apply(cl_device_id device, const ocl_xgemm_set *s, siam_error *err)
{
    const char *names[OCL_XGEMM_N];
    for (int i = 0; i < OCL_XGEMM_N; i++)
        names[i] = ocl_xgemm_names[i];
    CLBlastStatusCode rc =
        CLBlastOverrideParameters(device, "Xgemm", CLBlastPrecisionSingle, OCL_XGEMM_N, names,
                                  s->v);
    /* CLBlast's compiled programs are keyed without the parameters: drop
     * them so that the next GEMM builds with the new ones. */
    if (rc == CLBlastSuccess)
        rc = CLBlastClearCache();
    if (rc != CLBlastSuccess)
        return siam_error_set(err, SIAM_ERR_BACKEND, "CLBlastOverrideParameters(Xgemm, set %s): %s",
                              s->name, ocl_clblast_name(rc));
    return SIAM_OK;
}

siam_status ocl_xgemm_ensure(ocl_ctx *c, siam_error *err)
{
    c->gemm_started = 1;
    if (!c->xgemm_pending)
        return SIAM_OK;
    siam_status st = ocl_xgemm_apply(c->device, &c->xgemm, err);
    if (st == SIAM_OK)
        c->xgemm_pending = 0; /* else kept: the next GEMM fails with the reason */
    return st;
}

int ocl_xgemm_find(cl_platform_id platform, const siam_device_info *info, const char *dir,
                   size_t max_wg, char *path, size_t path_size, ocl_xgemm_set *set,
                   char *reason, size_t reason_size)
{
    char pver[128] = "";
    if (clGetPlatformInfo(platform, CL_PLATFORM_VERSION, sizeof pver, pver, NULL) != CL_SUCCESS)
        pver[0] = '\0';
    pver[sizeof pver - 1] = '\0';
    ocl_xgemm_path(dir, info->name, info->driver, pver, path, path_size);
    return ocl_xgemm_load(path, info->name, max_wg, info->local_mem_bytes, set, reason,
                          reason_size);
}

void ocl_xgemm_note(siam_device_info *info, int found, const ocl_xgemm_set *set)
{
    size_t used = strlen(info->extra);
    if (found == 0 || used >= sizeof info->extra)
        return;
    if (found > 0)
        snprintf(info->extra + used, sizeof info->extra - used, "; Xgemm tuned: set %s",
                 set->name);
    else
        snprintf(info->extra + used, sizeof info->extra - used,
                 "; Xgemm: stored entry refused (siamese tune)");
}
