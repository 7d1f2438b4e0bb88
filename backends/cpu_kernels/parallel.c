/* A fork-join parallel-for on pthreads; falls back to the calling thread
 * when a thread cannot be created, so it never fails. */
#include "cpu_kernels.h"

#include <pthread.h>

#define CPU_MAX_THREADS 64

typedef struct task {
    cpu_task_fn fn;
    void *arg;
    int64_t begin, end;
    int tid;
} task;

static void *run_task(void *p)
{
    task *t = p;
    if (t->begin < t->end)
        t->fn(t->arg, t->begin, t->end, t->tid);
    return NULL;
}

void cpu_parallel_for(int threads, int64_t n, cpu_task_fn fn, void *arg)
{
    if (threads > CPU_MAX_THREADS)
        threads = CPU_MAX_THREADS;
    if (threads > n)
        threads = (int)n;
    if (threads <= 1) {
        if (n > 0)
            fn(arg, 0, n, 0);
        return;
    }
    task tasks[CPU_MAX_THREADS];
    pthread_t tids[CPU_MAX_THREADS];
    int started[CPU_MAX_THREADS] = {0};
    for (int t = 0; t < threads; t++) {
        tasks[t] = (task){fn, arg, n * t / threads, n * (t + 1) / threads, t};
        if (t > 0)
            started[t] = pthread_create(&tids[t], NULL, run_task, &tasks[t]) == 0;
    }
    run_task(&tasks[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            run_task(&tasks[t]);
    }
}
