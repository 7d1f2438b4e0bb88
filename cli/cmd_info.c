/* siamese info: a model file's metadata and shape table. */
#include "commands.h"

#include "checkpoint.h"

#include <stdio.h>
#include <string.h>

int siam_cmd_info(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: siamese info MODEL\n\nPrints the model's metadata and shape table.\n");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "siamese info: give one model file (see siamese info --help)\n");
        return 2;
    }
    siam_st_file f;
    siam_net_desc d;
    siam_error err = {0};
    if (siam_checkpoint_open(argv[1], &f, &d, &err) != SIAM_OK) {
        fprintf(stderr, "siamese info: %s\n", err.msg);
        return 1;
    }
    printf("%s: %d tensors\n", argv[1], f.n);
    const siam_json *j = &f.json;
    if (f.meta >= 0)
        for (int c = j->nodes[f.meta].first_child; c >= 0; c = j->nodes[c].next_sibling) {
            const char *k = siam_json_key(j, c), *v = siam_json_str(j, c);
            if (strchr(v, '\n'))
                printf("  %s:\n    %.*s\n", k, (int)(strlen(v) - 1), v); /* hparams table */
            else
                printf("  %s: %s\n", k, v);
        }
    siam_net_print(&d, stdout);
    siam_st_close(&f);
    return 0;
}
