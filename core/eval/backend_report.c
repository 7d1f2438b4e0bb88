/* Modules described without a context: a second dlopen of each usable
 * module's file reaches its interface for device_count, device_info and
 * the extensions asked without a context (notes, register-icd). */
#define _GNU_SOURCE
#include "eval/backend_report.h"

#include "engine/backend_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The opencl module's extension asked without a context (ocl_internal.h). */
#define REGISTER_ICD_EXT "siam_opencl_register_icd"
typedef siam_status (*register_icd_fn)(const char *dir, char *report, size_t size,
                                       siam_error *err);

static const siam_backend_iface *iface_of(const char *path, void **dl)
{
    *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!*dl)
        return NULL;
    void *sym = dlsym(*dl, SIAM_BACKEND_ENTRY_SYMBOL);
    if (!sym)
        return NULL;
    siam_backend_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    return entry();
}

static void *ext_of(const siam_backend_iface *ifc, const char *name)
{
    return ifc && ifc->get_proc_address ? ifc->get_proc_address(NULL, name) : NULL;
}

static siam_status probe(siam_module_report *r, siam_error *err)
{
    void *dl = NULL;
    const siam_backend_iface *ifc = iface_of(r->path, &dl);
    if (!ifc) {
        if (dl)
            dlclose(dl);
        return SIAM_OK;
    }
    r->probed = 1;
    int n = 0;
    siam_error derr = {0};
    siam_status st = SIAM_OK;
    if (ifc->device_count(&n, &derr) != SIAM_OK) {
        snprintf(r->device_error, sizeof r->device_error, "%s", derr.msg);
        n = 0;
    }
    if (n > 0) {
        r->devices = calloc((size_t)n, sizeof *r->devices);
        if (!r->devices)
            st = siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory listing %d devices", n);
    }
    for (int d = 0; st == SIAM_OK && d < n; d++)
        if (ifc->device_info(d, &r->devices[r->n_devices].info, &derr) == SIAM_OK)
            r->devices[r->n_devices++].index = d;
    void *fn = ext_of(ifc, SIAM_EXT_NOTES);
    if (fn) {
        siam_notes_fn notes;
        memcpy(&notes, &fn, sizeof notes);
        notes(r->notes, sizeof r->notes);
    }
    dlclose(dl);
    return st;
}

siam_status siam_backend_report(siam_module_report **out, int *count, siam_error *err)
{
    *out = NULL;
    *count = 0;
    siam_module_entry *e = NULL;
    int n = 0;
    siam_status st = siam_backend_scan(&e, &n, err);
    if (st != SIAM_OK)
        return st;
    siam_module_report *r = n ? calloc((size_t)n, sizeof *r) : NULL;
    if (n && !r) {
        free(e);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory listing %d modules", n);
    }
    for (int i = 0; st == SIAM_OK && i < n; i++) {
        memcpy(r[i].path, e[i].path, sizeof r[i].path);
        memcpy(r[i].name, e[i].name, sizeof r[i].name);
        memcpy(r[i].version, e[i].version, sizeof r[i].version);
        memcpy(r[i].problem, e[i].problem, sizeof r[i].problem);
        memcpy(r[i].wraps, e[i].wraps, sizeof r[i].wraps);
        r[i].score = e[i].score;
        r[i].usable = e[i].usable;
        if (r[i].usable)
            st = probe(&r[i], err);
    }
    free(e);
    if (st != SIAM_OK) {
        siam_backend_report_free(r, n);
        return st;
    }
    *out = r;
    *count = n;
    return SIAM_OK;
}

void siam_backend_report_free(siam_module_report *reports, int count)
{
    for (int i = 0; reports && i < count; i++)
        free(reports[i].devices);
    free(reports);
}

siam_status siam_backend_register_icd(const char *dir, char *report, size_t size,
                                      siam_error *err)
{
    siam_module_entry *e = NULL;
    int n = 0;
    siam_status st = siam_backend_scan(&e, &n, err);
    if (st != SIAM_OK)
        return st;
    for (int i = 0; i < n; i++) {
        if (strcmp(e[i].name, "opencl") != 0 || !e[i].usable)
            continue;
        void *dl = NULL;
        void *fn = ext_of(iface_of(e[i].path, &dl), REGISTER_ICD_EXT);
        if (!fn) {
            if (dl)
                dlclose(dl);
            continue;
        }
        register_icd_fn reg;
        memcpy(&reg, &fn, sizeof reg);
        st = reg(dir, report, size, err);
        dlclose(dl);
        free(e);
        return st;
    }
    free(e);
    return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                          "--register-icd needs the opencl module, and none usable was found");
}
