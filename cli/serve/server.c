/* The HTTP server (see server.h). One libmicrohttpd thread per connection
 * converts its images and waits on the batcher; the batcher's thread alone
 * touches the backend. */
#define _POSIX_C_SOURCE 200809L
#include "server.h"

#include "base/clock.h"
#include "batcher.h"
#include "metrics.h"
#include "payload.h"
#include "support_folder.h"
#include "text_buf.h"

#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct serve_server {
    serve_config cfg;
    siam_session *s;
    cli_support sup;
    int have_sup;
    float *sup_emb;
    serve_metrics metrics;
    int metrics_ready;
    serve_batcher batcher;
    int batcher_ready;
    struct MHD_Daemon *d;
};

typedef struct request {
    double t0;
    serve_route route;
    int post, json, answered;
    char *body; /* JSON */
    size_t n, cap, received;
    struct MHD_PostProcessor *pp;
    serve_payload payload;
    int too_large, bad;
    siam_error err;
} request;

/* ---- answers ---- */

static enum MHD_Result send_text(serve_server *sv, request *rq, struct MHD_Connection *c,
                                 int status, const char *type, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    rq->answered = 1;
    serve_metrics_request(&sv->metrics, rq->route, status, siam_now() - rq->t0);
    return ok;
}

static enum MHD_Result send_json(serve_server *sv, request *rq, struct MHD_Connection *c,
                                 int status, serve_text *t)
{
    size_t len;
    char *body = serve_text_take(t, &len);
    if (!body) {
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        body = strdup("{\"error\":\"out of memory\"}\n");
        len = body ? strlen(body) : 0;
        if (!body)
            return MHD_NO;
    }
    return send_text(sv, rq, c, status, "application/json", body, len);
}

static enum MHD_Result send_error(serve_server *sv, request *rq, struct MHD_Connection *c,
                                  int status, const char *msg)
{
    serve_text t = {0};
    serve_text_printf(&t, "{\"error\":");
    serve_text_json_string(&t, msg);
    serve_text_printf(&t, "}\n");
    return send_json(sv, rq, c, status, &t);
}

