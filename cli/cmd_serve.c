/* siamese serve: verification, embeddings and classification over HTTP. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/term_text.h"
#include "serve/server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: siamese serve --model MODEL [--listen HOST:PORT] [--backend NAME[:DEVICE]]\n"
    "                     [--support DIR] [--threads N] [--batch N] [--max-clients N]\n"
    "                     [--max-queue N] [--max-body BYTES] [--timeout S]\n"
    "\n"
    "Answers over HTTP, as JSON:\n"
    "  POST /verify    images \"a\" and \"b\": score, probability, same (at the model's\n"
    "                  stored threshold)\n"
    "  POST /embed     \"image\", or several \"images\": their embeddings\n"
    "  POST /classify  \"image\" against the support set (--support DIR, one folder\n"
    "                  or file per class, embedded once at start): label and top 5\n"
    "  GET  /health    the model, backend and input size\n"
    "  GET  /metrics   Prometheus text: requests, latency histogram, batch sizes\n"
    "Images come as multipart/form-data files (curl -F a=@x.png -F b=@y.png) or as\n"
    "base64 strings in a JSON object ({\"a\": \"...\", \"b\": \"...\"}). Requests that\n"
    "arrive together share one pass through the backend (--batch images at most).\n"
    "\n"
    "Defaults: --listen 127.0.0.1:8080 (port 0: any free port; the line printed at\n"
    "start names it), --batch 32, --max-clients 64 connections, --max-queue 256\n"
    "waiting requests (beyond: 503), --max-body 8388608 bytes (beyond: 413),\n"
    "--timeout 30 s for an idle connection. Stops on SIGINT or SIGTERM.\n";

static int parse_long(const char *flag, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi) {
        siam_print_errorf("serve", "%s needs a whole number in [%ld, %ld], got '%s'", flag, lo,
                          hi, v);
        return 0;
    }
    *out = x;
    return 1;
}

int siam_cmd_serve(int argc, char **argv)
{
    serve_config c = {.listen = "127.0.0.1:8080", .batch = 32, .max_clients = 64,
                      .max_queue = 256, .max_body = 8u << 20, .timeout_s = 30};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0) {
            siam_print_errorf("serve", "unexpected argument '%s' (see siamese serve --help)", a);
            return 2;
        }
        if (i + 1 >= argc) {
            siam_print_errorf("serve", "%s needs a value", a);
            return 2;
        }
        const char *v = argv[++i];
        long x;
        if (!strcmp(a, "--model")) c.model = v;
        else if (!strcmp(a, "--backend")) c.backend = v;
        else if (!strcmp(a, "--support")) c.support = v;
        else if (!strcmp(a, "--listen")) c.listen = v;
        else if (!strcmp(a, "--threads")) { if (!parse_long(a, v, 0, 1024, &x)) return 2; c.threads = (int)x; }
        else if (!strcmp(a, "--batch")) { if (!parse_long(a, v, 1, 4096, &x)) return 2; c.batch = (int)x; }
        else if (!strcmp(a, "--max-clients")) { if (!parse_long(a, v, 1, 100000, &x)) return 2; c.max_clients = (int)x; }
        else if (!strcmp(a, "--max-queue")) { if (!parse_long(a, v, 1, 1000000, &x)) return 2; c.max_queue = (int)x; }
        else if (!strcmp(a, "--max-body")) { if (!parse_long(a, v, 1024, 1L << 30, &x)) return 2; c.max_body = (size_t)x; }
        else if (!strcmp(a, "--timeout")) { if (!parse_long(a, v, 1, 86400, &x)) return 2; c.timeout_s = (int)x; }
        else {
            siam_print_errorf("serve", "unknown option '%s' (see siamese serve --help)", a);
            return 2;
        }
    }
    if (!c.model) {
        siam_print_errorf("serve", "--model MODEL is required (see siamese serve --help)");
        return 2;
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
