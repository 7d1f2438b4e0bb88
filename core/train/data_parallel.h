/* siamese drivers: one training step spread over the ranks of a
 * communicator (comm.h), data-parallel.
 *
 * Every rank draws the whole batch of n pairs from the same sampler state
 * (so the sampler state is global: a checkpoint resumes on any number of
 * ranks), fills and trains its slice of it, and the slices' gradients,
 * each weighted by its share of the batch, are summed: every rank then
 * holds the gradient of the whole batch's mean loss and takes the same
 * optimiser step. N ranks at --batch B train the run one rank at --batch B
 * trains, up to float32 summation order. */
#ifndef SIAMESE_TRAIN_DATA_PARALLEL_H
#define SIAMESE_TRAIN_DATA_PARALLEL_H

#include "engine/graph.h"
#include "train/comm.h"

/* This rank's pairs of a batch of n: [*first, *first + *count). */
void siam_dp_slice(const siam_comm *c, int n, int *first, int *count);

/* What every rank learns from one step's reduction besides the gradients. */
typedef struct siam_dp_step {
    float loss;   /* the whole batch's mean loss */
    int signal;   /* a stop signal some rank caught, or 0 */
    double elapsed; /* rank 0's seconds of training: every rank's clock */
} siam_dp_step;

/* Sums the step's gradients over the ranks (this rank trained `count` of
 * the batch's `n` pairs to a mean loss `loss`; count 0: no gradients of its
 * own) and writes the sum back into the graph. `signal` is this rank's,
 * `elapsed` rank 0's (others pass 0); `host` holds n_params + 4 floats. */
siam_status siam_dp_reduce(siam_comm *c, siam_graph *g, float *host, size_t n_params, int count,
                           int n, float loss, int signal, double elapsed, siam_dp_step *out,
                           siam_error *err);

/* Rank 0's validation result, sent to every rank so that all take the
 * same decisions (best model, patience, collapse). *ok is rank 0's status
 * on input there, and everyone's on return. */
siam_status siam_dp_share(siam_comm *c, double *acc, double *spread, int *ok, siam_error *err);

#endif
