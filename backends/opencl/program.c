/* Programs and kernels: one program per kernels/NAME.cl, built lazily on the
 * first use of one of its kernels, from the on-disk binary cache when it
 * holds a valid entry, else from the embedded source. */
#include "ocl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *file;     /* kernels/<file>.cl */
    const char *function; /* __kernel name */
} kernel_table[OCL_K_COUNT] = {
    [OCL_K_IM2COL] = {"conv2d", "im2col_batched"},
    [OCL_K_IM2COL_T] = {"conv2d", "im2col_batched_t"},
    [OCL_K_COL2IM] = {"conv2d", "col2im_batched"},
    [OCL_K_CONV_SCATTER] = {"bias_act", "conv_scatter_bias"},
    [OCL_K_CONV_GATHER] = {"conv2d", "conv_gather"},
    [OCL_K_CONV_GATHER_T] = {"conv2d", "conv_gather_t"},
    [OCL_K_CONV_BIAS_GRAD] = {"conv2d", "conv_bias_grad"},
    [OCL_K_RELU_FWD] = {"relu", "relu_fwd"},
    [OCL_K_RELU_BWD] = {"relu", "relu_bwd"},
    [OCL_K_MAXPOOL_FWD] = {"maxpool", "maxpool_fwd"},
    [OCL_K_MAXPOOL_BWD] = {"maxpool", "maxpool_bwd"},
    [OCL_K_LINEAR_BIAS] = {"bias_act", "linear_bias"},
    [OCL_K_LINEAR_BIAS_GRAD] = {"linear", "linear_bias_grad"},
    [OCL_K_SIGMOID_FWD] = {"sigmoid", "sigmoid_fwd"},
    [OCL_K_SIGMOID_BWD] = {"sigmoid", "sigmoid_bwd"},
    [OCL_K_ABSDIFF_FWD] = {"absdiff", "absdiff_fwd"},
    [OCL_K_ABSDIFF_BWD] = {"absdiff", "absdiff_bwd"},
    [OCL_K_BCE_FWD] = {"bce", "bce_fwd"},
    [OCL_K_BCE_BWD] = {"bce", "bce_bwd"},
    [OCL_K_CONTRASTIVE_DIST] = {"contrastive", "contrastive_dist"},
    [OCL_K_CONTRASTIVE_LOSS] = {"contrastive", "contrastive_loss"},
    [OCL_K_CONTRASTIVE_BWD] = {"contrastive", "contrastive_bwd"},
    [OCL_K_SGD] = {"sgd", "sgd_update"},
    [OCL_K_ADAM] = {"adam", "adam_update"},
    [OCL_K_PAIR_SCORES_WL1] = {"pair_scores", "pair_scores_wl1"},
    [OCL_K_PAIR_SCORES_L2] = {"pair_scores", "pair_scores_l2"},
    [OCL_K_PAIR_SCORES_PLAIN_WL1] = {"pair_scores", "pair_scores_plain_wl1"},
    [OCL_K_PAIR_SCORES_PLAIN_L2] = {"pair_scores", "pair_scores_plain_l2"},
    [OCL_K_TRANSPOSE] = {"transpose", "transpose"},
    [OCL_K_GEMM_SLICES_SUM] = {"gemm_slices", "gemm_slices_sum"},
    [OCL_K_HEAD_FWD] = {"head", "head_fwd"},
    [OCL_K_HEAD_BWD_DATA] = {"head", "head_bwd_data"},
    [OCL_K_HEAD_BWD_PARAM] = {"head", "head_bwd_param"},
};

static int source_index(const char *file)
{
    for (int i = 0; i < ocl_source_count; i++)
        if (strcmp(ocl_sources[i].name, file) == 0)
            return i;
    return -1;
}

