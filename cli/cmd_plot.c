/* siamese plot: training logs drawn as a PNG or an SVG chart
 * (cli/plot/: reading the logs, and one renderer per format). */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "data/folder.h"
#include "plot/plot_data.h"
#include "plot/plot_write.h"
#include "base/term_text.h"

#define MAX_LOGS 16

#define STR(x) #x
#define XSTR(x) STR(x)

static const cli_option plot_options[] = {
    {1, "out", 'o', CLI_TEXT, "FILE", 0, 0, CLI_REQUIRED, "the chart: FILE.png or FILE.svg", 0},
};

const cli_command siam_cli_plot = CLI_OPTIONS(
    "plot", "LOGFILE...", 1, MAX_LOGS,
    "Draws training logs (siamese train --log) against training time in\n"
    "minutes: loss (left axis, mean of every 20 steps, solid) and validation\n"
    "one-shot accuracy (right axis, 0-100%, dashed), each log in its own\n"
    "colour, its best epoch marked. SVG (for a .svg name) has labelled axes\n"
    "and names the logs; PNG numbers them in command-line order. Up to " XSTR(MAX_LOGS) " logs.\n",
    plot_options);

int siam_cmd_plot(int argc, char **argv)
{
    const char *out = NULL;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_plot, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        out = v.text;
    }
    char **logs = p.operands;
    int n = p.n_operands;
    siam_error err = {0};
    for (int k = 0; k < n; k++)
        if (siam_same_file(logs[k], out)) {
            siam_print_errorf("plot", "--out %s is the log itself: refusing to overwrite it", out);
            return 1;
        }
    /* .svg gets SVG; .png, or a name with no extension, PNG; another
     * extension would get bytes its name does not promise. */
    const char *base = strrchr(out, '/'), *dot;
    dot = strrchr(base ? base + 1 : out, '.');
    int svg = siam_name_ends_with(out, ".svg");
    if (!svg && dot && dot[1] && !siam_name_ends_with(out, ".png")) {
        siam_print_errorf("plot", "--out %s: name a .png or .svg file", out);
        return 2;
    }
    if (siam_output_check(out, &err) != SIAM_OK) {
        siam_print_error("plot", err.msg);
        return 1;
    }
    plot_log lg[MAX_LOGS];
    int loaded = 0, points = 0;
    siam_status st = SIAM_OK;
    for (; st == SIAM_OK && loaded < n; loaded++) {
        st = plot_log_read(logs[loaded], &lg[loaded], &err);
        if (st != SIAM_OK)
            break;
        points += lg[loaded].loss.n + lg[loaded].acc.n;
        if (lg[loaded].skipped)
            siam_print_errorf("plot",
                              "warning: skipped %d records of %s whose values are not finite or "
                              "out of range",
                              lg[loaded].skipped, logs[loaded]);
    }
    if (st == SIAM_OK)
        st = svg ? plot_write_svg(out, lg, n, &err) : plot_write_png(out, lg, n, &err);
    for (int k = 0; k < loaded; k++)
        plot_log_free(&lg[k]);
    if (st != SIAM_OK) {
        siam_print_error("plot", err.msg);
        return 1;
    }
    printf("wrote %s (%d logs, %d points)\n", out, n, points);
    return 0;
}
