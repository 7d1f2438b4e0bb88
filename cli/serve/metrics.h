/* siamese serve: request counters and latency histograms, written as
 * Prometheus text for GET /metrics. One per server; thread-safe. */
#ifndef SIAMESE_CLI_SERVE_METRICS_H
#define SIAMESE_CLI_SERVE_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum { SERVE_ROUTES = 6, SERVE_BUCKETS = 11, SERVE_BATCH_BUCKETS = 8 };

typedef struct serve_metrics {
    pthread_mutex_t lock;
    uint64_t requests[SERVE_ROUTES][6];        /* by route and status class 1xx..5xx (index 1..5) */
    uint64_t latency[SERVE_ROUTES][SERVE_BUCKETS]; /* cumulative counts <= each bound */
    uint64_t latency_count[SERVE_ROUTES];
    double latency_sum[SERVE_ROUTES];
    uint64_t batch[SERVE_BATCH_BUCKETS];      /* backend batches by images, cumulative */
    uint64_t batch_count, batch_images;
    int64_t in_flight;
} serve_metrics;

/* Routes, in the order metrics name them. */
typedef enum serve_route {
    ROUTE_VERIFY, ROUTE_EMBED, ROUTE_CLASSIFY, ROUTE_HEALTH, ROUTE_METRICS, ROUTE_OTHER
} serve_route;

void serve_metrics_init(serve_metrics *m);
void serve_metrics_destroy(serve_metrics *m);
void serve_metrics_request(serve_metrics *m, serve_route r, int status, double seconds);
void serve_metrics_batch(serve_metrics *m, int images);
void serve_metrics_in_flight(serve_metrics *m, int delta);
/* The Prometheus text exposition, malloc'd (NULL when out of memory). */
char *serve_metrics_text(serve_metrics *m, size_t *len);

#endif
