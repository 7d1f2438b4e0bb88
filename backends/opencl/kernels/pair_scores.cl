/* All-pairs scores for one-shot evaluation, tiled over query x support.
 *
 * Layout: q (Q,D), s (S,D) row-major; alpha (D) and bias (1) optional;
 * out (Q,S) row-major.
 *   WL1: out[i][j] = bias + sum_k alpha_k |q[i][k] - s[j][k]|  (alpha absent = 1)
 *   L2:  out[i][j] = sqrt(sum_k (q[i][k] - s[j][k])^2)
 *
 * Work-items: a work-group of TILE x TILE items computes a TILE x TILE block
 * of out with RB x RB outputs per item: dim 0 (local x) walks supports, dim 1
 * (local y) walks queries, so a group covers (TILE*RB) queries x (TILE*RB)
 * supports. D is consumed in chunks of TILE: the group stages a chunk of its
 * query rows and support rows in local memory (each element loaded once per
 * group instead of once per output); the support chunk is stored
 * transposed so that items next to each other (along supports) read next
 * to each other, and both tiles are padded by one column against bank
 * conflicts while staging. Each
 * output sums k in increasing order, one chunk after another: the order
 * does not depend on the tile size or the device.
 */
#ifndef TILE
#define TILE 16
#endif
#define RB 2
#define BLK (TILE * RB)

/* The metric is a compile-time constant in each of the two kernels below,
 * so the inner loop carries no branch. A plain function, not C99 `inline`
 * alone, which gives no definition (a clang-based driver fails to link). */
void scores_tile(__global const float *q, ulong q_off, __global const float *s,
                        ulong s_off, __global const float *alpha, ulong alpha_off,
                        uint has_alpha, __global const float *bias, ulong bias_off,
                        uint has_bias, __global float *out, ulong out_off, uint Q, uint S,
                        uint D, const int l2, __local float (*qt)[TILE + 1],
                        __local float (*st)[BLK + 1], __local float *at)
{
    uint lx = get_local_id(0), ly = get_local_id(1);
    uint i0 = get_group_id(1) * BLK, j0 = get_group_id(0) * BLK;
    float acc[RB][RB];
    for (int a = 0; a < RB; a++)
        for (int b = 0; b < RB; b++)
            acc[a][b] = 0.0f;
    for (uint k0 = 0; k0 < D; k0 += TILE) {
        /* Stage BLK rows x TILE columns of q (as qt[row][k]) and of s
         * (transposed, as st[k][row]): each item loads RB of each, reading
         * along k so that neighbouring items read neighbouring addresses. */
        for (int r = 0; r < RB; r++) {
            uint row = ly + r * TILE, k = k0 + lx;
            uint qi = i0 + row, sj = j0 + row;
            qt[row][lx] = (qi < Q && k < D) ? q[q_off + (ulong)qi * D + k] : 0.0f;
            st[lx][row] = (sj < S && k < D) ? s[s_off + (ulong)sj * D + k] : 0.0f;
        }
        if (ly == 0)
            at[lx] = (k0 + lx < D) ? (has_alpha ? alpha[alpha_off + k0 + lx] : 1.0f) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        uint kn = D - k0 < TILE ? D - k0 : TILE;
        for (uint kk = 0; kk < kn; kk++) {
            /* q values are the same for a whole row of items (broadcast);
             * s values are contiguous along lx. */
            float qv[RB], sv[RB];
            for (int r = 0; r < RB; r++) {
                qv[r] = qt[ly + r * TILE][kk];
                sv[r] = st[kk][lx + r * TILE];
            }
            float av = at[kk];
            for (int a = 0; a < RB; a++)
                for (int b = 0; b < RB; b++) {
                    float d = qv[a] - sv[b];
                    if (l2)
                        acc[a][b] += d * d;
                    else
                        acc[a][b] += av * fabs(d);
                }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float bv = (!l2 && has_bias) ? bias[bias_off] : 0.0f;
    for (int a = 0; a < RB; a++)
        for (int b = 0; b < RB; b++) {
            uint i = i0 + ly + a * TILE, j = j0 + lx + b * TILE;
            if (i < Q && j < S)
                out[out_off + (ulong)i * S + j] = l2 ? sqrt(acc[a][b]) : acc[a][b] + bv;
        }
}

#define SCORES_KERNEL(NAME, L2)                                                                  \
    __kernel void NAME(__global const float *q, ulong q_off, __global const float *s,           \
                       ulong s_off, __global const float *alpha, ulong alpha_off,               \
                       uint has_alpha, __global const float *bias, ulong bias_off,              \
                       uint has_bias, __global float *out, ulong out_off, uint Q, uint S,       \
                       uint D)                                                                  \
    {                                                                                           \
        __local float qt[BLK][TILE + 1];                                                        \
        __local float st[TILE][BLK + 1];                                                        \
        __local float at[TILE];                                                                 \
        scores_tile(q, q_off, s, s_off, alpha, alpha_off, has_alpha, bias, bias_off, has_bias,  \
                    out, out_off, Q, S, D, L2, qt, st, at);                                     \
    }

SCORES_KERNEL(pair_scores_wl1, 0)
SCORES_KERNEL(pair_scores_l2, 1)

/* The plain variant, chosen for CPU devices (PoCL): one work-item per
 * output, dim 0 = support j, dim 1 = query i, summing k in increasing order
 * straight from global memory. On a CPU the caches do the tiling, and the
 * local-memory version's barriers cost more than they save. */
#define SCORES_PLAIN(NAME, L2)                                                                   \
    __kernel void NAME(__global const float *q, ulong q_off, __global const float *s,           \
                       ulong s_off, __global const float *alpha, ulong alpha_off,               \
                       uint has_alpha, __global const float *bias, ulong bias_off,              \
                       uint has_bias, __global float *out, ulong out_off, uint Q, uint S,       \
                       uint D)                                                                  \
    {                                                                                           \
        uint j = get_global_id(0), i = get_global_id(1);                                        \
        if (i >= Q || j >= S)                                                                   \
            return;                                                                             \
        __global const float *qi = q + q_off + (ulong)i * D;                                    \
        __global const float *sj = s + s_off + (ulong)j * D;                                    \
        float acc = 0.0f;                                                                       \
        for (uint k = 0; k < D; k++) {                                                          \
            float d = qi[k] - sj[k];                                                            \
            if (L2)                                                                             \
                acc += d * d;                                                                   \
            else                                                                                \
                acc += (has_alpha ? alpha[alpha_off + k] : 1.0f) * fabs(d);                     \
        }                                                                                       \
        out[out_off + (ulong)i * S + j] =                                                       \
            L2 ? sqrt(acc) : acc + (has_bias ? bias[bias_off] : 0.0f);                          \
    }

SCORES_PLAIN(pair_scores_plain_wl1, 0)
SCORES_PLAIN(pair_scores_plain_l2, 1)
