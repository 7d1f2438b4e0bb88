/* The communicator on MPI: in-place float sums by MPI_Iallreduce, waited
 * for with a deadline, so that a rank that died or hangs makes the others
 * fail with a message naming the collective instead of waiting forever. */
#define _POSIX_C_SOURCE 200809L
#include "train/comm_mpi.h"

#include "base/clock.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct mpi_comm {
    siam_comm c; /* first: the table's functions get it back by a cast */
    double timeout_s;
} mpi_comm;

int siam_comm_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                       "SLURM_STEP_NUM_TASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

static siam_status wait_for(mpi_comm *m, MPI_Request *req, const char *what, siam_error *err)
{
    double t0 = siam_now();
    for (;;) {
        int done = 0;
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return siam_error_set(err, SIAM_ERR_IO, "rank %d: %s failed", m->c.rank, what);
        if (done)
            return SIAM_OK;
        if (siam_now() - t0 > m->timeout_s)
            return siam_error_set(err, SIAM_ERR_IO,
                                  "rank %d: %s waited %.0f s for the other ranks (one stopped "
                                  "answering); set SIAMESE_MPI_TIMEOUT to wait longer",
                                  m->c.rank, what, m->timeout_s);
        struct timespec ts = {0, 100000}; /* 0.1 ms: a step's reduce is rarely shorter */
        nanosleep(&ts, NULL);
    }
}

static siam_status mpi_allreduce(siam_comm *c, float *buf, size_t n, siam_error *err)
{
    mpi_comm *m = (mpi_comm *)c;
    if (n > (size_t)0x7fffffff)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "all-reduce of %zu floats", n);
    double t0 = siam_now();
    MPI_Request req;
    if (MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &req) !=
        MPI_SUCCESS)
        return siam_error_set(err, SIAM_ERR_IO, "rank %d: MPI_Iallreduce failed", c->rank);
    siam_status st = wait_for(m, &req, "the gradient all-reduce", err);
    c->reduce_seconds += siam_now() - t0;
    return st;
}

static siam_status mpi_broadcast(siam_comm *c, void *buf, size_t bytes, int root, siam_error *err)
{
    mpi_comm *m = (mpi_comm *)c;
    MPI_Request req;
    if (bytes > (size_t)0x7fffffff ||
        MPI_Ibcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return siam_error_set(err, SIAM_ERR_IO, "rank %d: MPI_Ibcast failed", c->rank);
    return wait_for(m, &req, "a broadcast from rank 0", err);
}

siam_status siam_comm_mpi_open(double timeout_s, siam_comm **out, siam_error *err)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return siam_error_set(err, SIAM_ERR_IO, "MPI_Init failed");
    /* Errors come back as codes (reported with the rank), not as MPI's abort. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    mpi_comm *m = calloc(1, sizeof *m);
    if (!m)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    MPI_Comm_rank(MPI_COMM_WORLD, &m->c.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->c.size);
    MPI_Comm local;
    m->c.local_rank = m->c.rank;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, m->c.rank, MPI_INFO_NULL,
                            &local) == MPI_SUCCESS) {
        MPI_Comm_rank(local, &m->c.local_rank);
        MPI_Comm_free(&local);
    }
    m->c.allreduce_sum = mpi_allreduce;
    m->c.broadcast = mpi_broadcast;
    m->timeout_s = timeout_s > 0 ? timeout_s : 300;
    *out = &m->c;
    return SIAM_OK;
}

void siam_comm_mpi_abort(siam_comm *c, int code)
{
    (void)c;
    MPI_Abort(MPI_COMM_WORLD, code);
}

void siam_comm_mpi_close(siam_comm *c)
{
    free(c);
    MPI_Finalize();
}
