/* Contrastive loss (Hadsell, Chopra & LeCun 2006) on D_i = ||h[i]-h[N+i]||,
 * label y = 1 for the SAME class: loss = mean(y D^2/2 + (1-y) max(0,m-D)^2/2).
 * Layout: h, dh (2N,Dim) row-major (left twins first); y, dist (N); loss (1).
 * Reductions use fixed trees in local memory, never float atomics. */

/* dist[i]: one work-group of LSIZE items per pair, dim 0 over N*LSIZE. */
__kernel void contrastive_dist(__global const float *h, ulong h_off, __global float *dist,
                               ulong dist_off, uint N, uint Dim, __local float *part)
{
    uint i = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    __global const float *a = h + h_off + (ulong)i * Dim;
    __global const float *b = h + h_off + ((ulong)N + i) * Dim;
    float acc = 0.0f;
    for (uint k = l; k < Dim; k += L) {
        float d = a[k] - b[k];
        acc += d * d;
    }
    part[l] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = L / 2; step > 0; step /= 2) {
        if (l < step)
            part[l] += part[l + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        dist[dist_off + i] = sqrt(part[0]);
}

/* loss from dist and y: ONE work-group of LSIZE items. */
__kernel void contrastive_loss(__global const float *dist, ulong dist_off,
                               __global const float *y, ulong y_off, __global float *loss,
                               ulong loss_off, uint N, float margin, __local float *part)
{
    uint l = get_local_id(0), L = get_local_size(0);
    float acc = 0.0f;
    for (uint i = l; i < N; i += L) {
        float d = dist[dist_off + i], yi = y[y_off + i];
        float hinge = fmax(margin - d, 0.0f);
        acc += yi * 0.5f * d * d + (1.0f - yi) * 0.5f * hinge * hinge;
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

/* dh from dist (computed by contrastive_dist into the workspace): one
 * work-item per (i,k) of the left half, dim 0 over N*Dim; it writes both
 * dh[i][k] and dh[N+i][k] = -dh[i][k]. At D = 0 the dissimilar term's
 * gradient is taken as 0. */
__kernel void contrastive_bwd(__global const float *h, ulong h_off, __global const float *y,
                              ulong y_off, __global const float *dist, ulong dist_off,
                              __global float *dh, ulong dh_off, uint N, uint Dim, float margin)
{
    uint e = get_global_id(0);
    if (e >= N * Dim)
        return;
    uint i = e / Dim;
    float d = dist[dist_off + i], yi = y[y_off + i];
    float hinge = fmax(margin - d, 0.0f);
    float coef = yi;
    if (d > 0.0f)
        coef -= (1.0f - yi) * hinge / d;
    coef /= (float)N;
    ulong hoff = (ulong)N * Dim;
    float diff = h[h_off + e] - h[h_off + hoff + e];
    dh[dh_off + e] = coef * diff;
    dh[dh_off + hoff + e] = -coef * diff;
}
