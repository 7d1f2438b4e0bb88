/* Counters and histograms for GET /metrics (see metrics.h). */
#include "metrics.h"

#include "text_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const route_names[SERVE_ROUTES] = {"verify", "embed", "classify",
                                                      "health", "metrics", "other"};
static const double bounds[SERVE_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,   0.25,   0.5,   1,    2.5};
static const int batch_bounds[SERVE_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128};

void serve_metrics_init(serve_metrics *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
}

void serve_metrics_destroy(serve_metrics *m) { pthread_mutex_destroy(&m->lock); }

void serve_metrics_request(serve_metrics *m, serve_route r, int status, double seconds)
{
    int cls = status / 100;
    pthread_mutex_lock(&m->lock);
    m->requests[r][cls >= 1 && cls <= 5 ? cls : 5]++;
    for (int b = 0; b < SERVE_BUCKETS; b++)
        m->latency[r][b] += seconds <= bounds[b];
    m->latency_count[r]++;
    m->latency_sum[r] += seconds;
    pthread_mutex_unlock(&m->lock);
}

void serve_metrics_batch(serve_metrics *m, int images)
{
    pthread_mutex_lock(&m->lock);
    for (int b = 0; b < SERVE_BATCH_BUCKETS; b++)
        m->batch[b] += images <= batch_bounds[b];
    m->batch_count++;
    m->batch_images += (uint64_t)images;
    pthread_mutex_unlock(&m->lock);
}

void serve_metrics_in_flight(serve_metrics *m, int delta)
{
    pthread_mutex_lock(&m->lock);
    m->in_flight += delta;
    pthread_mutex_unlock(&m->lock);
}

char *serve_metrics_text(serve_metrics *m, size_t *len)
{
    serve_text t = {0};
    pthread_mutex_lock(&m->lock);
    serve_text_printf(&t, "# HELP siamese_requests_total HTTP requests answered, by route and status class.\n"
            "# TYPE siamese_requests_total counter\n");
    for (int r = 0; r < SERVE_ROUTES; r++)
        for (int c = 1; c <= 5; c++)
            if (m->requests[r][c])
                serve_text_printf(&t, "siamese_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n",
                    route_names[r], c, (unsigned long long)m->requests[r][c]);
    serve_text_printf(&t, "# HELP siamese_request_seconds Time from a request's arrival to its answer.\n"
            "# TYPE siamese_request_seconds histogram\n");
    for (int r = 0; r < SERVE_ROUTES; r++) {
        if (!m->latency_count[r])
            continue;
        for (int b = 0; b < SERVE_BUCKETS; b++)
            serve_text_printf(&t, "siamese_request_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                route_names[r], bounds[b], (unsigned long long)m->latency[r][b]);
        serve_text_printf(&t, "siamese_request_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                "siamese_request_seconds_sum{route=\"%s\"} %.6f\n"
                "siamese_request_seconds_count{route=\"%s\"} %llu\n",
            route_names[r], (unsigned long long)m->latency_count[r], route_names[r],
            m->latency_sum[r], route_names[r], (unsigned long long)m->latency_count[r]);
    }
    serve_text_printf(&t, "# HELP siamese_batch_images Images per backend batch (requests that arrive "
            "together share one).\n# TYPE siamese_batch_images histogram\n");
    for (int b = 0; b < SERVE_BATCH_BUCKETS; b++)
        serve_text_printf(&t, "siamese_batch_images_bucket{le=\"%d\"} %llu\n", batch_bounds[b],
            (unsigned long long)m->batch[b]);
    serve_text_printf(&t, "siamese_batch_images_bucket{le=\"+Inf\"} %llu\nsiamese_batch_images_sum %llu\n"
            "siamese_batch_images_count %llu\n",
        (unsigned long long)m->batch_count, (unsigned long long)m->batch_images,
        (unsigned long long)m->batch_count);
    serve_text_printf(&t, "# HELP siamese_requests_in_flight Requests being answered now.\n"
            "# TYPE siamese_requests_in_flight gauge\nsiamese_requests_in_flight %lld\n",
        (long long)m->in_flight);
    pthread_mutex_unlock(&m->lock);
    return serve_text_take(&t, len);
}
