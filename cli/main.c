/* siamese: one-shot image recognition with convolutional Siamese networks. */
#include "commands.h"
#include "base/term_text.h"
#include "siamese/version.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

/* Every option table, for `siamese help --table` (the man page and bash
 * completion are made from it). */
static const cli_command *const tables[] = {
    &siam_cli_backends, &siam_cli_data, &siam_cli_data_fetch, &siam_cli_train, &siam_cli_verify,
    &siam_cli_classify, &siam_cli_embed, &siam_cli_parity, &siam_cli_plot, &siam_cli_info,
    &siam_cli_serve, &siam_cli_export, &siam_cli_eval, &siam_cli_tune,
};

static const command commands[] = {
    {"backends", siam_cmd_backends, "list backend modules and their devices"},
    {"data", siam_cmd_data, "list the Omniglot data and Koch's splits; fetch them"},
    {"train", siam_cmd_train, "train a Siamese network on Omniglot"},
    {"verify", siam_cmd_verify, "probability that two images show the same character"},
    {"classify", siam_cmd_classify, "classify images against a support folder, one shot"},
    {"embed", siam_cmd_embed, "write images' embeddings (safetensors, .npy or CSV)"},
    {"parity", siam_cmd_parity, "train on two backends side by side and compare"},
    {"plot", siam_cmd_plot, "draw training logs as PNG or SVG curves"},
    {"info", siam_cmd_info, "a model file's metadata and shape table"},
    {"serve", siam_cmd_serve, "verify, embed and classify over HTTP (JSON)"},
    {"export", siam_cmd_export, "a model as ONNX graphs (tower and scorer), through PyTorch"},
    {"eval", siam_cmd_eval, "one-shot accuracy of a baseline (or model) with a 95% CI"},
    {"tune", siam_cmd_tune, "pick and store GEMM parameters for an OpenCL device"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: siamese COMMAND [OPTIONS]   (siamese help COMMAND for details)\n"
               "       siamese --version\n\n"
               "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static const char *suggest(const char *typed)
{
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    return cli_did_you_mean(typed, names, N_COMMANDS);
}

static int unknown(const char *name)
{
    const char *s = suggest(name);
    if (s)
        siam_print_errorf("", "unknown command '%s': did you mean '%s'? (see siamese --help)",
                          name, s);
    else
        siam_print_errorf("", "unknown command '%s' (see siamese --help)", name);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
        (strcmp(a, "help") == 0 && argc == 2)) {
        usage(stdout);
        return 0;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0 || strcmp(a, "version") == 0) {
        printf("siamese %d.%d.%d\n", SIAMESE_VERSION_MAJOR, SIAMESE_VERSION_MINOR,
               SIAMESE_VERSION_PATCH);
        return 0;
    }
    if (strcmp(a, "help") == 0 && strcmp(argv[2], "--table") == 0) {
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            cli_print_table(tables[i], stdout);
        return 0;
    }
    if (strcmp(a, "help") == 0) { /* siamese help CMD = siamese CMD --help */
        const command *c = find(argv[2]);
        if (!c)
            return unknown(argv[2]);
        char help[] = "--help";
        char *args[] = {argv[2], help, NULL};
        return c->run(2, args);
    }
    const command *c = find(a);
    return c ? c->run(argc - 1, argv + 1) : unknown(a);
}
