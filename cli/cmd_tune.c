/* siamese tune: measures a backend's GEMM library parameters on the GEMMs
 * of a net's training step, on the chosen device, and has the backend keep
 * the fastest for that device (SIAM_EXT_TUNE; the opencl module stores it
 * beside its program cache). The step's conv and linear ops (shapes, no
 * buffers) come from train/step_gemm_ops.h, train/tune.h runs the backend's
 * tuning step; this prints the report. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/term_text.h"

#include "train/step_gemm_ops.h"
#include "train/tune.h"
#include "json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUNE_REPORT_SIZE 16384
#define TUNE_MAX_FIELDS 8

enum { OPT_BACKEND = 1, OPT_PRESET, OPT_BATCH, OPT_JSON };

static const cli_option tune_options[] = {
    {OPT_BACKEND, "backend", 'b', CLI_TEXT, "NAME[:DEVICE]", 0, 0, 0,
     "backend and device to tune (default opencl)", 0},
    {OPT_PRESET, "preset", 'p', CLI_TEXT, "P", 0, 0, 0,
     "the net whose GEMMs are measured: a preset, koch105,\nkoch35 (default), small35 or tiny", 0},
    {OPT_BATCH, "batch", 0, CLI_INT, "B", 1, 65536, 0, "pairs per step (default 128)", 0},
    {OPT_JSON, "json", 0, CLI_FLAG, NULL, 0, 0, 0, "one JSON object: sets, shapes, result", 0},
};

const cli_command siam_cli_tune = CLI_OPTIONS(
    "tune", "", 0, 0,
    "Times a few parameter sets of the backend's GEMM library (CLBlast's Xgemm\n"
    "for opencl) against the library's own choice, on the GEMMs of a training\n"
    "step of the net at the batch given, on the device given. A set that is\n"
    "faster by 5% or more over the whole step is stored for that device (in\n"
    "the OpenCL cache folder, keyed by device, driver and platform) and used\n"
    "by every later run on it; otherwise nothing is stored (and an older entry\n"
    "is removed). Delete the file it names to go back to the library's own.\n",
    tune_options);

/* Splits line (modified) at tabs; the number of fields. */
static int fields_of(char *line, char **f)
{
    int n = 0;
    for (char *p = line; n < TUNE_MAX_FIELDS;) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static void print_json(char *report, const char *preset, int batch)
{
    printf("{\"preset\":");
    cli_json_string(stdout, preset);
    printf(",\"batch\":%d", batch);
    char *save = NULL, *f[TUNE_MAX_FIELDS] = {0};
    int sets = 0, shapes = 0;
    for (char *line = strtok_r(report, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int n = fields_of(line, f);
        if (strcmp(f[0], "device") == 0 && n >= 2) {
            printf(",\"device\":");
            cli_json_string(stdout, f[1]);
        } else if (strcmp(f[0], "set") == 0 && n >= 4) {
            printf("%s{\"name\":", sets++ ? "," : ",\"sets\":[");
            cli_json_string(stdout, f[1]);
            printf(",\"step_gemm_ms\":");
            cli_json_number(stdout, strcmp(f[2], "-") ? atof(f[2]) : NAN);
            printf(",\"status\":");
            cli_json_string(stdout, f[3]);
            printf("}");
        } else if (strcmp(f[0], "shape") == 0 && n >= 8) {
            printf("%s{\"op\":", shapes++ ? "," : (sets ? "],\"shapes\":[" : ",\"shapes\":["));
            cli_json_string(stdout, f[1]);
            printf(",\"m\":%s,\"n\":%s,\"k\":%s,\"calls\":%s,\"database_ms\":", f[2], f[3], f[4],
                   f[5]);
            cli_json_number(stdout, atof(f[6]));
            printf(",\"best_ms\":");
            cli_json_number(stdout, strcmp(f[7], "-") ? atof(f[7]) : NAN);
            printf("}");
        } else if (strcmp(f[0], "result") == 0 && n >= 7) {
            printf("%s,\"result\":{\"outcome\":", shapes || sets ? "]" : "");
            cli_json_string(stdout, f[1]);
            printf(",\"set\":");
            cli_json_string(stdout, f[2]);
            printf(",\"database_ms\":");
            cli_json_number(stdout, atof(f[3]));
            printf(",\"best_ms\":");
            cli_json_number(stdout, strcmp(f[4], "-") ? atof(f[4]) : NAN);
            printf(",\"path\":");
            cli_json_string(stdout, f[5]);
            printf(",\"note\":");
            cli_json_string(stdout, f[6]);
            printf("}");
        }
    }
    printf("}\n");
}

static void print_text(char *report, const char *preset, int batch)
{
    char *save = NULL, *f[TUNE_MAX_FIELDS] = {0};
    int shapes = 0;
    for (char *line = strtok_r(report, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int n = fields_of(line, f);
        if (strcmp(f[0], "device") == 0 && n >= 2) {
            printf("device %s, %s at batch %d\n%-20s %12s\n", f[1], preset, batch, "set",
                   "step GEMM ms");
        } else if (strcmp(f[0], "set") == 0 && n >= 4) {
            if (strcmp(f[3], "ok") == 0)
                printf("%-20s %12s\n", f[1], f[2]);
            else
                printf("%-20s %12s  %s\n", f[1], "-", f[3]);
        } else if (strcmp(f[0], "shape") == 0 && n >= 8) {
            if (!shapes++)
                printf("%-18s %7s %9s %9s %5s %12s %9s\n", "gemm of", "m", "n", "k", "calls",
                       "database ms", "best ms");
            printf("%-18s %7s %9s %9s %5s %12s %9s\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
        } else if (strcmp(f[0], "result") == 0 && n >= 7) {
            if (strcmp(f[1], "stored") == 0)
                printf("stored %s (%s ms against %s ms: %s) in %s\n", f[2], f[4], f[3], f[6],
                       f[5]);
            else
                printf("nothing stored: %s (fastest: %s, %s ms against %s ms)\n", f[6], f[2],
                       f[4], f[3]);
        }
    }
}

int siam_cmd_tune(int argc, char **argv)
{
    const char *spec = "opencl", *preset = "koch35";
    int batch = 128, json = 0;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_tune, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        if (id == OPT_BACKEND)
            spec = v.text;
        else if (id == OPT_PRESET)
            preset = v.text;
        else if (id == OPT_BATCH)
            batch = (int)v.number;
        else
            json = 1;
    }
    siam_error err = {0};
    siam_op_args ops[SIAM_STEP_GEMM_OPS_MAX];
    int n_ops = 0;
    if (siam_step_gemm_ops(preset, batch, ops, &n_ops, &err) != SIAM_OK) {
        siam_print_error("tune", err.msg);
        return 2;
    }
    char *report = malloc(TUNE_REPORT_SIZE);
    if (!report) {
        siam_print_errorf("tune", "out of memory");
        return 1;
    }
    if (siam_tune_backend(spec, ops, n_ops, report, TUNE_REPORT_SIZE, &err) != SIAM_OK) {
        siam_print_error("tune", err.msg);
        free(report);
        return 1;
    }
    if (json)
        print_json(report, preset, batch);
    else
        print_text(report, preset, batch);
    free(report);
    return 0;
}
