/* The asynchronous-upload contract of backend.h ("Asynchronous uploads"),
 * checked on one backend: host_alloc memory is aligned and writable; an
 * upload_async lands where asked and nowhere else; an op enqueued after it
 * (a copy) sees its bytes; after a synchronising call the source may be
 * rewritten without changing what was uploaded; two uploads from two host
 * blocks in flight at once both land; plain host memory works too; a range
 * outside the buffer is refused at once. */
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NF = 4099, EDGE = 16 }; /* an odd size; EDGE floats of canary at each end */

static int fails;

static void check(int ok, const char *be_name, const char *what)
{
    if (!ok) {
        printf("  FAIL transfers           %s: %s\n", be_name, what);
        fails++;
    }
}

static void pattern(float *x, size_t n, float base)
{
    for (size_t i = 0; i < n; i++)
        x[i] = base + (float)i * 0.25f;
}

/* The device buffer's whole contents: canaries (-7) around `want`. */
static int lands(const float *got, const float *want)
{
    for (int i = 0; i < NF + 2 * EDGE; i++) {
        float w = i < EDGE || i >= NF + EDGE ? -7.0f : want[i - EDGE];
        if (memcmp(&got[i], &w, sizeof w) != 0)
            return 0;
    }
    return 1;
}

int ptransfer_check(siam_backend *be, const char *name)
{
    const siam_backend_iface *f = siam_backend_get_iface(be);
    void *ctx = siam_backend_get_ctx(be);
    siam_error err = {0};
    fails = 0;
    size_t total = (NF + 2 * EDGE) * sizeof(float), body = NF * sizeof(float);
    void *pa = NULL, *pb = NULL;
    siam_buffer *d = NULL, *e = NULL;
    float *want = malloc(body), *got = malloc(total), *plain = malloc(body);
    if (!want || !got || !plain || siam_backend_host_alloc(be, body, &pa, &err) != SIAM_OK ||
        siam_backend_host_alloc(be, body, &pb, &err) != SIAM_OK ||
        siam_backend_alloc(be, total, &d, &err) != SIAM_OK ||
        siam_backend_alloc(be, total, &e, &err) != SIAM_OK) {
        check(0, name, err.msg[0] ? err.msg : "out of memory");
        goto done;
    }
    check((uintptr_t)pa % 64 == 0 && (uintptr_t)pb % 64 == 0, name, "host memory not 64-aligned");
    float *a = pa, *b = pb;
    check(f->buffer_fill(ctx, d, 0, NF + 2 * EDGE, -7.0f, &err) == SIAM_OK, name, "fill");
    check(f->buffer_fill(ctx, e, 0, NF + 2 * EDGE, 0.0f, &err) == SIAM_OK, name, "fill");

    /* Lands in place; a copy enqueued after it sees it. */
    pattern(a, NF, 1.0f);
    memcpy(want, a, body);
    check(f->buffer_upload_async(ctx, d, EDGE * sizeof(float), a, body, &err) == SIAM_OK, name,
          "upload_async");
    check(f->buffer_copy(ctx, e, 0, d, 0, total, &err) == SIAM_OK, name, "copy after upload");
    check(f->buffer_download(ctx, d, 0, got, total, &err) == SIAM_OK && lands(got, want), name,
          "upload_async did not land exactly in its range");
    check(f->buffer_download(ctx, e, 0, got, total, &err) == SIAM_OK && lands(got, want), name,
          "a copy enqueued after upload_async did not see its bytes");

    /* Reuse: after the download above, a is the host's again; two uploads
     * in flight at once, then synchronize, then both sources rewritten. */
    pattern(a, NF, 100.0f);
    pattern(b, NF, -50.0f);
    check(f->buffer_upload_async(ctx, d, EDGE * sizeof(float), a, body, &err) == SIAM_OK, name,
          "upload_async after reuse");
    check(f->buffer_upload_async(ctx, e, EDGE * sizeof(float), b, body, &err) == SIAM_OK, name,
          "second upload_async in flight");
    check(f->synchronize(ctx, &err) == SIAM_OK, name, "synchronize");
    memcpy(want, a, body);
    memset(a, 0xff, body);
    check(f->buffer_download(ctx, d, 0, got, total, &err) == SIAM_OK && lands(got, want), name,
          "source rewritten after synchronize changed the upload");
    pattern(want, NF, -50.0f);
    memset(b, 0xff, body);
    check(f->buffer_download(ctx, e, EDGE * sizeof(float), got, body, &err) == SIAM_OK &&
              memcmp(got, want, body) == 0,
          name, "the second upload in flight did not land");

    /* Plain host memory is correct too (maybe slower). */
    pattern(plain, NF, 3.0f);
    check(f->buffer_upload_async(ctx, d, EDGE * sizeof(float), plain, body, &err) == SIAM_OK &&
              f->buffer_download(ctx, d, 0, got, total, &err) == SIAM_OK && lands(got, plain),
          name, "upload_async from plain host memory");

    /* Out of range: refused at once. */
    check(f->buffer_upload_async(ctx, d, total - 4, a, 8, &err) == SIAM_ERR_INVALID_ARG, name,
          "an out-of-range upload_async was not refused");
done:
    siam_backend_free(be, d);
    siam_backend_free(be, e);
    siam_backend_host_free(be, pa);
    siam_backend_host_free(be, pb);
    free(want);
    free(got);
    free(plain);
    printf("  %-4s transfers           %-44s upload_async contract\n", fails ? "FAIL" : "OK", name);
    return fails;
}
