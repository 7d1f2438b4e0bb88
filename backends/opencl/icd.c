/* Vendor OpenCL libraries the ICD loader does not know about.
 *
 * GPU containers often carry the driver's OpenCL library (NVIDIA's
 * libnvidia-opencl.so.1 under /usr/local/nvidia/lib64) without an ICD file
 * naming it, so the loader offers only what is registered (often PoCL's CPU
 * device) and every "GPU" figure is a CPU one. Here: find such libraries,
 * say so (ocl_icd_notes), and write an ICD folder that registers them
 * (ocl_icd_register) for OCL_ICD_VENDORS, never touching /etc.
 *
 * SIAMESE_OPENCL_VENDOR_LIBS (paths separated by ':') adds libraries to
 * look at, for unusual installs and for tests (PoCL's own library stands
 * in for a vendor's there). */
#define _GNU_SOURCE
#include "ocl_internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ICD_SYSTEM_DIR "/etc/OpenCL/vendors"
#define ICD_MAX_LIBS 16

static const struct {
    const char *file, *vendor;
} known_libs[] = {
    {"libnvidia-opencl.so.1", "NVIDIA"},
    {"libamdocl64.so", "AMD"},
    {"libamdocl-orca64.so", "AMD"},
    {"libigdrcl.so", "Intel"},
};

static const char *known_dirs[] = {
    "/usr/local/nvidia/lib64",   "/usr/local/nvidia/lib",   "/usr/lib/x86_64-linux-gnu",
    "/usr/lib64",                "/usr/lib",                "/usr/local/lib",
    "/opt/rocm/lib",             "/opt/rocm/opencl/lib",    "/opt/amdgpu-pro/lib64",
    "/usr/lib/x86_64-linux-gnu/intel-opencl", "/opt/intel/opencl/lib64",
};

typedef struct vendor_lib {
    char path[PATH_MAX];
    char real[PATH_MAX];
    const char *vendor;
    int registered;
} vendor_lib;

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *base_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void add_lib(vendor_lib *v, int *n, const char *path, const char *vendor)
{
    if (*n >= ICD_MAX_LIBS || !is_regular(path))
        return;
    vendor_lib *l = &v[*n];
    if ((size_t)snprintf(l->path, sizeof l->path, "%s", path) >= sizeof l->path ||
        !realpath(path, l->real))
        return;
    for (int i = 0; i < *n; i++)
        if (strcmp(v[i].real, l->real) == 0)
            return; /* the same file by another name */
    l->vendor = vendor;
    l->registered = 0;
    (*n)++;
}

/* The folder the loader reads: OCL_ICD_VENDORS when it names one. */
static const char *icd_dir(void)
{
    const char *env = getenv("OCL_ICD_VENDORS");
    struct stat st;
    if (env && *env && stat(env, &st) == 0 && S_ISDIR(st.st_mode))
        return env;
    return ICD_SYSTEM_DIR;
}

/* The first line of an ICD file, trimmed; 0 if unreadable or empty. */
static int icd_entry(const char *dir, const char *name, char *out, size_t size)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    ssize_t got = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        got = read(fd, out, size - 1);
    close(fd);
    if (got <= 0)
        return 0;
    out[got] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    size_t len = strlen(out);
    while (len && (out[len - 1] == ' ' || out[len - 1] == '\t'))
        out[--len] = '\0';
    return len > 0;
}

static int is_icd_name(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".icd") == 0;
}

/* Marks the libraries some ICD file of the loader's folder names, by full
 * path or (as the loader resolves bare names) by file name. */
static void mark_registered(vendor_lib *v, int n)
{
    const char *dir = icd_dir();
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char entry[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!is_icd_name(e->d_name) || !icd_entry(dir, e->d_name, entry, sizeof entry))
            continue;
        char real[PATH_MAX];
        int has_path = strchr(entry, '/') != NULL;
        for (int i = 0; i < n; i++) {
            if (has_path ? realpath(entry, real) && strcmp(real, v[i].real) == 0
                         : strcmp(entry, base_of(v[i].path)) == 0 ||
                               strcmp(entry, base_of(v[i].real)) == 0)
                v[i].registered = 1;
        }
    }
    closedir(d);
}

static int find_libs(vendor_lib *v)
{
    int n = 0;
    const char *extra = getenv("SIAMESE_OPENCL_VENDOR_LIBS");
    if (extra && *extra) {
        char *copy = strdup(extra), *save = NULL;
        for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p; p = strtok_r(NULL, ":", &save))
            add_lib(v, &n, p, "a vendor");
        free(copy);
    }
    char path[PATH_MAX];
    const char *ld = getenv("LD_LIBRARY_PATH");
    char *ldcopy = ld && *ld ? strdup(ld) : NULL, *save = NULL;
    for (size_t k = 0; k < sizeof known_libs / sizeof known_libs[0]; k++) {
        for (size_t d = 0; d < sizeof known_dirs / sizeof known_dirs[0]; d++)
            if ((size_t)snprintf(path, sizeof path, "%s/%s", known_dirs[d], known_libs[k].file) <
                sizeof path)
                add_lib(v, &n, path, known_libs[k].vendor);
    }
    for (char *p = ldcopy ? strtok_r(ldcopy, ":", &save) : NULL; p; p = strtok_r(NULL, ":", &save))
        for (size_t k = 0; k < sizeof known_libs / sizeof known_libs[0]; k++)
            if ((size_t)snprintf(path, sizeof path, "%s/%s", p, known_libs[k].file) < sizeof path)
                add_lib(v, &n, path, known_libs[k].vendor);
    free(ldcopy);
    mark_registered(v, n);
    return n;
}

