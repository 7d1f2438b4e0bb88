/* Loading the whole Omniglot release (background and evaluation sets, 32,460
 * PNG files): CPU and wall seconds, the pixel arena, and the process's peak
 * RSS. Prints one JSON object. A test cannot hold these to a limit (the
 * machine and its load set them); this program measures them.
 *
 * usage: bench_load [--data DIR] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "data/datapath.h"
#include "data/dataset.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *data = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else {
            fprintf(stderr, "usage: bench_load [--data DIR]\n");
            return 2;
        }
    }
    const char *sets[2] = {"images_background", "images_evaluation"};
    siam_dataset *ds[2] = {NULL, NULL};
    siam_error err;
    size_t images = 0, bytes = 0;
    clock_t c0 = clock();
    double w0 = now();
    for (int s = 0; s < 2; s++) {
        char path[4200];
        char dir[4096];
        if (!siam_data_join(path, sizeof path, siam_data_dir(data, dir, sizeof dir), sets[s]))
            return fprintf(stderr, "bench_load: data path too long\n"), 1;
        if (siam_dataset_load(path, NULL, NULL, &ds[s], &err) != SIAM_OK) {
            fprintf(stderr, "bench_load: %s\n", err.msg);
            siam_dataset_destroy(ds[0]);
            return 1;
        }
        images += siam_dataset_count(ds[s]);
        bytes += siam_dataset_arena_bytes(ds[s]);
    }
    double cpu_s = (double)(clock() - c0) / CLOCKS_PER_SEC, wall_s = now() - w0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"bench\":\"dataset_load\",\"images\":%zu,\"cpu_s\":%.3f,\"wall_s\":%.3f,"
           "\"arena_mb\":%.1f,\"peak_rss_mib\":%.1f}\n",
           images, cpu_s, wall_s, (double)bytes / 1e6, (double)ru.ru_maxrss / 1024.0);
    siam_dataset_destroy(ds[0]);
    siam_dataset_destroy(ds[1]);
    return 0;
}
