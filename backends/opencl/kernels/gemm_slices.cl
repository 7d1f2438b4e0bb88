/* The reduction after a GEMM split along its inner dimension (gemm.c):
 * c[i] = beta * c[i] + sum over s of parts[s * mn + i], the slices added in
 * increasing s, so the result does not depend on the device's scheduling.
 * beta 0 never reads c (it may hold NaN from an earlier use of the buffer).
 * One work-item per output element; consecutive items read consecutive
 * floats of each slice. */
__kernel void gemm_slices_sum(__global const float *parts, ulong parts_off, uint slices, uint mn,
                              __global float *c, ulong c_off, float beta)
{
    uint i = get_global_id(0);
    if (i >= mn)
        return;
    __global const float *p = parts + parts_off + i;
    float sum = 0.0f;
    for (uint s = 0; s < slices; s++)
        sum += p[(ulong)s * mn];
    c[c_off + i] = beta == 0.0f ? sum : beta * c[c_off + i] + sum;
}
