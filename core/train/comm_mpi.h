/* The MPI communicator (comm.h), for `mpirun -np N siamese train` and
 * `srun`. Only in builds with SIAM_MPI. */
#ifndef SIAMESE_TRAIN_COMM_MPI_H
#define SIAMESE_TRAIN_COMM_MPI_H

#include "train/comm.h"

/* Whether this process was started by an MPI launcher (Open MPI, MPICH's
 * Hydra, Slurm's PMI): only then is MPI initialised. */
int siam_comm_mpi_launched(void);
/* MPI_Init and a communicator over MPI_COMM_WORLD. A collective that waits
 * longer than timeout_s (a rank that stopped answering) fails with a
 * message instead of hanging. */
siam_status siam_comm_mpi_open(double timeout_s, siam_comm **out, siam_error *err);
/* Ends every rank's run at once, after a failure on this one. */
void siam_comm_mpi_abort(siam_comm *c, int code);
/* MPI_Finalize. */
void siam_comm_mpi_close(siam_comm *c);

#endif
