/* Max-pool 2x2, stride 2, floor. Layout: x, dx (N,C,H,W); y, dy, idx
 * (N,C,OH,OW) with OH = H/2, OW = W/2; idx (int) is h*W + w of the maximum
 * within its (n,c) plane, first in row-major window order on ties; a NaN
 * wins so that it propagates.
 * Forward: one work-item per output element: dim 0 = column j (OW), dim 1 =
 * plane*OH + row i. Backward: one work-item per dx element (a gather, not a
 * scatter: windows never overlap, so each dx element has at most one
 * source): dim 0 = column w (W), dim 1 = plane*H + row h. Two dimensions
 * save the divisions a flat index needs (costly on CPU devices). */
__kernel void maxpool_fwd(__global const float *x, ulong x_off, __global float *y, ulong y_off,
                          __global int *idx, ulong idx_off, uint planes, uint H, uint W)
{
    uint OH = H / 2, OW = W / 2;
    uint j = get_global_id(0), row = get_global_id(1);
    if (j >= OW || row >= planes * OH)
        return;
    uint i = row % OH, pl = row / OH;
    ulong o = (ulong)row * OW + j;
    __global const float *xp = x + x_off + (ulong)pl * H * W;
    uint best = (2 * i) * W + 2 * j;
    uint cand[3] = {best + 1, best + W, best + W + 1};
    for (int c = 0; c < 3; c++) {
        float v = xp[cand[c]], b = xp[best];
        if (v > b || (isnan(v) && !isnan(b)))
            best = cand[c];
    }
    y[y_off + o] = xp[best];
    idx[idx_off + o] = (int)best;
}

__kernel void maxpool_bwd(__global const float *dy, ulong dy_off, __global const int *idx,
                          ulong idx_off, __global float *dx, ulong dx_off, uint planes, uint H,
                          uint W)
{
    uint OH = H / 2, OW = W / 2;
    uint w = get_global_id(0), row = get_global_id(1);
    if (w >= W || row >= planes * H)
        return;
    uint h = row % H, pl = row / H;
    ulong e = (ulong)row * W + w;
    float v = 0.0f;
    if (h / 2 < OH && w / 2 < OW) {
        ulong o = (ulong)pl * OH * OW + (h / 2) * OW + w / 2;
        if (idx[idx_off + o] == (int)(h * W + w))
            v = dy[dy_off + o];
    }
    dx[dx_off + e] = v;
}
