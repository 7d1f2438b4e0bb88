/* Adam (Kingma & Ba) with L2 folded into the gradient, elementwise:
 * g' = g + 2*l2*w; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * w -= lr (m/c1) / (sqrt(v/c2) + eps), c1 = 1-b1^t and c2 = 1-b2^t are
 * computed on the host in double, as on the CPU.
 * Layout: w, g, m, v contiguous, n floats each. Work-items: one per
 * element, dim 0 over n. */
__kernel void adam_update(__global float *w, ulong w_off, __global const float *g, ulong g_off,
                          __global float *m, ulong m_off, __global float *v, ulong v_off, uint n,
                          float lr, float b1, float b2, float eps, float l2, float c1, float c2)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    float wi = w[w_off + i];
    float gi = g[g_off + i] + 2.0f * l2 * wi;
    float mi = b1 * m[m_off + i] + (1.0f - b1) * gi;
    float vi = b2 * v[v_off + i] + (1.0f - b2) * gi * gi;
    m[m_off + i] = mi;
    v[v_off + i] = vi;
    w[w_off + i] = wi - lr * (mi / c1) / (sqrt(vi / c2) + eps);
}
