/* siamese backends: every module found on the search path, with its path,
 * version, score, devices and notes; --register-icd writes an ICD folder
 * for vendor OpenCL libraries the loader does not know (opencl module). */
#define _GNU_SOURCE
#include "commands.h"

#include "base/term_text.h"

#include "eval/backend_report.h"
#include "json_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_notes(const siam_module_report *r)
{
    char buf[sizeof r->notes];
    memcpy(buf, r->notes, sizeof buf);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        printf("    note: %s\n", line);
}

static void print_devices(const siam_module_report *r)
{
    for (int d = 0; d < r->n_devices; d++) {
        const siam_device_info *info = &r->devices[d].info;
        printf("    device %d: %s\n", r->devices[d].index, info->name);
        if (info->platform[0])
            printf("      platform: %s\n", info->platform);
        printf("      vendor: %s; driver: %s\n", info->vendor, info->driver);
        if (info->extra[0])
            printf("      %s\n", info->extra);
        printf("      memory: %.1f GiB; compute units: %d\n",
               (double)info->global_mem_bytes / (1024.0 * 1024.0 * 1024.0),
               info->compute_units);
    }
    if (r->probed && r->n_devices == 0)
        printf("    no devices (%s)\n", r->device_error[0] ? r->device_error : "none found");
    if (r->probed)
        print_notes(r);
}

/* One module as a JSON object, its devices included. */
static void json_module(const siam_module_report *r)
{
    printf("{\"name\":");
    cli_json_string(stdout, r->name);
    printf(",\"version\":");
    cli_json_string(stdout, r->usable ? r->version : "");
    printf(",\"score\":%d,\"path\":", r->score);
    cli_json_string(stdout, r->path);
    printf(",\"usable\":%s,\"problem\":", r->usable && r->score > 0 ? "true" : "false");
    cli_json_string(stdout, r->problem);
    printf(",\"wrapper\":");
    if (r->wraps[0])
        cli_json_string(stdout, r->wraps);
    else
        printf("null");
    printf(",\"devices\":[");
    for (int d = 0; d < r->n_devices; d++) {
        const siam_device_info *info = &r->devices[d].info;
        printf("%s{\"index\":%d,\"name\":", d ? "," : "", r->devices[d].index);
        cli_json_string(stdout, info->name);
        printf(",\"platform\":");
        cli_json_string(stdout, info->platform);
        printf(",\"vendor\":");
        cli_json_string(stdout, info->vendor);
        printf(",\"driver\":");
        cli_json_string(stdout, info->driver);
        printf(",\"memory_bytes\":%llu,\"compute_units\":%d}",
               (unsigned long long)info->global_mem_bytes, info->compute_units);
    }
    printf("]}");
}

enum { OPT_JSON = 1, OPT_REGISTER_ICD };

static const cli_option backends_options[] = {
    {OPT_JSON, "json", 0, CLI_FLAG, NULL, 0, 0, 0,
     "one JSON object {\"backends\": [...]}, wrappers\nmarked by their usage", 0},
    {OPT_REGISTER_ICD, "register-icd", 0, CLI_TEXT, "DIR", 0, 0, 0,
     "write into DIR (created if missing) an ICD file for\n"
     "each vendor OpenCL library found that the ICD loader\n"
     "does not know (NVIDIA, AMD, Intel; more through\n"
     "SIAMESE_OPENCL_VENDOR_LIBS), plus the loader's current\n"
     "entries; then export OCL_ICD_VENDORS=DIR. Nothing is\n"
     "written outside DIR.", 0},
};

const cli_command siam_cli_backends = CLI_OPTIONS(
    "backends", "", 0, 0,
    "Lists the backend modules (libsiamese-backend-<name>.so) found in\n"
    "SIAMESE_BACKEND_PATH, in ../lib/siamese beside this program and in the\n"
    "build tree, with their version, score, devices and notes (e.g. a GPU\n"
    "driver's OpenCL library that no ICD file registers).\n",
    backends_options);

int siam_cmd_backends(int argc, char **argv)
{
    const char *icd_dir = NULL;
    int json = 0;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_backends, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        if (id == OPT_JSON)
            json = 1;
        else
            icd_dir = v.text;
    }
    if (icd_dir && !icd_dir[0]) {
        siam_print_errorf("backends", "--register-icd needs a folder");
        return 2;
    }
    siam_error err = {0};
    if (icd_dir) {
        char report[4096];
        if (siam_backend_register_icd(icd_dir, report, sizeof report, &err) != SIAM_OK) {
            siam_print_error("backends", err.msg);
            return 1;
        }
        fputs(report, stdout);
        return 0;
    }
    siam_module_report *r = NULL;
    int n = 0;
    if (siam_backend_report(&r, &n, &err) != SIAM_OK) {
        siam_print_error("backends", err.msg);
        return 1;
    }
    if (json) {
        printf("{\"backends\":[");
        for (int i = 0; i < n; i++) {
            printf("%s", i ? "," : "");
            json_module(&r[i]);
        }
        printf("]}\n");
        siam_backend_report_free(r, n);
        return 0;
    }
    if (n == 0)
        printf("no backend modules found (set SIAMESE_BACKEND_PATH)\n");
    /* Backends that compute first; then the wrappers that forward to one. */
    int n_wrappers = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && n_wrappers > 0)
            printf("\nwrappers (in front of another backend):\n");
        for (int i = 0; i < n; i++) {
            int wraps = r[i].wraps[0] != '\0';
            n_wrappers += pass == 0 && wraps;
            if (wraps != pass)
                continue;
            printf("%s  version %s  score %d  %s\n", r[i].name,
                   r[i].usable ? r[i].version : "-", r[i].score, r[i].path);
            if (wraps)
                printf("    use: --backend %s\n", r[i].wraps);
            if (r[i].problem[0])
                printf("    unusable: %s\n", r[i].problem);
            print_devices(&r[i]);
        }
    }
    siam_backend_report_free(r, n);
    return 0;
}
