/* GEMMs through CLBlast (row-major), with the temp buffer CLBlast needs for
 * its padded copies taken from the op's workspace instead of allocated per
 * call: the workspace starts with ocl_gemm_temp_bytes() bytes for it.
 *
 * Every op arranges its GEMM as C = A^T B with A stored (k x m) and B
 * stored (k x n), i.e. ta = 1, tb = 0: that is the layout CLBlast's kernels
 * use without copying; any other costs CLBlast a transposed copy per call
 * (measured on PoCL: 8x slower for Koch's conv1 shapes). Operands stored
 * the other way are transposed first with our own kernel (transpose.cl). */
#include "ocl_internal.h"

#include <clblast_c.h>

static CLBlastTranspose tr(int t) { return t ? CLBlastTransposeYes : CLBlastTransposeNo; }

size_t ocl_gemm_temp_bytes(ocl_ctx *c, const ocl_gemm *g)
{
    /* The size depends on the Xgemm parameters (padding to tiles); a
     * failure to apply them returns in ocl_gemm_run. */
    ocl_xgemm_ensure(c, NULL);
    size_t bytes = 0;
    if (CLBlastSGemmTempBufferSize(CLBlastLayoutRowMajor, tr(g->ta), tr(g->tb), g->m, g->n, g->k,
                                   g->a_off, g->lda, g->b_off, g->ldb, g->c_off, g->ldc,
                                   &c->queue, &bytes) != CLBlastSuccess)
        return 0; /* ocl_gemm_run then lets CLBlast allocate its own */
    size_t align = c->base_align ? c->base_align : 128;
    return (bytes + align - 1) / align * align;
}

static siam_status run_one(ocl_ctx *c, const ocl_gemm *g, const siam_tensor *ws,
                           size_t temp_bytes, const char *what, siam_error *err)
{
    size_t need = 0;
    CLBlastStatusCode rc = CLBlastSGemmTempBufferSize(
        CLBlastLayoutRowMajor, tr(g->ta), tr(g->tb), g->m, g->n, g->k, g->a_off, g->lda, g->b_off,
        g->ldb, g->c_off, g->ldc, &c->queue, &need);
    cl_mem temp = NULL, sub = NULL;
    if (rc == CLBlastSuccess && need > 0 && need <= temp_bytes && ws && ws->buf) {
        size_t origin = ws->offset * sizeof(float);
        if (origin == 0) {
            temp = ws->buf->mem;
        } else if (origin % (c->base_align ? c->base_align : 128) == 0) {
            cl_buffer_region reg = {origin, temp_bytes};
            cl_int crc;
            sub = clCreateSubBuffer(ws->buf->mem, CL_MEM_READ_WRITE,
                                    CL_BUFFER_CREATE_TYPE_REGION, &reg, &crc);
            temp = crc == CL_SUCCESS ? sub : NULL;
        }
    }
    c->counters.launches++;
    c->counters.library_calls++;
    /* Without a usable temp region (an unaligned workspace view, or a size
     * the tuning database did not predict) CLBlast allocates its own. */
    if (temp)
        rc = CLBlastSgemmWithTempBuffer(CLBlastLayoutRowMajor, tr(g->ta), tr(g->tb), g->m, g->n,
                                        g->k, g->alpha, g->a, g->a_off, g->lda, g->b, g->b_off,
                                        g->ldb, g->beta, g->c, g->c_off, g->ldc, &c->queue, NULL,
                                        temp);
    else
        rc = CLBlastSgemm(CLBlastLayoutRowMajor, tr(g->ta), tr(g->tb), g->m, g->n, g->k, g->alpha,
                          g->a, g->a_off, g->lda, g->b, g->b_off, g->ldb, g->beta, g->c, g->c_off,
                          g->ldc, &c->queue, NULL);
    if (sub)
        clReleaseMemObject(sub); /* the queue keeps it alive until the GEMM ran */
    return rc == CLBlastSuccess ? SIAM_OK : ocl_clblast_fail(err, what, rc);
}

