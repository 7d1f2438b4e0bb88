/* Device enumeration, selection and capability probing.
 *
 * Every platform and device is listed (no vendor whitelist); a device is
 * usable when it reports OpenCL >= 1.2. The flat device index used by
 * device_count/device_info runs platform by platform, device by device. */
#include "ocl_internal.h"

#include <clblast_c.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLATFORM_NOT_FOUND_KHR (-1001)

static void str_info_platform(cl_platform_id p, cl_platform_info what, char *out, size_t size)
{
    out[0] = '\0';
    if (clGetPlatformInfo(p, what, size, out, NULL) != CL_SUCCESS)
        out[0] = '\0';
    out[size - 1] = '\0';
}

static void str_info_device(cl_device_id d, cl_device_info what, char *out, size_t size)
{
    out[0] = '\0';
    if (clGetDeviceInfo(d, what, size, out, NULL) != CL_SUCCESS)
        out[0] = '\0';
    out[size - 1] = '\0';
}

siam_status ocl_enumerate(ocl_candidate **list, int *n, siam_error *err)
{
    *list = NULL;
    *n = 0;
    cl_uint np = 0;
    cl_int rc = clGetPlatformIDs(0, NULL, &np);
    if (rc == PLATFORM_NOT_FOUND_KHR || (rc == CL_SUCCESS && np == 0)) {
        siam_error_set(err, SIAM_OK,
                       "no OpenCL platform found (no ICD installed: see /etc/OpenCL/vendors "
                       "or OCL_ICD_VENDORS)");
        return SIAM_OK;
    }
    if (rc != CL_SUCCESS)
        return ocl_fail(err, "clGetPlatformIDs", "count", rc);
    cl_platform_id *plats = calloc(np, sizeof *plats);
    if (!plats)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of memory");
    rc = clGetPlatformIDs(np, plats, NULL);
    if (rc != CL_SUCCESS) {
        free(plats);
        return ocl_fail(err, "clGetPlatformIDs", "list", rc);
    }
    int cap = 0;
    ocl_candidate *v = NULL;
    for (cl_uint p = 0; p < np; p++) {
        cl_uint nd = 0;
        /* A platform without devices answers CL_DEVICE_NOT_FOUND: skip it. */
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || nd == 0)
            continue;
        cl_device_id *devs = calloc(nd, sizeof *devs);
        if (!devs || clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) != CL_SUCCESS) {
            free(devs);
            continue;
        }
        for (cl_uint d = 0; d < nd; d++) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                ocl_candidate *nv = realloc(v, (size_t)cap * sizeof *nv);
                if (!nv) {
                    free(devs);
                    free(plats);
                    free(v);
                    *n = 0;
                    return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "opencl: out of memory");
                }
                v = nv;
            }
            ocl_candidate *c = &v[(*n)++];
            memset(c, 0, sizeof *c);
            c->platform_index = (int)p;
            c->device_index = (int)d;
            c->platform = plats[p];
            c->device = devs[d];
            str_info_platform(plats[p], CL_PLATFORM_NAME, c->platform_name, sizeof c->platform_name);
            str_info_platform(plats[p], CL_PLATFORM_VENDOR, c->platform_vendor,
                              sizeof c->platform_vendor);
            str_info_device(devs[d], CL_DEVICE_NAME, c->name, sizeof c->name);
            str_info_device(devs[d], CL_DEVICE_VENDOR, c->vendor, sizeof c->vendor);
            if (clGetDeviceInfo(devs[d], CL_DEVICE_TYPE, sizeof c->type, &c->type, NULL) !=
                CL_SUCCESS)
                c->type = CL_DEVICE_TYPE_DEFAULT;
        }
        free(devs);
    }
    free(plats);
    *list = v;
    if (*n == 0)
        siam_error_set(err, SIAM_OK, "OpenCL platforms found, but no devices on them");
    return SIAM_OK;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t hl = strlen(hay), nl = strlen(needle);
    if (nl == 0 || nl > hl)
        return nl == 0;
    for (size_t i = 0; i + nl <= hl; i++) {
        size_t k = 0;
        while (k < nl && tolower((unsigned char)hay[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == nl)
            return 1;
    }
    return 0;
}

/* "P:D" with both parts decimal; 1 when sel has that form. */
static int parse_index(const char *sel, int *p, int *d)
{
    const char *colon = strchr(sel, ':');
    if (!colon || colon == sel || !colon[1])
        return 0;
    for (const char *s = sel; *s; s++)
        if (s != colon && !isdigit((unsigned char)*s))
            return 0;
    *p = atoi(sel);
    *d = atoi(colon + 1);
    return 1;
}

static void list_candidates(const ocl_candidate *list, int n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used + 1 < size; i++) {
        int w = snprintf(out + used, size - used, "%s%d:%d %s (%s)", i ? "; " : "",
                         list[i].platform_index, list[i].device_index, list[i].name,
                         list[i].platform_name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

siam_status ocl_select(const ocl_candidate *list, int n, const char *sel, int *pick,
                       siam_error *err)
{
    *pick = -1;
    if (n <= 0)
        return siam_error_set(err, SIAM_ERR_NOT_FOUND, "opencl: no OpenCL device found");
    if (!sel || !*sel) {
        for (int i = 0; i < n && *pick < 0; i++)
            if (list[i].type & CL_DEVICE_TYPE_GPU)
                *pick = i;
        if (*pick < 0)
            *pick = 0;
        return SIAM_OK;
    }
    int p, d;
    if (parse_index(sel, &p, &d)) {
        for (int i = 0; i < n; i++)
            if (list[i].platform_index == p && list[i].device_index == d)
                *pick = i;
    } else {
        for (int i = 0; i < n && *pick < 0; i++)
            if (contains_nocase(list[i].platform_name, sel) ||
                contains_nocase(list[i].platform_vendor, sel) ||
                contains_nocase(list[i].name, sel) || contains_nocase(list[i].vendor, sel))
                *pick = i;
    }
    if (*pick >= 0)
        return SIAM_OK;
    char cands[700];
    list_candidates(list, n, cands, sizeof cands);
    return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                          "opencl: no device matches '%s' (give P:D or a part of the platform, "
                          "vendor or device name); candidates: %s",
                          sel, cands);
}

static siam_device_type type_of(cl_device_type t)
{
    if (t & CL_DEVICE_TYPE_GPU)
        return SIAM_DEVICE_GPU;
    if (t & CL_DEVICE_TYPE_CPU)
        return SIAM_DEVICE_CPU;
    if (t & CL_DEVICE_TYPE_ACCELERATOR)
        return SIAM_DEVICE_ACCEL;
    return SIAM_DEVICE_OTHER;
}

siam_status ocl_describe(const ocl_candidate *cand, siam_device_info *info, siam_error *err)
{
    (void)err;
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", cand->name);
    snprintf(info->vendor, sizeof info->vendor, "%s", cand->vendor);
    char ver[128], drv[96];
    str_info_device(cand->device, CL_DEVICE_VERSION, ver, sizeof ver);
    str_info_device(cand->device, CL_DRIVER_VERSION, drv, sizeof drv);
    snprintf(info->driver, sizeof info->driver, "%s", drv);
    snprintf(info->platform, sizeof info->platform, "%s", cand->platform_name);
    snprintf(info->extra, sizeof info->extra, "%s; CLBlast %d.%d.%d; device %d:%d", ver,
             CLBLAST_VERSION_MAJOR, CLBLAST_VERSION_MINOR, CLBLAST_VERSION_PATCH,
             cand->platform_index, cand->device_index);
    info->type = type_of(cand->type);
    cl_ulong gmem = 0, amax = 0, lmem = 0;
    cl_uint cu = 0;
    clGetDeviceInfo(cand->device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
    clGetDeviceInfo(cand->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof amax, &amax, NULL);
    clGetDeviceInfo(cand->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL);
    clGetDeviceInfo(cand->device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    info->global_mem_bytes = gmem;
    info->max_alloc_bytes = amax;
    info->local_mem_bytes = lmem;
    info->compute_units = (int)cu;
    return SIAM_OK;
}

int ocl_score(void)
{
    ocl_candidate *list = NULL;
    int n = 0;
    if (ocl_enumerate(&list, &n, NULL) != SIAM_OK || n == 0) {
        free(list);
        return 0;
    }
    int gpu = 0;
    for (int i = 0; i < n; i++)
        gpu |= (list[i].type & CL_DEVICE_TYPE_GPU) != 0;
    free(list);
    /* A GPU beats the reference CPU backend (10); a CPU OpenCL device such
     * as PoCL is usable but not preferred by --backend auto. */
    return gpu ? 100 : 5;
}

size_t ocl_conv_budget_of(int cpu_device, const siam_device_info *info)
{
    if (cpu_device || info->global_mem_bytes == 0)
        return OCL_CONV_BUDGET_CPU;
    uint64_t share = info->global_mem_bytes / OCL_CONV_BUDGET_MEM_SHARE;
    if (share < OCL_CONV_BUDGET_CPU)
        return OCL_CONV_BUDGET_CPU;
    return share > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)share;
}
