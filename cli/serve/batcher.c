/* The worker that batches requests onto the backend (see batcher.h). */
#include "batcher.h"

#include <stdlib.h>
#include <string.h>

/* Scores one job's embeddings: the pair, or the query against the support. */
static void score(serve_batcher *b, serve_job *j)
{
    int d = siam_session_dim(b->s);
    if (j->kind == JOB_VERIFY)
        j->st = siam_session_score(b->s, j->emb, 1, j->emb + d, 1, j->scores, &j->err);
    else if (j->kind == JOB_CLASSIFY)
        j->st = siam_session_score(b->s, j->emb, 1, b->support, b->n_support, j->scores, &j->err);
}

/* Embeds a run of jobs whose images fit one batch, then scores each. */
static void run_batch(serve_batcher *b, serve_job **jobs, int n_jobs)
{
    size_t pix = siam_session_pixels(b->s), d = (size_t)siam_session_dim(b->s);
    int total = 0;
    for (int i = 0; i < n_jobs; i++) {
        memcpy(b->x + (size_t)total * pix, jobs[i]->x, (size_t)jobs[i]->n * pix * sizeof *b->x);
        total += jobs[i]->n;
    }
    siam_error err = {0};
    siam_status st = siam_session_embed(b->s, b->x, total, b->emb, &err);
    serve_metrics_batch(b->metrics, total);
    int at = 0;
    for (int i = 0; i < n_jobs; i++) {
        serve_job *j = jobs[i];
        j->st = st;
        if (st != SIAM_OK)
            j->err = err;
        else
            memcpy(j->emb, b->emb + (size_t)at * d, (size_t)j->n * d * sizeof *j->emb);
        at += j->n;
        if (j->st == SIAM_OK)
            score(b, j);
    }
}

static void *worker(void *arg)
{
    serve_batcher *b = arg;
    serve_job *jobs[256];
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (!b->head && !b->stopping)
            pthread_cond_wait(&b->wake, &b->lock);
        if (!b->head && b->stopping)
            break;
        /* Take the waiting jobs whose images fit one batch (a job larger
         * than a batch goes alone: the session splits it). */
        int n = 0, images = 0;
        while (b->head && n < (int)(sizeof jobs / sizeof jobs[0]) &&
               (n == 0 || images + b->head->n <= b->s->batch)) {
            serve_job *j = b->head;
            b->head = j->next;
            images += j->n;
            jobs[n++] = j;
        }
        if (!b->head)
            b->tail = NULL;
        b->queued -= n;
        pthread_mutex_unlock(&b->lock);
        if (images > b->s->batch) { /* one big job: straight to its own buffers */
            serve_job *j = jobs[0];
            j->st = siam_session_embed(b->s, j->x, j->n, j->emb, &j->err);
            serve_metrics_batch(b->metrics, j->n);
            if (j->st == SIAM_OK)
                score(b, j);
        } else {
            run_batch(b, jobs, n);
        }
        pthread_mutex_lock(&b->lock);
        for (int i = 0; i < n; i++)
            jobs[i]->done = 1;
        pthread_cond_broadcast(&b->done);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

siam_status serve_batcher_start(serve_batcher *b, siam_session *s, const float *support,
                                int n_support, serve_metrics *m, int max_queue, siam_error *err)
{
    memset(b, 0, sizeof *b);
    b->s = s;
    b->support = support;
    b->n_support = n_support;
    b->metrics = m;
    b->max_queue = max_queue;
    b->x = malloc((size_t)s->batch * siam_session_pixels(s) * sizeof *b->x);
    b->emb = malloc((size_t)s->batch * (size_t)siam_session_dim(s) * sizeof *b->emb);
    if (!b->x || !b->emb) {
        free(b->x), free(b->emb);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->wake, NULL);
    pthread_cond_init(&b->done, NULL);
    if (pthread_create(&b->thread, NULL, worker, b) != 0) {
        serve_batcher_stop(b);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "cannot start the worker thread");
    }
    b->started = 1;
    return SIAM_OK;
}

void serve_batcher_stop(serve_batcher *b)
{
    if (b->started) {
        pthread_mutex_lock(&b->lock);
        b->stopping = 1;
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->lock);
        pthread_join(b->thread, NULL);
        b->started = 0;
    }
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->wake);
    pthread_cond_destroy(&b->done);
    free(b->x);
    free(b->emb);
    b->x = b->emb = NULL;
}

siam_status serve_batcher_run(serve_batcher *b, serve_job *job)
{
    job->done = 0;
    job->next = NULL;
    job->st = SIAM_OK;
    pthread_mutex_lock(&b->lock);
    if (b->queued >= b->max_queue || b->stopping) {
        pthread_mutex_unlock(&b->lock);
        return siam_error_set(&job->err, SIAM_ERR_UNSUPPORTED,
                              "the server is busy (%d requests queued): try again", b->queued);
    }
    if (b->tail)
        b->tail->next = job;
    else
        b->head = job;
    b->tail = job;
    b->queued++;
    pthread_cond_signal(&b->wake);
    while (!job->done)
        pthread_cond_wait(&b->done, &b->lock);
    pthread_mutex_unlock(&b->lock);
    return job->st;
}
