/* Sigmoid. Layout: any contiguous tensor of n floats, offsets in elements.
 * Work-items: one per element, dim 0 over n. The exp(-|x|) form never
 * overflows (the CPU uses the same form, in double). */
__kernel void sigmoid_fwd(__global const float *x, ulong x_off, __global float *y, ulong y_off,
                          uint n)
{
    uint i = get_global_id(0);
    if (i < n) {
        float v = x[x_off + i];
        float e = exp(-fabs(v));
        y[y_off + i] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

/* dx = dy * y * (1 - y), evaluated left to right as on the CPU. */
__kernel void sigmoid_bwd(__global const float *y, ulong y_off, __global const float *dy,
                          ulong dy_off, __global float *dx, ulong dx_off, uint n)
{
    uint i = get_global_id(0);
    if (i < n) {
        float yi = y[y_off + i];
        dx[dx_off + i] = dy[dy_off + i] * yi * (1.0f - yi);
    }
}
