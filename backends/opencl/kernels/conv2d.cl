/* conv2d helpers around CLBlast's GEMM: valid padding, stride 1.
 *
 * Memory layout (all row-major, float, offsets in elements):
 *   x  (N,C,H,W)     w (K,C,R,S)     y, dy (N,K,OH,OW), P = OH*OW
 *   A sub-batch holds nb images starting at image n0. Within it
 *   col (CRS x nb*P): row (c,r,s), column j = n*P + oh*OW + ow holds
 *                     x[n0+n][c][oh+r][ow+s]   (darknet/Caffe order);
 *   tmp (K x nb*P):   the GEMM's view of y or dy for the sub-batch,
 *                     tmp[k][n*P + p] = y[n0+n][k][p].
 *   colT (nb*P x CRS) and tmpT (nb*P x K) are their transposes, which the
 *   filter gradient's GEMM wants (k = nb*P must be the row index of both
 *   operands for CLBlast's fast path: see transpose.cl).
 * Forward:      tmp = w (K x CRS) * col, then conv_scatter_bias (bias_act.cl) -> y.
 * Back data:    conv_gather dy -> tmp, dcol = w^T * tmp, col2im -> dx.
 * Back filter:  conv_gather_t dy -> tmpT, im2col_batched_t x -> colT,
 *               dw += tmpT^T * colT.
 * Every output element is written by exactly one work-item: no atomics, so
 * results do not depend on scheduling.
 */

/* Work-items: dim 0 = column j of col (nb*P), dim 1 = row (c,r,s).
 * Consecutive work-items write consecutive col addresses. */
__kernel void im2col_batched(__global const float *x, ulong x_off, __global float *col,
                             ulong col_off, uint C, uint H, uint W, uint R, uint S, uint OH,
                             uint OW, uint nb)
{
    uint j = get_global_id(0), row = get_global_id(1);
    uint P = OH * OW;
    if (j >= nb * P || row >= C * R * S)
        return;
    uint n = j / P, p = j % P, oh = p / OW, ow = p % OW;
    uint s = row % S, r = (row / S) % R, c = row / (R * S);
    col[col_off + (ulong)row * (nb * P) + j] =
        x[x_off + (((ulong)n * C + c) * H + oh + r) * W + ow + s];
}

/* colT[j][row] = col[row][j]; dim 0 = row (c,r,s), dim 1 = column j, so
 * consecutive work-items write consecutive colT addresses. */
__kernel void im2col_batched_t(__global const float *x, ulong x_off, __global float *colt,
                               ulong col_off, uint C, uint H, uint W, uint R, uint S, uint OH,
                               uint OW, uint nb)
{
    uint row = get_global_id(0), j = get_global_id(1);
    uint P = OH * OW, CRS = C * R * S;
    if (j >= nb * P || row >= CRS)
        return;
    uint n = j / P, p = j % P, oh = p / OW, ow = p % OW;
    uint s = row % S, r = (row / S) % R, c = row / (R * S);
    colt[col_off + (ulong)j * CRS + row] =
        x[x_off + (((ulong)n * C + c) * H + oh + r) * W + ow + s];
}

/* Gather form of col2im: one work-item per dx element (n,c,h,w) of the
 * sub-batch, dim 0 over nb*C*H*W. It sums the dcol entries that im2col
 * copied from (h,w), r and s ascending (the CPU's accumulation order), and
 * writes dx whole: no zeroing pass, no atomics. */
__kernel void col2im_batched(__global const float *dcol, ulong dcol_off, __global float *dx,
                             ulong dx_off, uint C, uint H, uint W, uint R, uint S, uint OH,
                             uint OW, uint nb)
{
    uint i = get_global_id(0);
    if (i >= nb * C * H * W)
        return;
    uint w = i % W, h = (i / W) % H, c = (i / (W * H)) % C, n = i / (W * H * C);
    uint P = OH * OW;
    ulong ld = (ulong)nb * P;
    float acc = 0.0f;
    uint r0 = h + 1 > OH ? h + 1 - OH : 0, r1 = h < R - 1 ? h : R - 1;
    uint s0 = w + 1 > OW ? w + 1 - OW : 0, s1 = w < S - 1 ? w : S - 1;
    for (uint r = r0; r <= r1 && r0 <= r1; r++)
        for (uint s = s0; s <= s1 && s0 <= s1; s++) {
            ulong row = ((ulong)c * R + r) * S + s;
            acc += dcol[dcol_off + row * ld + (ulong)n * P + (h - r) * OW + (w - s)];
        }
    dx[dx_off + i] = acc;
}

/* tmp[k][n*P+p] = dy[n0+n][k][p]; dim 0 over K*nb*P in tmp order. */
__kernel void conv_gather(__global const float *dy, ulong dy_off, __global float *tmp,
                          ulong tmp_off, uint K, uint P, uint nb)
{
    uint i = get_global_id(0);
    if (i >= nb * K * P)
        return;
    uint j = i % (nb * P), k = i / (nb * P);
    uint n = j / P, p = j % P;
    tmp[tmp_off + i] = dy[dy_off + ((ulong)n * K + k) * P + p];
}

/* tmpT[n*P+p][k] = dy[n0+n][k][p]; dim 0 over nb*P*K in tmpT order. */
__kernel void conv_gather_t(__global const float *dy, ulong dy_off, __global float *tmpt,
                            ulong tmp_off, uint K, uint P, uint nb)
{
    uint i = get_global_id(0);
    if (i >= nb * K * P)
        return;
    uint k = i % K, j = i / K;
    uint n = j / P, p = j % P;
    tmpt[tmp_off + i] = dy[dy_off + ((ulong)n * K + k) * P + p];
}

/* db[k] = sum over n, p of dy[n][k][p]. One work-group of LSIZE items per k:
 * item l sums the elements l, l+LSIZE, ... in order, then a fixed tree
 * combines the partial sums, so the result is the same on every run. */
__kernel void conv_bias_grad(__global const float *dy, ulong dy_off, __global float *db,
                             ulong db_off, uint N, uint K, uint P, __local float *part)
{
    uint k = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    float acc = 0.0f;
    for (uint e = l; e < N * P; e += L) {
        uint n = e / P, p = e % P;
        acc += dy[dy_off + ((ulong)n * K + k) * P + p];
    }
    part[l] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = L / 2; step > 0; step /= 2) {
        if (l < step)
            part[l] += part[l + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        db[db_off + k] = part[0];
}
