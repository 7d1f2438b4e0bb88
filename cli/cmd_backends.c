/* siamese backends: every module found on the search path, with its path,
#define _GNU_SOURCE
 * version, score and devices. */
#include "commands.h"

#include "backend_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_devices(const siam_module_entry *e)
{
    /* Open the module once more to list its devices without a context. */
    void *dl = dlopen(e->path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!dl)
        return;
    siam_backend_entry_fn entry;
    void *sym = dlsym(dl, SIAM_BACKEND_ENTRY_SYMBOL);
    memcpy(&entry, &sym, sizeof entry);
    const siam_backend_iface *ifc = sym ? entry() : NULL;
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
    dlclose(dl);
}

int siam_cmd_backends(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: siamese backends\n\n"
                   "Lists the backend modules (libsiamese-backend-<name>.so) found in\n"
                   "SIAMESE_BACKEND_PATH, in ../lib/siamese beside this program and in the\n"
                   "build tree, with their version, score and devices.\n");
            return 0;
        }
        fprintf(stderr, "siamese backends: unknown option '%s'\n", argv[i]);
        return 2;
    }
    siam_module_entry *e = NULL;
    int n = 0;
    siam_error err = {0};
    if (siam_backend_scan(&e, &n, &err) != SIAM_OK) {
        fprintf(stderr, "siamese backends: %s\n", err.msg);
        return 1;
    }
    if (n == 0)
        printf("no backend modules found (set SIAMESE_BACKEND_PATH)\n");
    for (int i = 0; i < n; i++) {
        printf("%s  version %s  score %d  %s\n", e[i].name, e[i].usable ? e[i].version : "-",
               e[i].score, e[i].path);
        if (e[i].problem[0])
            printf("    unusable: %s\n", e[i].problem);
        if (e[i].usable)
            print_devices(&e[i]);
    }
    free(e);
    return 0;
}
