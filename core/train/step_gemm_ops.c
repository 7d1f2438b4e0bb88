/* The GEMM-shaped ops of a training step, as core/engine/graph.c lays them
 * out for one tower, from the net's shape table. */
#include "train/step_gemm_ops.h"

#include "engine/net.h"

#include <string.h>

siam_status siam_step_gemm_ops(const char *preset, int batch, siam_op_args *ops, int *n,
                               siam_error *err)
{
    *n = 0;
    if (batch <= 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "batch %d: must be positive", batch);
    siam_net_desc d;
    siam_net_shapes s;
    siam_status st = siam_net_preset(preset, &d, err);
    if (st == SIAM_OK)
        st = siam_net_shapes_of(&d, &s, err);
    if (st != SIAM_OK)
        return st;
    int64_t images = 2 * (int64_t)batch, c = d.in_c, h = d.in_h, w = d.in_w;
    for (int i = 0; i < d.n_layers; i++) {
        const siam_layer_desc *l = &d.layers[i];
        siam_op_args *o = ops + *n;
        if (l->kind == SIAM_LAYER_CONV) {
            siam_tensor x = siam_tensor_4d(NULL, 0, images, c, h, w);
            siam_tensor wt = siam_tensor_4d(NULL, 0, l->out, c, l->kernel, l->kernel);
            siam_tensor y = siam_tensor_4d(NULL, 0, images, s.c[i], s.h[i], s.w[i]);
            o[0] = (siam_op_args){.op = SIAM_OP_CONV2D_FWD, .t = {x, wt, {0}, y}};
            o[1] = (siam_op_args){.op = SIAM_OP_CONV2D_BWD_FILTER, .t = {x, y, wt}};
            o[2] = (siam_op_args){.op = SIAM_OP_CONV2D_BWD_DATA, .t = {y, wt, x}};
            *n += i > 0 ? 3 : 2; /* the input needs no gradient */
        } else if (l->kind == SIAM_LAYER_LINEAR) {
            int64_t in = c * h * w;
            siam_tensor x = siam_tensor_2d(NULL, 0, images, in);
            siam_tensor wt = siam_tensor_2d(NULL, 0, l->out, in);
            siam_tensor y = siam_tensor_2d(NULL, 0, images, l->out);
            o[0] = (siam_op_args){.op = SIAM_OP_LINEAR_FWD, .t = {x, wt, {0}, y}};
            o[1] = (siam_op_args){.op = SIAM_OP_LINEAR_BWD_PARAM, .t = {x, y, wt}};
            o[2] = (siam_op_args){.op = SIAM_OP_LINEAR_BWD_DATA, .t = {y, wt, x}};
            *n += i > 0 ? 3 : 2;
        }
        c = s.c[i], h = s.h[i], w = s.w[i];
    }
    return SIAM_OK;
}