siam_status ocl_transpose(ocl_ctx *c, cl_mem src, cl_ulong src_off, cl_mem dst, cl_ulong dst_off,
                          size_t rows, size_t cols, siam_error *err)
{
    cl_uint r = (cl_uint)rows, n = (cl_uint)cols;
    ocl_arg args[] = {OCL_ARG(src), OCL_ARG(src_off), OCL_ARG(dst), OCL_ARG(dst_off),
                      OCL_ARG(r),   OCL_ARG(n)};
    size_t t = (size_t)c->tile;
    size_t local[2] = {t, t}, global[2] = {cols, rows};
    return ocl_launch(c, OCL_K_TRANSPOSE, 2, global, local, args, 6, err);
}

/* Splitting k on CPU devices: CLBlast's kernels on PoCL slow down 4x once
 * the A and B panels of one call outgrow the caches (measured: 128 x 3528 x
 * 3136, Koch's conv2, 3.3 GFLOP/s in one call, 14 GFLOP/s in chunks of
 * k = 392). So on a CPU device the k range is cut into chunks whose panels
 * take about OCL_CPU_PANEL_BYTES, accumulated with beta = 1 in increasing
 * k: a fixed order, so still deterministic. GPUs get one call. Only for
 * the ta = 1, tb = 0 arrangement every op uses (A, B stored k-major, so a
 * chunk is a row range of both). */
#define OCL_CPU_PANEL_BYTES ((size_t)6 << 20)

static size_t k_chunk(const ocl_ctx *c, const ocl_gemm *g)
{
    if (!g->ta || g->tb || c->tune.gemm_k_chunk < 0)
        return g->k;
    size_t kc;
    if (c->tune.gemm_k_chunk > 0) {
        kc = (size_t)c->tune.gemm_k_chunk;
    } else {
        if (!c->cpu_device)
            return g->k;
        kc = OCL_CPU_PANEL_BYTES / ((g->m + g->n) * sizeof(float)) / 16 * 16;
        if (kc < 64)
            kc = 64;
        if (g->k < 2 * kc)
            return g->k; /* a short tail chunk costs more than it saves */
    }
    return kc < g->k ? kc : g->k;
}

/* Splitting k on GPUs: a weight gradient's output is small (conv1: 64 x
 * 100) and its inner dimension long (every position of every image), so one
 * GEMM gives a GPU a handful of work-groups. Cut k into S slices, run them
 * as one strided batched GEMM into S partial outputs side by side, and sum
 * those in a fixed order (kernels/gemm_slices.cl). S aims at
 * OCL_SPLIT_GROUPS_PER_CU work-groups per compute unit, counting CLBlast's
 * output tiles as OCL_SPLIT_TILE square; each slice keeps at least
 * OCL_SPLIT_MIN_K of k and the partials at most OCL_SPLIT_MAX_BYTES. */
#define OCL_SPLIT_TILE 64
#define OCL_SPLIT_GROUPS_PER_CU 8
#define OCL_SPLIT_MIN_K 512
#define OCL_SPLIT_MAX_BYTES ((size_t)256 << 20)

typedef struct k_split {
    size_t slices; /* partial outputs; 1 = no split */
    size_t ks;     /* k per slice; the last may be shorter */
} k_split;

static k_split split_of(const ocl_ctx *c, const ocl_gemm *g)
{
    k_split sp = {1, g->k};
    if (!g->ta || g->tb || g->ldc != g->n || g->k < 2 || g->m == 0 || g->n == 0 ||
        c->tune.gemm_k_split < 0)
        return sp;
    size_t want;
    if (c->tune.gemm_k_split > 0) {
        want = (size_t)c->tune.gemm_k_split;
    } else {
        if (c->cpu_device)
            return sp; /* a CPU fills its few cores already; k_chunk keeps caches warm */
        size_t tiles = ((g->m + OCL_SPLIT_TILE - 1) / OCL_SPLIT_TILE) *
                       ((g->n + OCL_SPLIT_TILE - 1) / OCL_SPLIT_TILE);
        size_t cu = c->info.compute_units > 0 ? (size_t)c->info.compute_units : 1;
        size_t groups = OCL_SPLIT_GROUPS_PER_CU * cu;
        if (2 * tiles >= groups)
            return sp;
        want = (groups + tiles - 1) / tiles;
        if (want > g->k / OCL_SPLIT_MIN_K)
            want = g->k / OCL_SPLIT_MIN_K;
        size_t cap = OCL_SPLIT_MAX_BYTES / (g->m * g->n * sizeof(float));
        if (want > cap)
            want = cap;
    }
    if (want > g->k)
        want = g->k;
    if (want < 2)
        return sp;
    sp.ks = (g->k + want - 1) / want;
    sp.slices = (g->k + sp.ks - 1) / sp.ks;
    return sp;
}

