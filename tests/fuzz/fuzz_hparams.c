/* Fuzz harness: the per-layer hyperparameter parser (siam_hparams_parse).
 *
 * The parser needs a model for its group names; the "tiny" preset is
 * created once on the cpu backend in LLVMFuzzerInitialize (the model's
 * parameters are never touched). The input, cut at its first NUL byte as a
 * file read by siam_hparams_load would be refused there, is parsed against
 * a uniform configuration; on success the values are formatted back. */
#include "engine/backend_loader.h"
#include "fuzz_util.h"
#include "train/hparams.h"
#include "engine/model.h"
#include "engine/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static siam_backend *cpu_backend;
static siam_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    siam_error err;
    siam_net_desc desc;
    if (siam_backend_open("cpu", 1, &cpu_backend, &err) != SIAM_OK ||
        siam_net_preset("tiny", &desc, &err) != SIAM_OK ||
        siam_model_create(cpu_backend, &desc, &model, &err) != SIAM_OK) {
        fprintf(stderr, "fuzz_hparams: cannot build the tiny model: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    siam_optim_config cfg;
    siam_optim_config_uniform(&cfg, SIAM_OPTIM_SGD, 0.01f, 0.5f, 2e-4f);
    siam_error err;
    siam_error_clear(&err);
    if (siam_hparams_parse(text, "fuzz.cfg", model, &cfg, &err) == SIAM_OK) {
        char buf[4096];
        siam_hparams_format(model, &cfg, buf, sizeof buf);
        for (int i = 0; i < model->n_groups; i++)
            if (!(cfg.group[i].lr >= 0 && cfg.group[i].momentum >= 0 && cfg.group[i].momentum < 1))
                abort(); /* the parser promised its ranges */
    } else if (err.msg[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
