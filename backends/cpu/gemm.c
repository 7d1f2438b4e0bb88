/* The reference GEMM: packed panels and a 6x16 register tile.
 *
 * C[MxN] = op(A)[MxK] * op(B)[KxN] + beta*C, all row-major.
 * Blocking: K in chunks of KC, N in chunks of NC. Threads take whole NC
 * column blocks, so each C element is produced by one thread, always as
 * ((beta*C + sum over k-chunk 0) + sum over k-chunk 1) + ..., with each
 * chunk summed in increasing k: results do not depend on the thread count.
 * No FMA contraction (ISO C11 mode), so they do not depend on the CPU either.
 * The register tile is 6x16: 12 accumulators of 8 floats fit AVX2's 16
 * registers next to two B vectors and an A broadcast.
 */
#include "gemm.h"

#include <stdio.h>
#include <string.h>

#define MR 6
#define NR 16

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
/* One build runs everywhere, and uses AVX2 where the CPU has it. */
#define CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CPU_CLONES
#endif

typedef struct gemm_job {
    int trans_a, trans_b;
    int64_t m, n, k;
    const float *a, *b;
    int64_t lda, ldb, ldc;
    float beta;
    float *c;
    float *pack;
} gemm_job;

/* Bp: panels of NR columns; panel p holds kc rows of NR values, zero-padded
 * past column nc. Loops run along B's memory order in both layouts. */
static void pack_b(const gemm_job *g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float *bp)
{
    int64_t panels = (nc + NR - 1) / NR;
    for (int64_t p = 0; p < panels; p++) {
        float *dst = bp + p * kc * NR;
        int64_t jn = nc - p * NR < NR ? nc - p * NR : NR;
        const float *b = g->b;
        if (!g->trans_b) {
            for (int64_t kk = 0; kk < kc; kk++) {
                const float *src = b + (k0 + kk) * g->ldb + j0 + p * NR;
                memcpy(dst + kk * NR, src, (size_t)jn * sizeof(float));
                for (int64_t jj = jn; jj < NR; jj++)
                    dst[kk * NR + jj] = 0.0f;
            }
        } else {
            for (int64_t jj = 0; jj < NR; jj++) {
                if (jj >= jn) {
                    for (int64_t kk = 0; kk < kc; kk++)
                        dst[kk * NR + jj] = 0.0f;
                    continue;
                }
                const float *src = b + (j0 + p * NR + jj) * g->ldb + k0;
                for (int64_t kk = 0; kk < kc; kk++)
                    dst[kk * NR + jj] = src[kk];
            }
        }
    }
}

/* Ap: kc rows of MR values (rows i0.. of op(A)), zero-padded past mr. */
static void pack_a(const gemm_job *g, int64_t i0, int64_t mr, int64_t k0, int64_t kc, float *ap)
{
    if (g->trans_a) {
        for (int64_t kk = 0; kk < kc; kk++) {
            const float *src = g->a + (k0 + kk) * g->lda + i0;
            for (int r = 0; r < MR; r++)
                ap[kk * MR + r] = r < mr ? src[r] : 0.0f;
        }
    } else {
        for (int r = 0; r < MR; r++) {
            const float *src = g->a + (i0 + r) * g->lda + k0;
            for (int64_t kk = 0; kk < kc; kk++)
                ap[kk * MR + r] = r < mr ? src[kk] : 0.0f;
        }
    }
}

#if defined(__GNUC__)
/* GCC/Clang vector extensions: the compiler auto-vectorised the plain loop
 * across the tile's rows (shuffles, spills) at a tenth of this speed. */
typedef float v8f __attribute__((vector_size(32)));

/* A macro, not a function: returning a vector by value is ABI-dependent. */
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v))

CPU_CLONES
static void micro_kernel(int64_t kc, const float *restrict ap, const float *restrict bp,
                         float out[restrict MR][NR])
{
    v8f c[MR][2];
    for (int r = 0; r < MR; r++)
        c[r][0] = c[r][1] = (v8f){0};
    for (int64_t kk = 0; kk < kc; kk++) {
        v8f b0, b1;
        LOAD8(b0, bp + kk * NR);
        LOAD8(b1, bp + kk * NR + 8);
        const float *a = ap + kk * MR;
        for (int r = 0; r < MR; r++) {
            c[r][0] += a[r] * b0;
            c[r][1] += a[r] * b1;
        }
    }
    for (int r = 0; r < MR; r++) {
        memcpy(&out[r][0], &c[r][0], sizeof c[r][0]);
        memcpy(&out[r][8], &c[r][1], sizeof c[r][1]);
    }
}
#else
static void micro_kernel(int64_t kc, const float *restrict ap, const float *restrict bp,
                         float out[restrict MR][NR])
{
    float acc[MR][NR] = {{0}};
    for (int64_t kk = 0; kk < kc; kk++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                acc[r][j] += ap[kk * MR + r] * bp[kk * NR + j];
    memcpy(out, acc, sizeof acc);
}
#endif

static void gemm_columns(void *arg, int64_t begin, int64_t end, int tid)
{
    const gemm_job *g = arg;
    float *bp = g->pack + (size_t)tid * CPU_GEMM_PACK_FLOATS;
    float ap[CPU_GEMM_KC * MR];
    for (int64_t blk = begin; blk < end; blk++) {
        int64_t j0 = blk * CPU_GEMM_NC;
        int64_t nc = g->n - j0 < CPU_GEMM_NC ? g->n - j0 : CPU_GEMM_NC;
        for (int64_t i = 0; i < g->m; i++) {
            float *crow = g->c + i * g->ldc + j0;
            for (int64_t j = 0; j < nc; j++)
                crow[j] = g->beta == 0.0f ? 0.0f : g->beta * crow[j];
        }
        for (int64_t k0 = 0; k0 < g->k; k0 += CPU_GEMM_KC) {
            int64_t kc = g->k - k0 < CPU_GEMM_KC ? g->k - k0 : CPU_GEMM_KC;
            pack_b(g, k0, kc, j0, nc, bp);
            for (int64_t i0 = 0; i0 < g->m; i0 += MR) {
                int64_t mr = g->m - i0 < MR ? g->m - i0 : MR;
                pack_a(g, i0, mr, k0, kc, ap);
                for (int64_t p = 0; p * NR < nc; p++) {
                    float acc[MR][NR];
                    micro_kernel(kc, ap, bp + p * kc * NR, acc);
                    int64_t nr = nc - p * NR < NR ? nc - p * NR : NR;
                    for (int64_t r = 0; r < mr; r++) {
                        float *crow = g->c + (i0 + r) * g->ldc + j0 + p * NR;
                        for (int64_t j = 0; j < nr; j++)
                            crow[j] += acc[r][j];
                    }
                }
            }
        }
    }
}

void cpu_reference_gemm_describe(char *buf, size_t size)
{
    snprintf(buf, size, "reference 6x16 GEMM");
}

void cpu_reference_gemm(int threads, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                        const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                        float *c, int64_t ldc, float *pack)
{
    gemm_job g = {trans_a, trans_b, m, n, k, a, b, lda, ldb, ldc, beta, c, pack};
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    int64_t blocks = (n + CPU_GEMM_NC - 1) / CPU_GEMM_NC;
    cpu_parallel_for(threads, blocks, gemm_columns, &g);
}
