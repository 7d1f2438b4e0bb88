/* The fully connected layer's bias gradient (its GEMMs are CLBlast's, its
 * bias and activation bias_act.cl). Layout: dy (N,O) row-major; db (O). */

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
