/* The blas backend's GEMM: the reference backend's ops (the files of backends/cpu)
 * with cpu_gemm() served by CBLAS (OpenBLAS on Debian; any CBLAS works).
 * The library threads the GEMM itself, so `threads` and the pack area that
 * the reference GEMM uses are ignored here. Results differ from the
 * reference by summation order and FMA, within the parity tolerances. */
#include "cpu_internal.h"

#include <cblas.h>

void cpu_gemm(int threads, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
              int64_t ldc, float *pack)
{
    (void)threads, (void)pack;
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) { /* CBLAS leaves C alone when k = 0; the contract scales it */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b,
                (int)ldb, beta, c, (int)ldc);
}