/* The HTTP status for a library error while answering. */
static int status_of(siam_status st)
{
    switch (st) {
    case SIAM_ERR_INVALID_ARG:
    case SIAM_ERR_FORMAT:
        return MHD_HTTP_BAD_REQUEST;
    case SIAM_ERR_UNSUPPORTED:
        return MHD_HTTP_SERVICE_UNAVAILABLE; /* the queue is full */
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* ---- the routes ---- */

/* The parts named `name` (k of them) as inputs x (k, H, W). */
static siam_status inputs_of(serve_server *sv, const serve_payload *pl, const char *name, int k,
                             float *x, siam_error *err)
{
    size_t pix = siam_session_pixels(sv->s);
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < k; i++) {
        const serve_part *p = serve_payload_get(pl, name, i);
        char what[64];
        snprintf(what, sizeof what, k > 1 ? "image %s[%d]" : "image %s", name, i);
        st = siam_session_image_bytes(sv->s, what, p->data, p->n, x + (size_t)i * pix, NULL, err);
    }
    return st;
}

static enum MHD_Result answer_post(serve_server *sv, request *rq, struct MHD_Connection *c)
{
    const serve_payload *pl = &rq->payload;
    const char *name = NULL;
    int k = 0;
    serve_job_kind kind;
    if (rq->route == ROUTE_VERIFY) {
        if (serve_payload_count(pl, "a") != 1 || serve_payload_count(pl, "b") != 1)
            return send_error(sv, rq, c, MHD_HTTP_BAD_REQUEST,
                              "POST /verify needs one image \"a\" and one image \"b\"");
        kind = JOB_VERIFY, k = 2;
    } else if (rq->route == ROUTE_CLASSIFY) {
        if (!sv->have_sup)
            return send_error(sv, rq, c, MHD_HTTP_NOT_FOUND,
                              "POST /classify needs a support set: start with --support DIR");
        if (serve_payload_count(pl, "image") != 1)
            return send_error(sv, rq, c, MHD_HTTP_BAD_REQUEST,
                              "POST /classify needs one image \"image\"");
        kind = JOB_CLASSIFY, k = 1, name = "image";
    } else {
        int one = serve_payload_count(pl, "image"), many = serve_payload_count(pl, "images");
        if ((one > 0) == (many > 0) || one > 1)
            return send_error(sv, rq, c, MHD_HTTP_BAD_REQUEST,
                              "POST /embed needs one image \"image\" or images \"images\"");
        kind = JOB_EMBED, k = one ? 1 : many, name = one ? "image" : "images";
    }
    size_t pix = siam_session_pixels(sv->s), d = (size_t)siam_session_dim(sv->s);
    serve_job job = {.kind = kind, .n = k};
    float *x = malloc((size_t)k * pix * sizeof *x);
    float *emb = malloc((size_t)k * d * sizeof *emb);
    float *scores = malloc((size_t)(sv->have_sup ? sv->sup.n : 1) * sizeof *scores);
    siam_status st = x && emb && scores ? SIAM_OK
                                        : siam_error_set(&job.err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st == SIAM_OK && kind == JOB_VERIFY)
        st = inputs_of(sv, pl, "a", 1, x, &job.err);
    if (st == SIAM_OK && kind == JOB_VERIFY)
        st = inputs_of(sv, pl, "b", 1, x + pix, &job.err);
    if (st == SIAM_OK && kind != JOB_VERIFY)
        st = inputs_of(sv, pl, name, k, x, &job.err);
    job.x = x, job.emb = emb, job.scores = scores;
    if (st == SIAM_OK)
        st = serve_batcher_run(&sv->batcher, &job);
    serve_text t = {0};
    if (st == SIAM_OK && kind == JOB_VERIFY) {
        int logits = sv->s->metric == SIAM_METRIC_WL1;
        serve_text_printf(&t, "{\"score\":%.9g,\"probability\":", (double)scores[0]);
        if (logits)
            serve_text_printf(&t, "%.9g", 1.0 / (1.0 + exp(-(double)scores[0])));
        else
            serve_text_printf(&t, "null");
        if (sv->s->have_threshold)
            serve_text_printf(&t, ",\"same\":%s,\"threshold\":%.9g}\n",
                              scores[0] > sv->s->threshold ? "true" : "false", sv->s->threshold);
        else
            serve_text_printf(&t, ",\"same\":null,\"threshold\":null}\n");
    } else if (st == SIAM_OK && kind == JOB_EMBED) {
        serve_text_printf(&t, "{\"dim\":%zu,\"embeddings\":[", d);
        for (int i = 0; i < k; i++) {
            serve_text_printf(&t, "%s[", i ? "," : "");
            for (size_t j = 0; j < d; j++)
                serve_text_printf(&t, "%s%.9g", j ? "," : "", (double)emb[(size_t)i * d + j]);
            serve_text_printf(&t, "]");
        }
        serve_text_printf(&t, "]}\n");
    } else if (st == SIAM_OK) { /* classify: a class scores its best image */
        float *best = malloc((size_t)sv->sup.n_classes * sizeof *best);
        if (!best) {
            st = siam_error_set(&job.err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        } else {
            int top[5];
            int nt = cli_support_rank(&sv->sup, scores, best, top, 5);
            serve_text_printf(&t, "{\"label\":");
            serve_text_json_string(&t, sv->sup.name[top[0]]);
            serve_text_printf(&t, ",\"score\":%.9g,\"top\":[", (double)best[top[0]]);
            for (int r = 0; r < nt; r++) {
                serve_text_printf(&t, "%s{\"label\":", r ? "," : "");
                serve_text_json_string(&t, sv->sup.name[top[r]]);
                serve_text_printf(&t, ",\"score\":%.9g}", (double)best[top[r]]);
            }
            serve_text_printf(&t, "]}\n");
            free(best);
        }
    }
    free(x), free(emb), free(scores);
    if (st != SIAM_OK) {
        free(t.s);
        return send_error(sv, rq, c, status_of(st), job.err.msg);
    }
    return send_json(sv, rq, c, MHD_HTTP_OK, &t);
}

static enum MHD_Result answer_get(serve_server *sv, request *rq, struct MHD_Connection *c)
{
    if (rq->route == ROUTE_METRICS) {
        size_t len;
        char *body = serve_metrics_text(&sv->metrics, &len);
        if (!body)
            return send_error(sv, rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return send_text(sv, rq, c, MHD_HTTP_OK, "text/plain; version=0.0.4", body, len);
    }
    serve_text t = {0};
    serve_text_printf(&t, "{\"status\":\"ok\",\"model\":");
    serve_text_json_string(&t, sv->cfg.model);
    serve_text_printf(&t, ",\"backend\":");
    serve_text_json_string(&t, siam_session_backend(sv->s));
    serve_text_printf(&t, ",\"input\":[%d,%d],\"dim\":%d,\"scores\":\"%s\",\"support_classes\":%d}\n",
                      sv->s->m->desc.in_h, sv->s->m->desc.in_w, siam_session_dim(sv->s),
                      sv->s->metric == SIAM_METRIC_WL1 ? "logit" : "-distance",
                      sv->have_sup ? sv->sup.n_classes : 0);
    return send_json(sv, rq, c, MHD_HTTP_OK, &t);
}

/* ---- the connection handler ---- */

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *type, const char *encoding,
                               const char *data, uint64_t off, size_t size)
{
    (void)kind, (void)filename, (void)type, (void)encoding;
    request *rq = cls;
    if (!rq->bad && serve_payload_add(&rq->payload, key, data, size, off, &rq->err) != SIAM_OK)
        rq->bad = 1;
    return rq->bad ? MHD_NO : MHD_YES;
}

static serve_route route_of(const char *url)
{
    static const struct {
        const char *path;
        serve_route r;
    } routes[] = {{"/verify", ROUTE_VERIFY}, {"/embed", ROUTE_EMBED}, {"/classify", ROUTE_CLASSIFY},
                  {"/health", ROUTE_HEALTH}, {"/metrics", ROUTE_METRICS}};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].r;
    return ROUTE_OTHER;
}

/* The first call for a request: route, method, size and type checks. */
static enum MHD_Result begin(serve_server *sv, request *rq, struct MHD_Connection *c,
                             const char *url, const char *method)
{
    rq->route = route_of(url);
    int is_post = strcmp(method, "POST") == 0, is_get = strcmp(method, "GET") == 0;
    int post_route = rq->route <= ROUTE_CLASSIFY;
    if (rq->route == ROUTE_OTHER)
        return send_error(sv, rq, c, MHD_HTTP_NOT_FOUND,
                          "no such path: POST /verify, /embed, /classify; GET /health, /metrics");
    if ((post_route && !is_post) || (!post_route && !is_get))
        return send_error(sv, rq, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          post_route ? "this path takes POST" : "this path takes GET");
    if (!post_route)
        return answer_get(sv, rq, c);
    rq->post = 1;
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len && strtoull(len, NULL, 10) > sv->cfg.max_body) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body over %zu bytes (--max-body)", sv->cfg.max_body);
        return send_error(sv, rq, c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (type && strncasecmp(type, "application/json", 16) == 0) {
        rq->json = 1;
    } else if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
        rq->pp = MHD_create_post_processor(c, 64 * 1024, on_part, rq);
        if (!rq->pp)
            return send_error(sv, rq, c, MHD_HTTP_BAD_REQUEST, "a multipart body without a boundary");
    } else {
        return send_error(sv, rq, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                          "send images as multipart/form-data files or as base64 in "
                          "application/json");
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)version;
    serve_server *sv = cls;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->t0 = siam_now();
        *con_cls = rq;
        serve_metrics_in_flight(&sv->metrics, 1);
        return begin(sv, rq, c, url, method);
    }
    if (rq->answered) { /* refused early: drop the body */
        *size = 0;
        return MHD_YES;
    }
    if (*size) {
        rq->received += *size;
        if (rq->received > sv->cfg.max_body) {
            rq->too_large = 1;
        } else if (rq->pp && !rq->bad) {
            if (MHD_post_process(rq->pp, data, *size) != MHD_YES && !rq->bad) {
                rq->bad = 1;
                siam_error_set(&rq->err, SIAM_ERR_INVALID_ARG, "a malformed multipart body");
            }
        } else if (rq->json) {
            if (rq->n + *size + 1 > rq->cap) {
                size_t cap = rq->cap ? rq->cap : 65536;
                while (cap < rq->n + *size + 1)
                    cap *= 2;
                char *b = realloc(rq->body, cap);
                if (!b) {
                    rq->bad = 1;
                    siam_error_set(&rq->err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
                } else {
                    rq->body = b, rq->cap = cap;
                }
            }
            if (!rq->bad) {
                memcpy(rq->body + rq->n, data, *size);
                rq->n += *size;
            }
        }
        *size = 0;
        return MHD_YES;
    }
    /* The whole body is in. */
    if (rq->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body over %zu bytes (--max-body)", sv->cfg.max_body);
        return send_error(sv, rq, c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    if (!rq->bad && rq->json && serve_payload_from_json(&rq->payload, rq->body ? rq->body : "",
                                                        rq->n, &rq->err) != SIAM_OK)
        rq->bad = 1;
    if (rq->bad)
        return send_error(sv, rq, c, rq->err.status == SIAM_ERR_OUT_OF_MEMORY
                                         ? MHD_HTTP_INTERNAL_SERVER_ERROR
                                         : MHD_HTTP_BAD_REQUEST,
                          rq->err.msg);
    return answer_post(sv, rq, c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c, (void)toe;
    serve_server *sv = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->pp)
        MHD_destroy_post_processor(rq->pp);
    serve_payload_free(&rq->payload);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    serve_metrics_in_flight(&sv->metrics, -1);
}

/* ---- start and stop ---- */

static siam_status parse_listen(const char *s, struct sockaddr_storage *sa, int *v6,
                                siam_error *err)
{
    memset(sa, 0, sizeof *sa);
    char host[256];
    const char *colon = strrchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : 0;
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || hl >= sizeof host || end == colon + 1 || *end || port < 0 || port > 65535)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "--listen is HOST:PORT (127.0.0.1:8080, [::1]:8080), not '%s'", s);
    memcpy(host, s, hl);
    host[hl] = '\0';
    *v6 = host[0] == '[';
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
        if (hl < 2 || host[hl - 1] != ']')
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "--listen: '%s' lacks its ']'", s);
        host[hl - 1] = '\0';
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "--listen: '%s' is no IPv6 address", host + 1);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "--listen: '%s' is no IPv4 address (names are not looked up)", host);
    }
    return SIAM_OK;
}

