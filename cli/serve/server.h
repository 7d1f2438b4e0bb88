/* siamese serve: the HTTP server (libmicrohttpd) in front of a session.
 *
 *   POST /verify    two images "a" and "b"
 *   POST /embed     "image", or "images" (several)
 *   POST /classify  "image" against the support set loaded at start
 *   GET  /health    model, backend, input size
 *   GET  /metrics   Prometheus text
 *
 * Images come as multipart/form-data files or as base64 strings in a JSON
 * object. Answers are JSON; a bad request gets a 4xx with {"error": ...}.
 */
#ifndef SIAMESE_CLI_SERVE_SERVER_H
#define SIAMESE_CLI_SERVE_SERVER_H

#include "siamese/status.h"

#include <stddef.h>

typedef struct serve_config {
    const char *model, *backend, *support, *listen;
    int threads;     /* backend threads; 0 default */
    int batch;       /* images per backend pass */
    int max_clients; /* connections at once */
    int max_queue;   /* requests waiting for the backend */
    size_t max_body; /* bytes of one request */
    int timeout_s;   /* an idle connection is closed after this */
} serve_config;

typedef struct serve_server serve_server;

/* Opens the model (and embeds the support set), then listens; *port gets
 * the port bound (useful with port 0). */
siam_status serve_start(const serve_config *cfg, serve_server **out, int *port,
                        siam_error *err);
void serve_stop(serve_server *s);

#endif
