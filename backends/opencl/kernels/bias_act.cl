/* The layers' epilogue: bias and the fused activation written in one pass
 * over a convolution's or a fully connected layer's output.
 * act: 0 none, 1 relu, 2 sigmoid, computed exactly as relu.cl and
 * sigmoid.cl compute them. */

float activate(float v, uint act)
{
    if (act == 1u)
        return v > 0.0f || isnan(v) ? v : 0.0f;
    if (act == 2u) {
        float e = exp(-fabs(v));
        return v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
    return v;
}

/* Convolution: y[n0+n][k][p] = act(tmp[k][n*P+p] (+ b[k])), tmp (K, nb*P)
 * from the GEMM; dim 0 over nb*K*P in y order. */
__kernel void conv_scatter_bias(__global const float *tmp, ulong tmp_off, __global float *y,
                                ulong y_off, __global const float *b, ulong b_off,
                                uint has_bias, uint act, uint K, uint P, uint nb)
{
    uint i = get_global_id(0);
    if (i >= nb * K * P)
        return;
    uint p = i % P, k = (i / P) % K, n = i / (P * K);
    float v = tmp[tmp_off + (ulong)k * nb * P + (ulong)n * P + p];
    y[y_off + i] = activate(has_bias ? v + b[b_off + k] : v, act);
}

/* Fully connected: y[n][o] = act(y[n][o] (+ b[o])), y (N,O) row-major; one
 * work-item per element, dim 0 over N*O. */
__kernel void linear_bias(__global float *y, ulong y_off, __global const float *b, ulong b_off,
                          uint has_bias, uint act, uint N, uint O)
{
    uint i = get_global_id(0);
    if (i < N * O) {
        float v = y[y_off + i];
        y[y_off + i] = activate(has_bias ? v + b[b_off + i % O] : v, act);
    }
}