size_t ocl_gemm_split_floats(const ocl_ctx *c, const ocl_gemm *g)
{
    k_split sp = split_of(c, g);
    return sp.slices > 1 ? sp.slices * g->m * g->n : 0;
}

static siam_status run_split(ocl_ctx *c, const ocl_gemm *g, k_split sp, const siam_tensor *ws,
                             size_t temp_bytes, const char *what, siam_error *err)
{
    size_t mn = g->m * g->n, full = g->k / sp.ks, rem = g->k - full * sp.ks;
    c->counters.launches++;
    c->counters.library_calls++;
    CLBlastStatusCode rc = CLBlastSgemmStridedBatched(
        CLBlastLayoutRowMajor, CLBlastTransposeYes, CLBlastTransposeNo, g->m, g->n, sp.ks, g->alpha,
        g->a, g->a_off, g->lda, sp.ks * g->lda, g->b, g->b_off, g->ldb, sp.ks * g->ldb, 0.0f,
        g->part, g->part_off, g->n, mn, full, &c->queue, NULL);
    if (rc != CLBlastSuccess)
        return ocl_clblast_fail(err, what, rc);
    if (rem) { /* the short last slice */
        ocl_gemm tail = *g;
        tail.k = rem;
        tail.a_off = g->a_off + full * sp.ks * g->lda;
        tail.b_off = g->b_off + full * sp.ks * g->ldb;
        tail.beta = 0.0f;
        tail.c = g->part, tail.c_off = g->part_off + full * mn, tail.ldc = g->n;
        siam_status st = run_one(c, &tail, ws, temp_bytes, what, err);
        if (st != SIAM_OK)
            return st;
    }
    cl_mem parts = g->part, cm = g->c;
    cl_ulong po = g->part_off, co = g->c_off;
    cl_uint S = (cl_uint)sp.slices, MN = (cl_uint)mn;
    float beta = g->beta;
    ocl_arg args[] = {OCL_ARG(parts), OCL_ARG(po), OCL_ARG(S),   OCL_ARG(MN),
                      OCL_ARG(cm),    OCL_ARG(co), OCL_ARG(beta)};
    return ocl_launch(c, OCL_K_GEMM_SLICES_SUM, 1, &mn, NULL, args, 7, err);
}

siam_status ocl_gemm_run(ocl_ctx *c, const ocl_gemm *g, const siam_tensor *ws, size_t temp_bytes,
                         const char *what, siam_error *err)
{
    siam_status st0 = ocl_xgemm_ensure(c, err);
    if (st0 != SIAM_OK)
        return st0;
    k_split sp = split_of(c, g);
    if (sp.slices > 1 && g->part && g->part_floats >= sp.slices * g->m * g->n)
        return run_split(c, g, sp, ws, temp_bytes, what, err);
    size_t kc = k_chunk(c, g);
    if (kc >= g->k)
        return run_one(c, g, ws, temp_bytes, what, err);
    for (size_t k0 = 0; k0 < g->k; k0 += kc) {
        ocl_gemm part = *g;
        part.k = g->k - k0 < kc ? g->k - k0 : kc;
        part.a_off = g->a_off + k0 * g->lda;
        part.b_off = g->b_off + k0 * g->ldb;
        part.beta = k0 == 0 ? g->beta : 1.0f;
        siam_status st = run_one(c, &part, ws, temp_bytes, what, err);
        if (st != SIAM_OK)
            return st;
    }
    return SIAM_OK;
}
