/* What an option table says to people and to scripts: `--help` text, and
 * the rows scripts/gen_cli_docs.py turns into the man page and completion. */
#include "options.h"

#include <string.h>

#define HELP_COLUMN 28

/* "-m, --model MODEL" or "    --json" */
static void left_part(const cli_option *o, char *out, size_t size)
{
    char head[8] = "    ";
    if (o->short_name)
        snprintf(head, sizeof head, "-%c, ", o->short_name);
    snprintf(out, size, "%s--%s%s%s", head, o->name, o->arg == CLI_FLAG ? "" : " ",
             o->arg == CLI_FLAG ? "" : o->metavar);
}

static void print_row(FILE *f, const char *left, const char *help)
{
    int width = fprintf(f, "  %s", left);
    if (width + 2 > HELP_COLUMN) {
        fputc('\n', f);
        width = 0;
    }
    /* help may run over several lines, each indented to the column */
    for (const char *line = help; *line;) {
        size_t n = strcspn(line, "\n");
        fprintf(f, "%*s%.*s\n", HELP_COLUMN - width, "", (int)n, line);
        width = 0;
        line += n + (line[n] == '\n');
    }
}

void cli_print_help(const cli_command *cmd, FILE *f)
{
    int required = 0;
    for (size_t i = 0; i < cmd->n_options; i++)
        required |= cmd->options[i].flags & CLI_REQUIRED;
    fprintf(f, "usage: siamese %s [OPTIONS]", cmd->name);
    for (size_t i = 0; required && i < cmd->n_options; i++)
        if (cmd->options[i].flags & CLI_REQUIRED)
            fprintf(f, " --%s %s", cmd->options[i].name, cmd->options[i].metavar);
    fprintf(f, "%s%s\n\n%s", cmd->operands[0] ? " " : "", cmd->operands, cmd->about);
    fprintf(f, "\noptions:\n");
    for (size_t i = 0; i < cmd->n_options; i++) {
        const cli_option *o = &cmd->options[i];
        char left[128];
        left_part(o, left, sizeof left);
        char help[1024];
        snprintf(help, sizeof help, "%s%s", o->help, o->flags & CLI_REQUIRED ? " (required)" : "");
        print_row(f, left, help);
    }
    print_row(f, "-h, --help", "this text");
}

void cli_print_table(const cli_command *cmd, FILE *f)
{
    static const char *const kinds[] = {"flag", "text", "int", "number", "choice"};
    for (size_t i = 0; i < cmd->n_options; i++) {
        const cli_option *o = &cmd->options[i];
        fprintf(f, "%s\t%s%c\t--%s\t%s\t%s\t%.*s\n", cmd->name, o->short_name ? "-" : "",
                o->short_name ? o->short_name : '-', o->name, kinds[o->arg],
                o->arg == CLI_FLAG ? "" : o->metavar, (int)strcspn(o->help, "\n"), o->help);
    }
    fprintf(f, "%s\t-h\t--help\tflag\t\tthis text\n", cmd->name);
}
