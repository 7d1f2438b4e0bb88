/* The cpu backend's GEMM (gemm.c): plain C, the reference the other
 * backends are checked against. */
#ifndef SIAMESE_CPU_GEMM_H
#define SIAMESE_CPU_GEMM_H

#include "cpu_kernels.h"

/* A cpu_gemm_fn; needs no set-up. */
void cpu_reference_gemm(int threads, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                        const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                        float *c, int64_t ldc, float *pack);
void cpu_reference_gemm_describe(char *buf, size_t size);

#endif
