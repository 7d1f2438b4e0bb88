/* The BCE net's head (HEAD_FWD, HEAD_BWD): the weighted L1 distance of
 * each pair plus bias, and its gradients.
 * Layout: h, dh (2N,D) row-major, left twins first; alpha, dalpha (D);
 * b, db (1); z, dz (N). Reductions use fixed trees or fixed loops, never
 * float atomics: the same inputs give the same bits. */

/* z[i]: one work-group of LSIZE items per pair, dim 0 over N*LSIZE. */
__kernel void head_fwd(__global const float *h, ulong h_off, __global const float *alpha,
                       ulong a_off, __global const float *b, ulong b_off, uint has_bias,
                       __global float *z, ulong z_off, uint N, uint D, __local float *part)
{
    uint i = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    __global const float *x = h + h_off + (ulong)i * D;
    __global const float *y = h + h_off + ((ulong)N + i) * D;
    float acc = 0.0f;
    for (uint k = l; k < D; k += L)
        acc += alpha[a_off + k] * fabs(x[k] - y[k]);
    part[l] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = L / 2; step > 0; step /= 2) {
        if (l < step)
            part[l] += part[l + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        z[z_off + i] = has_bias ? part[0] + b[b_off] : part[0];
}

/* dh[i][k] = dz[i]*alpha[k]*sign(h[i][k]-h[N+i][k]), dh[N+i][k] = -dh[i][k];
 * one work-item per (i,k), dim 0 over N*D. */
__kernel void head_bwd_data(__global const float *h, ulong h_off, __global const float *alpha,
                            ulong a_off, __global const float *dz, ulong dz_off,
                            __global float *dh, ulong dh_off, uint N, uint D)
{
    uint j = get_global_id(0);
    if (j >= N * D)
        return;
    uint i = j / D, k = j % D;
    ulong twin = (ulong)N * D + j;
    float diff = h[h_off + j] - h[h_off + twin], dd = dz[dz_off + i] * alpha[a_off + k];
    float g = diff > 0.0f ? dd : (diff < 0.0f ? -dd : 0.0f);
    dh[dh_off + j] = g;
    dh[dh_off + twin] = -g;
}

/* dalpha[k] = sum_i dz[i]*|h[i][k]-h[N+i][k]| for items k < D, in
 * increasing i (neighbouring items read neighbouring addresses); item D,
 * when has_db, sums db = sum_i dz[i]. Dim 0 over D + has_db. */
__kernel void head_bwd_param(__global const float *h, ulong h_off, __global const float *dz,
                             ulong dz_off, __global float *dalpha, ulong da_off,
                             __global float *db, ulong db_off, uint has_db, uint N, uint D)
{
    uint k = get_global_id(0);
    float acc = 0.0f;
    if (k < D) {
        for (uint i = 0; i < N; i++)
            acc += dz[dz_off + i] *
                   fabs(h[h_off + (ulong)i * D + k] - h[h_off + ((ulong)N + i) * D + k]);
        dalpha[da_off + k] = acc;
    } else if (k == D && has_db) {
        for (uint i = 0; i < N; i++)
            acc += dz[dz_off + i];
        db[db_off] = acc;
    }
}
