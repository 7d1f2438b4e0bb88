/* The twins' absolute difference. Layout: h (2N,D) row-major, rows 0..N-1
 * the left images, rows N..2N-1 the right ones; d, dd (N,D); dh (2N,D).
 * Work-items: one per (i,k) of the N*D half, dim 0 over N*D. */
__kernel void absdiff_fwd(__global const float *h, ulong h_off, __global float *d, ulong d_off,
                          uint half_n)
{
    uint i = get_global_id(0);
    if (i < half_n)
        d[d_off + i] = fabs(h[h_off + i] - h[h_off + half_n + i]);
}

/* dh[i] = dd*sign(h[i]-h[N+i]), dh[N+i] = -dh[i]; sign(0) = 0.
 * half_n = N*D. */
__kernel void absdiff_bwd(__global const float *h, ulong h_off, __global const float *dd,
                          ulong dd_off, __global float *dh, ulong dh_off, uint half_n)
{
    uint i = get_global_id(0);
    if (i >= half_n)
        return;
    float diff = h[h_off + i] - h[h_off + half_n + i];
    float g = diff > 0.0f ? dd[dd_off + i] : (diff < 0.0f ? -dd[dd_off + i] : 0.0f);
    dh[dh_off + i] = g;
    dh[dh_off + half_n + i] = -g;
}