/* 1 if the library loads and offers what the ICD loader asks of it: the
 * extension lookup through which it finds clIcdGetPlatformIDsKHR (PoCL
 * exports no symbol of that name; NVIDIA's library exports both); else 0
 * and why. */
static int loads_as_icd(const char *path, char *why, size_t size)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, size, "%s", e ? e : "dlopen failed");
        return 0;
    }
    int ok = dlsym(h, "clIcdGetPlatformIDsKHR") != NULL ||
             dlsym(h, "clGetExtensionFunctionAddress") != NULL;
    if (!ok)
        snprintf(why, size, "no clGetExtensionFunctionAddress in it: not an OpenCL ICD");
    dlclose(h);
    return ok;
}

static void append(char *out, size_t size, const char *fmt, ...)
{
    size_t len = strlen(out);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + len, size - len, fmt, ap);
    va_end(ap);
}

void ocl_icd_notes(char *out, size_t size)
{
    out[0] = '\0';
    ocl_candidate *list = NULL;
    int n = 0, gpu = -1;
    siam_error err = {0};
    if (ocl_enumerate(&list, &n, &err) != SIAM_OK)
        n = 0;
    for (int i = 0; i < n && gpu < 0; i++)
        if (list[i].type & CL_DEVICE_TYPE_GPU)
            gpu = i;
    if (gpu < 0 && n > 0)
        append(out, size,
               "no OpenCL platform offers a GPU: the default device is the first one, %s (%s)\n",
               list[0].name, list[0].platform_name);
    free(list);
    if (gpu >= 0)
        return;
    vendor_lib v[ICD_MAX_LIBS];
    int nl = find_libs(v);
    for (int i = 0; i < nl; i++) {
        if (v[i].registered)
            continue;
        char why[512];
        if (!loads_as_icd(v[i].path, why, sizeof why))
            append(out, size, "%s OpenCL library %s is present but does not load (%s)\n",
                   v[i].vendor, v[i].path, why);
        else
            append(out, size,
                   "%s OpenCL library %s is present but no ICD file in %s registers it: run "
                   "'siamese backends --register-icd DIR', then set OCL_ICD_VENDORS=DIR\n",
                   v[i].vendor, v[i].path, icd_dir());
    }
}

/* Writes dir/name holding `line` (atomic.c: mkstemp, fsync, rename). */
static siam_status write_entry(const char *dir, const char *name, const char *line,
                               siam_error *err)
{
    char dst[PATH_MAX];
    if ((size_t)snprintf(dst, sizeof dst, "%s/%s", dir, name) >= sizeof dst)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: path too long: %s/%s", dir,
                              name);
    ocl_file_part parts[2] = {{line, strlen(line)}, {"\n", 1}};
    int e = ocl_write_file_atomic(dst, 0644, parts, 2);
    return e ? siam_error_set(err, SIAM_ERR_IO, "opencl: cannot write %s: %s", dst, strerror(e))
             : SIAM_OK;
}

siam_status ocl_icd_register(const char *dir, char *report, size_t size, siam_error *err)
{
    report[0] = '\0';
    if (!dir || !*dir)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: --register-icd needs a folder");
    /* A path that is there and is not a folder is refused whatever there is
     * to write: the same command must not pass or fail by the machine. */
    struct stat st;
    if (lstat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: %s exists and is not a folder",
                              dir);
    vendor_lib v[ICD_MAX_LIBS];
    int nl = find_libs(v), todo = 0;
    char why[512], problems[1024] = "";
    for (int i = 0; i < nl; i++) {
        if (v[i].registered)
            continue;
        if (loads_as_icd(v[i].path, why, sizeof why)) {
            todo++;
        } else {
            append(problems, sizeof problems, "%s%s (%s)", problems[0] ? "; " : "", v[i].path,
                   why);
            v[i].registered = -1; /* skipped */
        }
    }
    if (todo == 0) {
        if (problems[0])
            return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                                  "opencl: no vendor OpenCL library that loads: %s; nothing "
                                  "written",
                                  problems);
        snprintf(report, size,
                 "every vendor OpenCL library found is registered already (%d found); nothing "
                 "written\n",
                 nl);
        return SIAM_OK;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return siam_error_set(err, SIAM_ERR_IO, "opencl: cannot create folder %s: %s", dir,
                              strerror(errno));
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "opencl: %s is not a folder", dir);
    /* OCL_ICD_VENDORS replaces the loader's folder: carry its entries over,
     * so that what worked before (PoCL, say) still does. */
    const char *from = icd_dir();
    DIR *d = strcmp(from, dir) != 0 ? opendir(from) : NULL;
    struct dirent *e;
    char entry[PATH_MAX];
    siam_status s = SIAM_OK;
    while (d && s == SIAM_OK && (e = readdir(d)) != NULL) {
        if (!is_icd_name(e->d_name) || !icd_entry(from, e->d_name, entry, sizeof entry))
            continue;
        s = write_entry(dir, e->d_name, entry, err);
        if (s == SIAM_OK)
            append(report, size, "kept %s/%s (%s)\n", dir, e->d_name, entry);
    }
    if (d)
        closedir(d);
    for (int i = 0; i < nl && s == SIAM_OK; i++) {
        if (v[i].registered)
            continue;
        char name[NAME_MAX + 1];
        snprintf(name, sizeof name, "%.*s.icd", NAME_MAX - 4, base_of(v[i].path));
        s = write_entry(dir, name, v[i].path, err);
        if (s == SIAM_OK)
            append(report, size, "registered %s OpenCL library %s in %s/%s\n", v[i].vendor,
                   v[i].path, dir, name);
    }
    if (s != SIAM_OK)
        return s;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    if (problems[0])
        append(report, size, "skipped (does not load): %s\n", problems);
    append(report, size, "now: export OCL_ICD_VENDORS=%s\n", dir);
    return SIAM_OK;
}
