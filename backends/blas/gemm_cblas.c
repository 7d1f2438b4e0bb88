/* The blas backend's GEMM, the one its flavour gives the shared CPU kernels
 * (backends/cpu_kernels): CBLAS sgemm (OpenBLAS on Debian; any CBLAS works).
 *
 * Threads: the GEMM is split by column blocks of C across the backend's own
 * threads, each calling a single-threaded sgemm. Why: when OpenBLAS runs
 * its own thread pool beside ours (the elementwise ops and im2col are
 * threaded too), its idle workers spin in sched_yield and take the cores
 * from our threads; measured on koch35 training (2 cores) this split is the
 * faster one. OpenBLAS's pool is turned down to one thread at context
 * creation (weak references, so that any other CBLAS still links).
 * Each column of C is computed by one call with the full K, but OpenBLAS
 * picks its kernel (a small-matrix one below a size) by the shape of each
 * call, so the last bits may change with the thread count (test_conv2d
 * checks thread-count independence on the reference backend only).
 * Results differ from the reference by summation order and FMA, within the
 * parity tolerances. */
#include "blas_internal.h"

#include <cblas.h>
#include <stdio.h>

/* OpenBLAS extensions; NULL when the CBLAS library is another one. */
extern void openblas_set_num_threads(int) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));

typedef struct gemm_job {
    int trans_a, trans_b;
    int64_t m, n, k, lda, ldb, ldc;
    const float *a, *b;
    float beta;
    float *c;
} gemm_job;

static void gemm_columns(void *arg, int64_t begin, int64_t end, int tid)
{
    (void)tid;
    const gemm_job *g = arg;
    /* begin/end count blocks of 16 columns, so a thread's share stays
     * aligned to the micro-kernel width. */
    int64_t j0 = begin * 16, j1 = end * 16 < g->n ? end * 16 : g->n;
    if (j0 >= j1)
        return;
    const float *b = g->trans_b ? g->b + j0 * g->ldb : g->b + j0;
    cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
                g->trans_b ? CblasTrans : CblasNoTrans, (int)g->m, (int)(j1 - j0), (int)g->k,
                1.0f, g->a, (int)g->lda, b, (int)g->ldb, g->beta, g->c + j0, (int)g->ldc);
}

void blas_gemm_init(void)
{
    if (openblas_set_num_threads)
        openblas_set_num_threads(1);
}

void blas_gemm_describe(char *buf, size_t size)
{
    snprintf(buf, size, "%s", openblas_get_config ? openblas_get_config() : "CBLAS (not OpenBLAS)");
}

void blas_gemm(int threads, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
               const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
               int64_t ldc, float *pack)
{
    (void)pack;
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) { /* CBLAS leaves C alone when k = 0; the contract scales it */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    gemm_job g = {trans_a, trans_b, m, n, k, lda, ldb, ldc, a, b, beta, c};
    int64_t blocks = (n + 15) / 16;
    /* Small products are not worth a thread start. */
    int t = m * n * k < (int64_t)1 << 20 ? 1 : threads;
    cpu_parallel_for(t, blocks, gemm_columns, &g);
}
