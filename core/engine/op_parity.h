/* siamese: how far two backends may differ on each op.
 *
 * The bound is on the normalised mean squared error of an op's outputs,
 * sum (a - b)^2 / sum a^2, when both backends run it on the same inputs;
 * 0 means bit-identical. The parity tool checks every backend's ops
 * against the cpu reference with these bounds, and training parity
 * (parity.c) checks each op of a real step the same way. */
#ifndef SIAMESE_CORE_OP_PARITY_H
#define SIAMESE_CORE_OP_PARITY_H

#include "siamese/backend.h"

/* The op's bound on the parity cases' inputs; *why (if not NULL) says
 * where the difference comes from. */
double siam_op_parity_nmse(siam_op op, const char **why);
/* The op's bound in a real training step: the same, or looser where real
 * data make a reduction cancel (op_parity.c). */
double siam_op_parity_step_nmse(siam_op op);

#endif
