/* Max-pool 2x2, stride 2, floor. Layout: x, dx (N,C,H,W); y, dy (N,C,OH,OW)
 * with OH = H/2, OW = W/2. No argmax is kept: backward finds each window's
 * maximum again in x with the same rule (window_argmax): the first in
 * row-major window order on ties, and a NaN wins so that it propagates.
 * Forward: one work-item per output element: dim 0 = column j (OW), dim 1 =
 * plane*OH + row i. Backward: one work-item per dx element (a gather, not a
 * scatter: windows never overlap, so each dx element has at most one
 * source): dim 0 = column w (W), dim 1 = plane*H + row h. Two dimensions
 * save the divisions a flat index needs (costly on CPU devices). */

/* Offset of the maximum from the window's top-left corner r0. */
uint window_argmax(__global const float *r0, uint W)
{
    uint cand[4] = {0, 1, W, W + 1};
    uint best = 0;
    for (int c = 1; c < 4; c++) {
        float v = r0[cand[c]], b = r0[best];
        if (v > b || (isnan(v) && !isnan(b)))
            best = cand[c];
    }
    return best;
}

__kernel void maxpool_fwd(__global const float *x, ulong x_off, __global float *y, ulong y_off,
                          uint planes, uint H, uint W)
{
    uint OH = H / 2, OW = W / 2;
    uint j = get_global_id(0), row = get_global_id(1);
    if (j >= OW || row >= planes * OH)
        return;
    uint i = row % OH, pl = row / OH;
    __global const float *r0 = x + x_off + (ulong)pl * H * W + (2 * i) * W + 2 * j;
    y[y_off + (ulong)row * OW + j] = r0[window_argmax(r0, W)];
}

__kernel void maxpool_bwd(__global const float *x, ulong x_off, __global const float *dy,
                          ulong dy_off, __global float *dx, ulong dx_off, uint planes, uint H,
                          uint W)
{
    uint OH = H / 2, OW = W / 2;
    uint w = get_global_id(0), row = get_global_id(1);
    if (w >= W || row >= planes * H)
        return;
    uint h = row % H, pl = row / H;
    float v = 0.0f;
    if (h / 2 < OH && w / 2 < OW) {
        uint corner = (h & ~1u) * W + (w & ~1u);
        __global const float *xp = x + x_off + (ulong)pl * H * W;
        if (corner + window_argmax(xp + corner, W) == h * W + w)
            v = dy[dy_off + (ulong)pl * OH * OW + (h / 2) * OW + w / 2];
    }
    dx[dx_off + (ulong)row * W + w] = v;
}
