/* Bias helpers for the fully connected layer (the GEMMs are CLBlast's).
 * Layout: y, dy (N,O) row-major; b, db (O). */

/* y[n][o] += b[o]; one work-item per element, dim 0 over N*O. */
__kernel void linear_bias(__global float *y, ulong y_off, __global const float *b, ulong b_off,
                          uint N, uint O)
{
    uint i = get_global_id(0);
    if (i < N * O)
        y[y_off + i] += b[b_off + i % O];
}

/* db[o] = sum_n dy[n][o]; one work-item per o, dim 0 over O, summing n in
 * increasing order (neighbouring work-items read neighbouring addresses). */
__kernel void linear_bias_grad(__global const float *dy, ulong dy_off, __global float *db,
                               ulong db_off, uint N, uint O)
{
    uint o = get_global_id(0);
    if (o >= O)
        return;
    float acc = 0.0f;
    for (uint n = 0; n < N; n++)
        acc += dy[dy_off + (ulong)n * O + o];
    db[db_off + o] = acc;
}
