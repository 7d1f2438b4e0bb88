/* siamese info: a model file's metadata and shape table. */
#include "commands.h"

#include "base/term_text.h"

#include "eval/model_info.h"
#include "json_out.h"

#include <stdio.h>
#include <string.h>

static void print_json(const char *path, const siam_model_info *mi)
{
    const siam_st_file *f = &mi->file;
    const siam_net_desc *d = &mi->net;
    printf("{\"path\":");
    cli_json_string(stdout, path);
    printf(",\"tensors\":%d,\"input\":[%d,%d,%d],\"embedding_dim\":%lld,\"params\":%lld,"
           "\"metadata\":{",
           f->n, d->in_c, d->in_h, d->in_w, (long long)mi->embed_dim, (long long)mi->params);
    const siam_json *j = &f->json;
    int first = 1;
    if (f->meta >= 0)
        for (int c = j->nodes[f->meta].first_child; c >= 0; c = j->nodes[c].next_sibling) {
            printf("%s", first ? "" : ",");
            first = 0;
            cli_json_string(stdout, siam_json_key(j, c));
            putchar(':');
            cli_json_string(stdout, siam_json_str(j, c) ? siam_json_str(j, c) : "");
        }
    printf("}}\n");
}

static const cli_option info_options[] = {
    {1, "json", 0, CLI_FLAG, NULL, 0, 0, 0,
     "one JSON object (metadata, input, embedding size,\nparameters)", 0},
};

const cli_command siam_cli_info = CLI_OPTIONS(
    "info", "MODEL", 1, 1, "Prints the model's metadata and shape table.\n", info_options);

int siam_cmd_info(int argc, char **argv)
{
    int json = 0;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_info, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        json = 1;
    }
    const char *path = p.operands[0];
    siam_model_info mi;
    siam_error err = {0};
    if (siam_model_info_open(path, &mi, &err) != SIAM_OK) {
        siam_print_error("info", err.msg);
        return 1;
    }
    if (json) {
        print_json(path, &mi);
        siam_model_info_close(&mi);
        return 0;
    }
    const siam_st_file *f = &mi.file;
    /* Names and metadata come from the file: printed with their control
     * characters escaped (term_text.h), so that a model cannot forge lines
     * or send escape sequences to the terminal. */
    siam_fputs_escaped(path, stdout);
    printf(": %d tensors\n", f->n);
    const siam_json *j = &f->json;
    if (f->meta >= 0)
        for (int c = j->nodes[f->meta].first_child; c >= 0; c = j->nodes[c].next_sibling) {
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
    siam_model_info_print_layers(&mi, stdout);
    siam_model_info_close(&mi);
    return 0;
}
