/* siamese drivers: the processes a data-parallel training run spreads
 * over, as the training loop sees them.
 *
 * A communicator is a small table: this process's rank among `size`, a
 * sum of float buffers across every rank (each gets the sum), and a
 * broadcast from one rank. The training driver needs nothing else; the
 * graph core and the backends never see it. NULL in siam_train_options
 * means one process. core/train/comm_mpi.c implements it on MPI, built
 * only when MPI is found (SIAM_MPI). */
#ifndef SIAMESE_TRAIN_COMM_H
#define SIAMESE_TRAIN_COMM_H

#include "siamese/status.h"

#include <stddef.h>

typedef struct siam_comm siam_comm;
struct siam_comm {
    int rank, size;
    int local_rank; /* among the ranks on this machine: picks a GPU */
    /* buf[0..n) summed over the ranks in place; every rank gets the sum. */
    siam_status (*allreduce_sum)(siam_comm *c, float *buf, size_t n, siam_error *err);
    /* bytes of buf from rank `root` to every rank. */
    siam_status (*broadcast)(siam_comm *c, void *buf, size_t bytes, int root, siam_error *err);
    double reduce_seconds; /* time spent in allreduce_sum, for reports */
};

#endif
