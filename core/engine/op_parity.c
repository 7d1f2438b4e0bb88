/* The parity bounds of every op (op_parity.h), one line per op in the
 * order of SIAM_OP_LIST: a missing, extra or misplaced entry is a build
 * error. Columns: the bound on the parity cases' inputs, the bound in a
 * real training step (teacher-forced parity), where it comes from.
 *
 * The two differ only for the ops that also reduce a bias gradient, db =
 * the sum of dy over every image (and position): in a real step the BCE
 * gradients of balanced labels nearly cancel there (p - y over pairs half
 * same, half different, p near 0.5 at the start), so a float sum differs
 * from a double one by far more than its size (NMSE 2e-7 seen on PoCL for
 * small35's fc1 at step 1); a wrong kernel is still ~1e-2 off.
 *
 * NMSE = sum (ref - got)^2 / sum ref^2 over an op's outputs (ggml's
 * metric). Each bound sits 2-4 orders of magnitude above the largest NMSE
 * seen on PoCL (GEMM ops ~4e-13, elementwise maths ~1e-14, see the report
 * `parity test` prints), which leaves room for a GPU's other summation
 * orders, and far below the ~1e-2..1 of a wrong result.
 *  - exact ops move or compare values and compute nothing new: any
 *    difference is a bug;
 *  - elementwise maths can differ by a few ulp: OpenCL contracts a*b+c into
 *    fma by default (FP_CONTRACT is on in OpenCL C), and exp/log/sqrt are
 *    only required to be within 3-4 ulp; the CPU evaluates some in double;
 *  - GEMM ops sum up to K products in another order (CLBlast tiles K; the
 *    CPU blocks K by 256), so each output carries ~sqrt(K) ulp of noise;
 *  - reductions sum in float along a tree on the device, in double in
 *    increasing order on the CPU. */
#include "engine/op_parity.h"

#define SIAM_OP_PARITY(X)                                                                        \
    X(CONV2D_FWD, 1e-9, 1e-9, "GEMM: K = C*R*S products summed in another order")                   \
    X(CONV2D_BWD_DATA, 1e-9, 1e-9, "GEMM over K then col2im sums of R*S terms")                     \
    X(CONV2D_BWD_FILTER, 1e-9, 1e-5, "GEMM over N*P products; db tree vs double, cancels in a step") \
    X(RELU_FWD, 0.0, 0.0, "exact: a comparison")                                                    \
    X(RELU_BWD, 0.0, 0.0, "exact: a selection")                                                     \
    X(MAXPOOL_FWD, 0.0, 0.0, "exact: a selection")                                                  \
    X(MAXPOOL_BWD, 0.0, 0.0, "exact: a gather")                                                     \
    X(LINEAR_FWD, 1e-9, 1e-9, "GEMM: I products summed in another order")                           \
    X(LINEAR_BWD_DATA, 1e-9, 1e-9, "GEMM: O products summed in another order")                      \
    X(LINEAR_BWD_PARAM, 1e-9, 1e-5, "GEMM over N; db float vs double, cancelling in a step")        \
    X(SIGMOID_FWD, 1e-11, 1e-11, "exp within a few ulp; the CPU works in double")                   \
    X(SIGMOID_BWD, 1e-12, 1e-12, "two products, fma contraction")                                   \
    X(ABSDIFF_FWD, 0.0, 0.0, "exact: one subtraction, correctly rounded")                           \
    X(ABSDIFF_BWD, 0.0, 0.0, "exact: a sign selection")                                             \
    X(BCE_FWD, 1e-10, 1e-10, "float tree reduction and log1p/exp vs double")                        \
    X(BCE_BWD, 1e-11, 1e-11, "exp within a few ulp; the CPU works in double")                       \
    X(CONTRASTIVE_FWD, 1e-10, 1e-10, "float tree reductions vs double, sqrt")                       \
    /* A dissimilar pair's gradient scales by (m - d)/d: near the margin the                        \
     * float distance's 1 ulp grows by d/|m - d| (1.1e-10 seen on PoCL for                          \
     * one seed in 60, N=1 D=3). */                                                                 \
    X(CONTRASTIVE_BWD, 1e-8, 1e-8, "distance reduced in float vs double; (m - d) cancels near the margin") \
    X(SGD_UPDATE, 1e-12, 1e-12, "fma contraction of mu*v - lr*g")                                   \
    X(ADAM_UPDATE, 1e-11, 1e-11, "fma contraction, sqrt and division")                              \
    X(PAIR_SCORES, 1e-10, 1e-10, "D terms summed in float vs double")                         \
    X(HEAD_FWD, 1e-10, 1e-10, "D terms summed in a float tree vs double")                        \
    X(HEAD_BWD, 1e-10, 1e-5, "dalpha, db: N terms in float vs double; db cancels in a step")

#define POSITION_(op, nmse, step, why) PARITY_AT_##op,
enum { SIAM_OP_PARITY(POSITION_) PARITY_ENTRIES };
#undef POSITION_
_Static_assert((int)PARITY_ENTRIES == (int)SIAM_OP_COUNT, "every op needs exactly one parity bound");
#define IN_ORDER_(op, nmse, step, why)                                                                 \
    _Static_assert((int)PARITY_AT_##op == (int)SIAM_OP_##op, "parity bound out of op order: " #op);
SIAM_OP_PARITY(IN_ORDER_)
#undef IN_ORDER_

static const struct {
    double nmse, step;
    const char *why;
} bounds[SIAM_OP_COUNT] = {
#define ENTRY_(op, nmse, step, why) {nmse, step, why},
    SIAM_OP_PARITY(ENTRY_)
#undef ENTRY_
};

double siam_op_parity_nmse(siam_op op, const char **why)
{
    if ((int)op < 0 || op >= SIAM_OP_COUNT) {
        if (why)
            *why = "no such op";
        return 0.0;
    }
    if (why)
        *why = bounds[op].why;
    return bounds[op].nmse;
}

double siam_op_parity_step_nmse(siam_op op)
{
    return (int)op >= 0 && op < SIAM_OP_COUNT ? bounds[op].step : 0.0;
}
