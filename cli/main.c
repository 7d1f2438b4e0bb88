/* siamese: one-shot image recognition with convolutional Siamese networks. */
#include "commands.h"
#include "term_text.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"backends", siam_cmd_backends, "list backend modules and their devices"},
    {"data", siam_cmd_data, "list the Omniglot data and Koch's splits; fetch them"},
    {"train", siam_cmd_train, "train a Siamese network on Omniglot"},
    {"verify", siam_cmd_verify, "probability that two images show the same character"},
    {"classify", siam_cmd_classify, "classify images against a support folder, one shot"},
    {"embed", siam_cmd_embed, "write images' embeddings (safetensors, .npy or CSV)"},
    {"parity", siam_cmd_parity, "train on two backends side by side and compare"},
    {"plot", siam_cmd_plot, "draw a training log as a PNG curve"},
    {"info", siam_cmd_info, "a model file's metadata and shape table"},
    {"eval", siam_cmd_eval, "one-shot accuracy of a baseline (or model) with a 95% CI"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: siamese COMMAND [OPTIONS]   (siamese COMMAND --help for details)\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    siam_print_errorf("", "unknown command '%s' (see siamese --help)", argv[1]);
    return 2;
}
