/* Momentum SGD with L2, elementwise: g' = g + 2*l2*w; v = mu*v - lr*g';
 * w = w + v. Layout: w, g, v contiguous, n floats each.
 * Work-items: one per element, dim 0 over n. */
__kernel void sgd_update(__global float *w, ulong w_off, __global const float *g, ulong g_off,
                         __global float *v, ulong v_off, uint n, float lr, float mu, float l2)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    float wi = w[w_off + i];
    float gi = g[g_off + i] + 2.0f * l2 * wi;
    float vi = mu * v[v_off + i] - lr * gi;
    v[v_off + i] = vi;
    w[w_off + i] = wi + vi;
}
