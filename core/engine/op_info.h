/* siamese: what each backend op takes, in one table.
 *
 * The roles of siam_op_args.t[] for every op (see include/siamese/backend.h),
 * which of them are written, and a shape check of the whole contract. The
 * core validates every call with siam_op_validate() before dispatching it,
 * so a backend only decides whether it *can* run valid args (supports_op).
 * The parity tool walks the same table to allocate, fill and compare.
 */
#ifndef SIAMESE_CORE_OP_INFO_H
#define SIAMESE_CORE_OP_INFO_H

#include "siamese/backend.h"

typedef enum siam_role {
    SIAM_ROLE_NONE = 0, /* slot unused */
    SIAM_ROLE_IN,
    SIAM_ROLE_IN_OPT,   /* input that may be absent (buf NULL) */
    SIAM_ROLE_OUT,
    SIAM_ROLE_OUT_OPT,  /* output that may be absent */
    SIAM_ROLE_INOUT
} siam_role;

typedef struct siam_op_info {
    const char *name;                 /* "conv2d_fwd" */
    int n_tensors;
    siam_role role[SIAM_OP_MAX_TENSORS];
    const char *tensor_name[SIAM_OP_MAX_TENSORS];
} siam_op_info;

const siam_op_info *siam_op_get_info(siam_op op);
/* Checks every shape, dtype and presence rule of the op's contract. */
siam_status siam_op_validate(const siam_op_args *args, siam_error *err);

static inline int siam_role_is_output(siam_role r)
{
    return r == SIAM_ROLE_OUT || r == SIAM_ROLE_OUT_OPT || r == SIAM_ROLE_INOUT;
}

#endif