/* A program from a cached binary, or NULL (any failure is just a miss). */
static cl_program from_cache(ocl_ctx *c, const char *key)
{
    unsigned char *bin = NULL;
    size_t size = 0;
    if (!ocl_cache_load(c->cache_dir, key, &bin, &size, &c->stats.rejected))
        return NULL;
    cl_int rc, bin_rc = CL_SUCCESS;
    const unsigned char *bins[1] = {bin};
    cl_program p = clCreateProgramWithBinary(c->context, 1, &c->device, &size, bins, &bin_rc, &rc);
    free(bin);
    if (rc != CL_SUCCESS || bin_rc != CL_SUCCESS) {
        if (p)
            clReleaseProgram(p);
        c->stats.rejected++;
        return NULL;
    }
    if (clBuildProgram(p, 1, &c->device, c->options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(p);
        c->stats.rejected++;
        return NULL;
    }
    return p;
}

static void store_binary(ocl_ctx *c, cl_program p, const char *key)
{
    size_t size = 0;
    if (!c->cache_dir[0] ||
        clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS ||
        size == 0)
        return;
    unsigned char *bin = malloc(size);
    unsigned char *bins[1] = {bin};
    if (bin && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS &&
        ocl_cache_store(c->cache_dir, key, bin, size))
        c->stats.stores++;
    free(bin);
}

static siam_status build_log_error(ocl_ctx *c, cl_program p, const char *file, cl_int rc,
                                   siam_error *err)
{
    char log[700] = "";
    size_t n = 0;
    if (clGetProgramBuildInfo(p, c->device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, &n) !=
        CL_SUCCESS) {
        /* The log is longer than our message: fetch it whole, keep the head. */
        size_t need = 0;
        clGetProgramBuildInfo(p, c->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &need);
        char *full = need ? malloc(need + 1) : NULL;
        if (full && clGetProgramBuildInfo(p, c->device, CL_PROGRAM_BUILD_LOG, need, full, NULL) ==
                        CL_SUCCESS) {
            full[need] = '\0';
            snprintf(log, sizeof log, "%s", full);
        }
        free(full);
    }
    log[sizeof log - 1] = '\0';
    return siam_error_set(err, SIAM_ERR_BACKEND,
                          "clBuildProgram(kernels/%s.cl, options \"%s\"): %s; build log:\n%s",
                          file, c->options, ocl_error_name(rc), log[0] ? log : "(empty)");
}

/* read_cache 0 compiles even when an entry exists (and rewrites it);
 * cached_key (if not NULL) gets the key when the program came from the
 * cache, else "". */
static siam_status build(ocl_ctx *c, const char *name, const char *text, size_t len,
                         int read_cache, cl_program *out, char *cached_key, siam_error *err)
{
    *out = NULL;
    if (cached_key)
        cached_key[0] = '\0';
    char key[65];
    ocl_cache_key(text, len, c->options, c->info.name, c->info.driver, c->platform_version, key);
    cl_program p = read_cache ? from_cache(c, key) : NULL;
    if (p) {
        c->stats.hits++;
        if (cached_key)
            memcpy(cached_key, key, sizeof key);
        *out = p;
        return SIAM_OK;
    }
    cl_int rc;
    p = clCreateProgramWithSource(c->context, 1, &text, &len, &rc);
    if (rc != CL_SUCCESS)
        return ocl_fail(err, "clCreateProgramWithSource", name, rc);
    rc = clBuildProgram(p, 1, &c->device, c->options, NULL, NULL);
    if (rc != CL_SUCCESS) {
        siam_status st = build_log_error(c, p, name, rc, err);
        clReleaseProgram(p);
        return st;
    }
    c->stats.misses++;
    store_binary(c, p, key);
    *out = p;
    return SIAM_OK;
}

siam_status ocl_program_build(ocl_ctx *c, const char *name, const char *text, size_t len,
                              cl_program *out, siam_error *err)
{
    return build(c, name, text, len, 1, out, NULL, err);
}

static siam_status build_program(ocl_ctx *c, int si, int read_cache, siam_error *err)
{
    const ocl_source *src = &ocl_sources[si];
    return build(c, src->name, src->bytes, (size_t)src->size, read_cache, &c->programs[si],
                 c->program_key[si], err);
}

/* A cached binary that loads but lacks a kernel it should hold (an entry
 * written for another program, or by another version): dropped with its
 * kernels, compiled from source and its entry rewritten. */
static siam_status rebuild_program(ocl_ctx *c, int si, siam_error *err)
{
    for (int id = 0; id < OCL_K_COUNT; id++)
        if (c->kernels[id] && source_index(kernel_table[id].file) == si) {
            clReleaseKernel(c->kernels[id]);
            c->kernels[id] = NULL;
        }
    clReleaseProgram(c->programs[si]);
    c->programs[si] = NULL;
    c->stats.rejected++;
    return build_program(c, si, 0, err);
}

siam_status ocl_kernel(ocl_ctx *c, ocl_kernel_id id, cl_kernel *k, siam_error *err)
{
    if (c->kernels[id]) {
        *k = c->kernels[id];
        return SIAM_OK;
    }
    int si = source_index(kernel_table[id].file);
    if (si < 0 || si >= OCL_MAX_PROGRAMS)
        return siam_error_set(err, SIAM_ERR_BACKEND, "opencl: no embedded source kernels/%s.cl",
                              kernel_table[id].file);
    if (!c->programs[si]) {
        siam_status st = build_program(c, si, 1, err);
        if (st != SIAM_OK)
            return st;
    }
    cl_int rc;
    c->kernels[id] = clCreateKernel(c->programs[si], kernel_table[id].function, &rc);
    if (rc == CL_INVALID_KERNEL_NAME && c->program_key[si][0]) {
        siam_status st = rebuild_program(c, si, err);
        if (st != SIAM_OK)
            return st;
        c->kernels[id] = clCreateKernel(c->programs[si], kernel_table[id].function, &rc);
    }
    if (rc != CL_SUCCESS) {
        c->kernels[id] = NULL;
        return ocl_fail(err, "clCreateKernel", kernel_table[id].function, rc);
    }
    *k = c->kernels[id];
    return SIAM_OK;
}

siam_status ocl_build_all(ocl_ctx *c, siam_error *err)
{
    for (int id = 0; id < OCL_K_COUNT; id++) {
        cl_kernel k;
        siam_status st = ocl_kernel(c, (ocl_kernel_id)id, &k, err);
        if (st != SIAM_OK)
            return st;
    }
    return SIAM_OK;
}

void ocl_programs_release(ocl_ctx *c)
{
    for (int i = 0; i < OCL_K_COUNT; i++)
        if (c->kernels[i]) {
            clReleaseKernel(c->kernels[i]);
            c->kernels[i] = NULL;
        }
    for (int i = 0; i < OCL_MAX_PROGRAMS; i++)
        if (c->programs[i]) {
            clReleaseProgram(c->programs[i]);
            c->programs[i] = NULL;
        }
}

/* The kernel's CL_KERNEL_WORK_GROUP_SIZE on this device (asked once),
 * capped by the wg_limit test hook. */
static siam_status kernel_wg(ocl_ctx *c, ocl_kernel_id id, cl_kernel k, size_t *out,
                             siam_error *err)
{
    if (!c->kernel_wg[id]) {
        size_t wg = 0;
        cl_int rc = clGetKernelWorkGroupInfo(k, c->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg,
                                             &wg, NULL);
        if (rc != CL_SUCCESS)
            return ocl_fail(err, "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)",
                            kernel_table[id].function, rc);
        c->kernel_wg[id] = wg ? wg : 1;
    }
    *out = c->tune.wg_limit && c->tune.wg_limit < c->kernel_wg[id] ? c->tune.wg_limit : c->kernel_wg[id];
    return SIAM_OK;
}

siam_status ocl_launch(ocl_ctx *c, ocl_kernel_id id, cl_uint dims, const size_t *global,
                       const size_t *local, const ocl_arg *args, int nargs, siam_error *err)
{
    cl_kernel k;
    siam_status st = ocl_kernel(c, id, &k, err);
    if (st != SIAM_OK)
        return st;
    size_t l[3] = {1, 1, 1}, want = 1, fit = 0, shrink = 1;
    for (cl_uint d = 0; local && d < dims; d++)
        l[d] = local[d], want *= local[d];
    if (local) {
        st = kernel_wg(c, id, k, &fit, err);
        if (st != SIAM_OK)
            return st;
    }
    if (local && want > fit) {
        if (dims != 1)
            return siam_error_set(err, SIAM_ERR_UNSUPPORTED,
                                  "kernel %s needs work-groups of %zu items; %s allows it %zu "
                                  "(CL_KERNEL_WORK_GROUP_SIZE)",
                                  kernel_table[id].function, want, c->info.name, fit);
        size_t p = 1;
        while (p * 2 <= fit)
            p *= 2;
        shrink = l[0] / p;
        l[0] = p;
    }
    for (int i = 0; i < nargs; i++) {
        size_t size = args[i].value ? args[i].size : args[i].size / shrink;
        cl_int rc = clSetKernelArg(k, (cl_uint)i, size, args[i].value);
        if (rc != CL_SUCCESS) {
            char what[96];
            snprintf(what, sizeof what, "%s, arg %d", kernel_table[id].function, i);
            return ocl_fail(err, "clSetKernelArg", what, rc);
        }
    }
    size_t g[3];
    for (cl_uint d = 0; d < dims; d++) {
        if (global[d] == 0)
            return SIAM_OK; /* nothing to do */
        g[d] = local ? (global[d] + local[d] - 1) / local[d] * l[d] : global[d];
    }
    c->counters.launches++;
    cl_int rc = clEnqueueNDRangeKernel(c->queue, k, dims, NULL, g, local ? l : NULL, 0, NULL, NULL);
    if (rc != CL_SUCCESS)
        return ocl_fail(err, "clEnqueueNDRangeKernel", kernel_table[id].function, rc);
    return SIAM_OK;
}
