/* The backend modules on the search path described without creating a
 * context (`siamese backends`): each module's version, score, problem,
 * wrapper usage, devices and notes; and the opencl module's ICD folder
 * writer (`--register-icd`). */
#ifndef SIAMESE_EVAL_BACKEND_REPORT_H
#define SIAMESE_EVAL_BACKEND_REPORT_H

#include "siamese/backend.h"

/* A device as the module numbers it (selectors use that number). */
typedef struct siam_module_device {
    int index;
    siam_device_info info;
} siam_module_device;

typedef struct siam_module_report {
    char path[1024];
    char name[64];
    char version[64];
    int score;
    int usable;             /* loaded, right ABI */
    char problem[512];      /* why not usable */
    char wraps[64];         /* a wrapper's usage, "" for a backend */
    int probed;             /* the module's interface was reached for devices */
    int n_devices;
    siam_module_device *devices; /* those whose info could be read */
    char device_error[SIAM_ERROR_MSG_SIZE]; /* why device_count failed, "" if it did not */
    char notes[4096];       /* SIAM_EXT_NOTES: lines ending in '\n' */
} siam_module_report;

/* Every module found, usable or not; devices and notes for the usable ones.
 * Free with siam_backend_report_free. */
siam_status siam_backend_report(siam_module_report **out, int *count, siam_error *err);
void siam_backend_report_free(siam_module_report *reports, int count);

/* Writes into dir an ICD file for each vendor OpenCL library the loader does
 * not know, through the opencl module; `report` gets what was written. */
siam_status siam_backend_register_icd(const char *dir, char *report, size_t size,
                                      siam_error *err);

#endif
