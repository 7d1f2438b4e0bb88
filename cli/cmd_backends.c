/* siamese backends: every module found on the search path, with its path,
 * version, score, devices and notes; --register-icd writes an ICD folder
 * for vendor OpenCL libraries the loader does not know (opencl module). */
#define _GNU_SOURCE
#include "commands.h"

#include "base/term_text.h"

#include "engine/backend_loader.h"
#include "json_out.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef siam_status (*register_icd_fn)(const char *dir, char *report, size_t size,
                                       siam_error *err);

/* The module's interface, from a second dlopen (no context is created). */
static const siam_backend_iface *iface_of(const siam_module_entry *e, void **dl)
{
    *dl = dlopen(e->path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!*dl)
        return NULL;
    siam_backend_entry_fn entry;
    void *sym = dlsym(*dl, SIAM_BACKEND_ENTRY_SYMBOL);
    memcpy(&entry, &sym, sizeof entry);
    return sym ? entry() : NULL;
}

static void print_notes(const siam_backend_iface *ifc)
{
    void *fn = ifc->get_proc_address ? ifc->get_proc_address(NULL, SIAM_EXT_NOTES) : NULL;
    if (!fn)
        return;
    siam_notes_fn notes;
    memcpy(&notes, &fn, sizeof notes);
    char buf[4096];
    notes(buf, sizeof buf);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        printf("    note: %s\n", line);
}

static void print_devices(const siam_module_entry *e)
{
    void *dl = NULL;
    const siam_backend_iface *ifc = iface_of(e, &dl);
    int n = 0;
    siam_error err = {0};
    if (ifc && ifc->device_count(&n, &err) == SIAM_OK) {
        for (int d = 0; d < n; d++) {
            siam_device_info info;
            if (ifc->device_info(d, &info, &err) != SIAM_OK)
                continue;
            printf("    device %d: %s\n", d, info.name);
            if (info.platform[0])
                printf("      platform: %s\n", info.platform);
            printf("      vendor: %s; driver: %s\n", info.vendor, info.driver);
            if (info.extra[0])
                printf("      %s\n", info.extra);
            printf("      memory: %.1f GiB; compute units: %d\n",
                   (double)info.global_mem_bytes / (1024.0 * 1024.0 * 1024.0),
                   info.compute_units);
        }
    }
    if (ifc && n == 0)
        printf("    no devices (%s)\n", err.msg[0] ? err.msg : "none found");
    if (ifc)
        print_notes(ifc);
    if (dl)
        dlclose(dl);
}

/* One module as a JSON object, its devices included. */
static void json_module(const siam_module_entry *e)
{
    printf("{\"name\":");
    cli_json_string(stdout, e->name);
    printf(",\"version\":");
    cli_json_string(stdout, e->usable ? e->version : "");
    printf(",\"score\":%d,\"path\":", e->score);
    cli_json_string(stdout, e->path);
    printf(",\"usable\":%s,\"problem\":", e->usable && e->score > 0 ? "true" : "false");
    cli_json_string(stdout, e->problem);
    printf(",\"wrapper\":");
    if (e->wraps[0])
        cli_json_string(stdout, e->wraps);
    else
        printf("null");
    printf(",\"devices\":[");
    void *dl = NULL;
    const siam_backend_iface *ifc = e->usable ? iface_of(e, &dl) : NULL;
    int n = 0;
    siam_error err = {0};
    if (ifc && ifc->device_count(&n, &err) == SIAM_OK) {
        for (int d = 0, first = 1; d < n; d++) {
            siam_device_info info;
            if (ifc->device_info(d, &info, &err) != SIAM_OK)
                continue;
            printf("%s{\"index\":%d,\"name\":", first ? "" : ",", d);
            first = 0;
            cli_json_string(stdout, info.name);
            printf(",\"platform\":");
            cli_json_string(stdout, info.platform);
            printf(",\"vendor\":");
            cli_json_string(stdout, info.vendor);
            printf(",\"driver\":");
            cli_json_string(stdout, info.driver);
            printf(",\"memory_bytes\":%llu,\"compute_units\":%d}",
                   (unsigned long long)info.global_mem_bytes, info.compute_units);
        }
    }
    printf("]}");
    if (dl)
        dlclose(dl);
}

static int register_icd(const siam_module_entry *e, int n, const char *dir)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(e[i].name, "opencl") != 0 || !e[i].usable)
            continue;
        void *dl = NULL;
        const siam_backend_iface *ifc = iface_of(&e[i], &dl);
        void *fn = ifc && ifc->get_proc_address
                       ? ifc->get_proc_address(NULL, "siam_opencl_register_icd")
                       : NULL;
        if (!fn) {
            if (dl)
                dlclose(dl);
            continue;
        }
        register_icd_fn reg;
        memcpy(&reg, &fn, sizeof reg);
        char report[4096];
        siam_error err = {0};
        siam_status st = reg(dir, report, sizeof report, &err);
        if (st == SIAM_OK)
            fputs(report, stdout);
        else
            siam_print_error("backends", err.msg);
        dlclose(dl);
        return st == SIAM_OK ? 0 : 1;
    }
    siam_print_errorf("backends", "--register-icd needs the opencl module, and none usable "
                    "was found");
    return 1;
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
    siam_module_entry *e = NULL;
    int n = 0;
    siam_error err = {0};
    if (siam_backend_scan(&e, &n, &err) != SIAM_OK) {
        siam_print_error("backends", err.msg);
        return 1;
    }
    if (icd_dir) {
        int rc = register_icd(e, n, icd_dir);
        free(e);
        return rc;
    }
    if (json) {
        printf("{\"backends\":[");
        for (int i = 0; i < n; i++) {
            printf("%s", i ? "," : "");
            json_module(&e[i]);
        }
        printf("]}\n");
        free(e);
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
            int wraps = e[i].wraps[0] != '\0';
            n_wrappers += pass == 0 && wraps;
            if (wraps != pass)
                continue;
            printf("%s  version %s  score %d  %s\n", e[i].name,
                   e[i].usable ? e[i].version : "-", e[i].score, e[i].path);
            if (wraps)
                printf("    use: --backend %s\n", e[i].wraps);
            if (e[i].problem[0])
                printf("    unusable: %s\n", e[i].problem);
            if (e[i].usable)
                print_devices(&e[i]);
        }
    }
    free(e);
    return 0;
}