siam_status serve_start(const serve_config *cfg, serve_server **out, int *port, siam_error *err)
{
    *out = NULL;
    struct sockaddr_storage sa;
    int v6 = 0;
    siam_status st = parse_listen(cfg->listen, &sa, &v6, err);
    if (st != SIAM_OK)
        return st;
    serve_server *sv = calloc(1, sizeof *sv);
    if (!sv)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    sv->cfg = *cfg;
    serve_metrics_init(&sv->metrics);
    sv->metrics_ready = 1;
    siam_session_options so = {.backend = cfg->backend, .threads = cfg->threads,
                               .batch = cfg->batch};
    st = siam_session_open(cfg->model, &so, &sv->s, err);
    if (st == SIAM_OK && cfg->support) {
        st = cli_support_read(cfg->support, &sv->sup, err);
        sv->have_sup = st == SIAM_OK;
        if (st == SIAM_OK) {
            sv->sup_emb = malloc((size_t)sv->sup.n * (size_t)siam_session_dim(sv->s) * sizeof(float));
            st = sv->sup_emb ? siam_session_embed_files(sv->s, (const char *const *)sv->sup.path,
                                                        sv->sup.n, sv->sup_emb, NULL, 0, NULL,
                                                        NULL, err)
                             : siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    if (st == SIAM_OK) {
        st = serve_batcher_start(&sv->batcher, sv->s, sv->sup_emb, sv->have_sup ? sv->sup.n : 0,
                                 &sv->metrics, cfg->max_queue, err);
        sv->batcher_ready = st == SIAM_OK;
    }
    if (st == SIAM_OK) {
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         (v6 ? MHD_USE_IPv6 : 0);
        sv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, sv,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_clients,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
                                 MHD_OPTION_END);
        if (!sv->d)
            st = siam_error_set(err, SIAM_ERR_IO, "cannot listen on %s (in use, or not an "
                                "address of this machine?)", cfg->listen);
    }
    if (st != SIAM_OK) {
        serve_stop(sv);
        return st;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? (int)info->port : 0;
    *out = sv;
    return SIAM_OK;
}

void serve_stop(serve_server *sv)
{
    if (!sv)
        return;
    if (sv->d)
        MHD_stop_daemon(sv->d);
    if (sv->batcher_ready)
        serve_batcher_stop(&sv->batcher);
    siam_session_close(sv->s);
    if (sv->have_sup)
        cli_support_free(&sv->sup);
    free(sv->sup_emb);
    if (sv->metrics_ready)
        serve_metrics_destroy(&sv->metrics);
    free(sv);
}
