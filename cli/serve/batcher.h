/* siamese serve: one worker thread that owns the session and runs the
 * requests' images through the backend together.
 *
 * Request threads convert their images to inputs (in parallel), submit a
 * job and wait; the worker takes every job waiting, embeds all their images
 * in one pass (up to the session's batch), then scores each job: a pair
 * for verify, the support set for classify. A full queue is refused at
 * once rather than waited on.
 */
#ifndef SIAMESE_CLI_SERVE_BATCHER_H
#define SIAMESE_CLI_SERVE_BATCHER_H

#include "eval/session.h"
#include "metrics.h"

#include <pthread.h>

typedef enum serve_job_kind { JOB_EMBED, JOB_VERIFY, JOB_CLASSIFY } serve_job_kind;

typedef struct serve_job {
    serve_job_kind kind;
    int n;            /* images */
    const float *x;   /* (n, H, W) inputs */
    float *emb;       /* (n, D) out */
    float *scores;    /* VERIFY: 1; CLASSIFY: n_support */
    siam_status st;
    siam_error err;
    int done;
    struct serve_job *next;
} serve_job;

typedef struct serve_batcher {
    siam_session *s;
    const float *support; /* (n_support, D) embeddings, for classify */
    int n_support;
    serve_metrics *metrics;
    int max_queue;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    serve_job *head, *tail;
    int queued, stopping;
    float *x;   /* (s->batch, H, W) gathered inputs */
    float *emb; /* (s->batch, D) */
    pthread_t thread;
    int started;
} serve_batcher;

siam_status serve_batcher_start(serve_batcher *b, siam_session *s, const float *support,
                                int n_support, serve_metrics *m, int max_queue,
                                siam_error *err);
/* Stops the worker after the jobs queued; frees what start allocated. */
void serve_batcher_stop(serve_batcher *b);
/* Runs a job and waits for it. SIAM_ERR_UNSUPPORTED when the queue is
 * full (the caller answers 503); the job's own status otherwise. */
siam_status serve_batcher_run(serve_batcher *b, serve_job *job);

#endif
