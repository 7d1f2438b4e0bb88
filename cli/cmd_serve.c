/* siamese serve: verification, embeddings and classification over HTTP. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/term_text.h"
#include "serve/server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_MODEL = 1, OPT_LISTEN, OPT_BACKEND, OPT_SUPPORT, OPT_THREADS, OPT_BATCH, OPT_MAX_CLIENTS,
    OPT_MAX_QUEUE, OPT_MAX_BODY, OPT_TIMEOUT
};

static const cli_option serve_options[] = {
    CLI_OPT_MODEL(OPT_MODEL, CLI_REQUIRED),
    {OPT_LISTEN, "listen", 'l', CLI_TEXT, "HOST:PORT", 0, 0, 0,
     "where to listen (default 127.0.0.1:8080; port 0:\nany free port, named in the line printed at start)", 0},
    CLI_OPT_BACKEND(OPT_BACKEND),
    {OPT_SUPPORT, "support", 's', CLI_TEXT, "DIR", 0, 0, 0,
     "support set for /classify, one folder or file per\nclass, embedded once at start", 0},
    CLI_OPT_THREADS(OPT_THREADS),
    {OPT_BATCH, "batch", 0, CLI_INT, "N", 1, 4096, 0, "images per backend pass at most (default 32)", 0},
    {OPT_MAX_CLIENTS, "max-clients", 0, CLI_INT, "N", 1, 100000, 0, "connections (default 64)", 0},
    {OPT_MAX_QUEUE, "max-queue", 0, CLI_INT, "N", 1, 1000000, 0,
     "waiting requests (default 256; beyond: 503)", 0},
    {OPT_MAX_BODY, "max-body", 0, CLI_INT, "BYTES", 1024, 1 << 30, 0,
     "request body (default 8388608; beyond: 413)", 0},
    {OPT_TIMEOUT, "timeout", 0, CLI_INT, "S", 1, 86400, 0, "seconds an idle connection lives (default 30)", 0},
};

const cli_command siam_cli_serve = CLI_OPTIONS(
    "serve", "", 0, 0,
    "Answers over HTTP, as JSON:\n"
    "  POST /verify    images \"a\" and \"b\": score, probability, same (at the model's\n"
    "                  stored threshold)\n"
    "  POST /embed     \"image\", or several \"images\": their embeddings\n"
    "  POST /classify  \"image\" against the support set (--support): label and top 5\n"
    "  GET  /health    the model, backend and input size\n"
    "  GET  /metrics   Prometheus text: requests, latency histogram, batch sizes\n"
    "Images come as multipart/form-data files (curl -F a=@x.png -F b=@y.png) or as\n"
    "base64 strings in a JSON object ({\"a\": \"...\", \"b\": \"...\"}). Requests that\n"
    "arrive together share one pass through the backend (--batch images at most).\n"
    "Stops on SIGINT or SIGTERM.\n",
    serve_options);

int siam_cmd_serve(int argc, char **argv)
{
    serve_config c = {.listen = "127.0.0.1:8080", .batch = 32, .max_clients = 64,
                      .max_queue = 256, .max_body = 8u << 20, .timeout_s = 30};
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_serve, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        switch (id) {
        case OPT_MODEL: c.model = v.text; break;
        case OPT_LISTEN: c.listen = v.text; break;
        case OPT_BACKEND: c.backend = v.text; break;
        case OPT_SUPPORT: c.support = v.text; break;
        case OPT_THREADS: c.threads = (int)v.number; break;
        case OPT_BATCH: c.batch = (int)v.number; break;
        case OPT_MAX_CLIENTS: c.max_clients = (int)v.number; break;
        case OPT_MAX_QUEUE: c.max_queue = (int)v.number; break;
        case OPT_MAX_BODY: c.max_body = (size_t)v.number; break;
        case OPT_TIMEOUT: c.timeout_s = (int)v.number; break;
        default: return p.exit_status;
        }
    }
    /* SIGINT and SIGTERM blocked before any thread starts, so that every
     * thread inherits the mask and this one alone takes them (sigwait). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is not our death */
    serve_server *s = NULL;
    int port = 0;
    siam_error err = {0};
    if (serve_start(&c, &s, &port, &err) != SIAM_OK) {
        siam_print_error("serve", err.msg);
        return err.status == SIAM_ERR_INVALID_ARG ? 2 : 1;
    }
    char host[256];
    snprintf(host, sizeof host, "%s", c.listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    printf("siamese serve: listening on http://%s:%d/ (model %s)\n", host, port, c.model);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    serve_stop(s);
    fprintf(stderr, "siamese serve: stopped by %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
}
