/* Fuzz harness: the safetensors reader, then the model loader on top.
 *
 * The input is written to a temporary file (the reader takes a path), opened
 * with siam_st_open, and every tensor is read into a buffer of exactly its
 * validated numel floats, so ASan catches a read past what the header
 * promised. If the file also passes siam_checkpoint_open (siamese metadata),
 * a model of that network is created on the cpu backend and its parameters
 * are loaded from the file, as `siamese classify --model` does. */
#include "engine/backend_loader.h"
#include "engine/checkpoint.h"
#include "fuzz_util.h"
#include "engine/model.h"
#include "engine/net.h"
#include "base/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Opened once; NULL when no cpu module is found (the model step is skipped). */
static siam_backend *cpu_backend;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    siam_error err;
    if (siam_backend_open("cpu", 1, &cpu_backend, &err) != SIAM_OK) {
        fprintf(stderr, "fuzz_safetensors: no cpu backend, model loading not fuzzed: %s\n",
                err.msg);
        cpu_backend = NULL;
    }
    return 0;
}

static void read_all(const siam_st_file *f)
{
    siam_error err;
    for (int i = 0; i < f->n; i++) {
        int64_t numel = f->t[i].numel;
        float *buf = malloc((size_t)(numel > 0 ? numel : 1) * sizeof(float));
        if (!buf)
            abort();
        if (siam_st_read(f, i, buf, &err) != SIAM_OK)
            abort(); /* the file cannot have changed: every validated tensor must read */
        free(buf);
    }
    (void)siam_st_meta(f, "format");
    (void)siam_st_find(f, "conv1.weight");
}

static void load_model(const char *path, uint64_t file_size)
{
    siam_st_file f;
    siam_net_desc desc;
    siam_error err;
    if (siam_checkpoint_open(path, &f, &desc, &err) != SIAM_OK)
        return;
    /* A valid file stores every parameter, so a network with more
     * parameters than the file has bytes / 4 cannot load; skipping it keeps
     * the fuzzer from allocating the gigabytes a hostile header can ask for
     * before the (checked) missing-tensor error. */
    int64_t np = siam_net_param_count(&desc);
    if (cpu_backend && np > 0 && (uint64_t)np <= file_size / 4) {
        siam_model *m = NULL;
        if (siam_model_create(cpu_backend, &desc, &m, &err) == SIAM_OK) {
            (void)siam_checkpoint_load_params(&f, m, &err);
            siam_model_destroy(m);
        }
    }
    siam_st_close(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4096];
    if (fz_tempfile(path, sizeof path, data, size) != 0)
        abort();
    siam_st_file f;
    siam_error err;
    siam_error_clear(&err);
    if (siam_st_open(path, &f, &err) == SIAM_OK) {
        read_all(&f);
        siam_st_close(&f);
        load_model(path, size);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    unlink(path);
    return 0;
}
