/* Binary cross-entropy on logits, mean over the batch.
 * Layout: z, y, dz (N); loss (1).
 * Forward runs as ONE work-group of LSIZE (a power of two) items: item l
 * sums the terms l, l+LSIZE, ... in order, then a fixed tree combines the
 * partial sums. No float atomics: the same inputs give the same bits. */
__kernel void bce_fwd(__global const float *z, ulong z_off, __global const float *y,
                      ulong y_off, __global float *loss, ulong loss_off, uint N,
                      __local float *part)
{
    uint l = get_local_id(0), L = get_local_size(0);
    float acc = 0.0f;
    for (uint i = l; i < N; i += L) {
        float zi = z[z_off + i];
        acc += fmax(zi, 0.0f) - zi * y[y_off + i] + log1p(exp(-fabs(zi)));
    }
    part[l] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = L / 2; step > 0; step /= 2) {
        if (l < step)
            part[l] += part[l + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        loss[loss_off] = part[0] / (float)N;
}

/* dz = (sigmoid(z) - y) / N; one work-item per element, dim 0 over N. */
__kernel void bce_bwd(__global const float *z, ulong z_off, __global const float *y,
                      ulong y_off, __global float *dz, ulong dz_off, uint N)
{
    uint i = get_global_id(0);
    if (i >= N)
        return;
    float zi = z[z_off + i], e = exp(-fabs(zi));
    float p = zi >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    dz[dz_off + i] = (p - y[y_off + i]) / (float)N;
}
