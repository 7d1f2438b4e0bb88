/* siamese info: a model file's metadata and shape table. */
#include "commands.h"

#include "base/term_text.h"

#include "engine/checkpoint.h"

#include <stdio.h>
#include <string.h>

int siam_cmd_info(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: siamese info MODEL\n\nPrints the model's metadata and shape table.\n");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        siam_print_errorf("info", "give one model file (see siamese info --help)");
        return 2;
    }
    siam_st_file f;
    siam_net_desc d;
    siam_error err = {0};
    if (siam_checkpoint_open(argv[1], &f, &d, &err) != SIAM_OK) {
        siam_print_error("info", err.msg);
        return 1;
    }
    /* Names and metadata come from the file: printed with their control
     * characters escaped (term_text.h), so that a model cannot forge lines
     * or send escape sequences to the terminal. */
    siam_fputs_escaped(argv[1], stdout);
    printf(": %d tensors\n", f.n);
    const siam_json *j = &f.json;
    if (f.meta >= 0)
        for (int c = j->nodes[f.meta].first_child; c >= 0; c = j->nodes[c].next_sibling) {
            const char *k = siam_json_key(j, c), *v = siam_json_str(j, c);
            fputs("  ", stdout);
            siam_fputs_escaped(k, stdout);
            fputs(":", stdout);
            if (strcmp(k, "hparams") == 0 && strchr(v, '\n')) {
                /* the per-layer table: its own lines, each escaped */
                for (const char *line = v, *end; *line; line = *end ? end + 1 : end) {
                    end = strchr(line, '\n');
                    if (!end)
                        end = line + strlen(line);
                    char buf[512];
                    size_t n = (size_t)(end - line) < sizeof buf - 1 ? (size_t)(end - line) : sizeof buf - 1;
                    memcpy(buf, line, n);
                    buf[n] = '\0';
                    fputs("\n    ", stdout);
                    siam_fputs_escaped(buf, stdout);
                }
                fputs("\n", stdout);
            } else {
                fputs(" ", stdout);
                siam_fputs_escaped(v, stdout);
                fputs("\n", stdout);
            }
        }
    siam_net_print(&d, stdout);
    siam_st_close(&f);
    return 0;
}
