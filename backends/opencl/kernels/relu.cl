/* ReLU. Layout: any contiguous tensor of n floats, offsets in elements.
 * Work-items: one per element, dim 0 over n. */
__kernel void relu_fwd(__global const float *x, ulong x_off, __global float *y, ulong y_off,
                       uint n)
{
    uint i = get_global_id(0);
    if (i < n) {
        float v = x[x_off + i];
        /* NaN stays NaN (the CPU's max(x,0) idiom keeps it too). */
        y[y_off + i] = v > 0.0f || isnan(v) ? v : 0.0f;
    }
}

/* dx = dy where y > 0, else 0. */
__kernel void relu_bwd(__global const float *y, ulong y_off, __global const float *dy,
                       ulong dy_off, __global float *dx, ulong dx_off, uint n)
{
    uint i = get_global_id(0);
    if (i < n)
        dx[dx_off + i] = y[y_off + i] > 0.0f ? dy[dy_off + i] : 0.0f;
}
