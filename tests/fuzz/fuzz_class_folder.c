/* Fuzz harness: the dataset folder scanner and loader (siam_dataset_load).
 *
 * Input layout:
 *   byte 0      flags: bits 0-1 file body (0 tiny valid PNG, 1 the raw tail,
 *               2 empty, 3 alternate valid/raw per file), bits 2-3 layout
 *               (0 auto, 1 Omniglot, 2 class folders, 3 auto), bits 4-5
 *               polarity (siam_polarity; 3 = auto), bit 6 stored size 7x5
 *               instead of the first image's
 *   then        relative paths, one a line, up to an empty line
 *   then        the raw tail, the body of files in raw mode
 * A path is created with its parent folders in a scratch root; paths that
 * are absolute, contain "." or ".." components or empty ones, are longer
 * than 200 bytes or deeper than 4 levels are skipped, and at most 24 are
 * made, so the tree stays inside the root and small. */
#include "data/dataset.h"
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 24
#define MAX_PATH_LEN 200
#define MAX_DEPTH 4

static int path_ok(const char *p, size_t n)
{
    if (n == 0 || n > MAX_PATH_LEN || p[0] == '/')
        return 0;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] == '\0')
            return 0;
        if (i == n || p[i] == '/') {
            size_t len = i - start;
            if (len == 0 || (len == 1 && p[start] == '.') ||
                (len == 2 && p[start] == '.' && p[start + 1] == '.'))
                return 0;
            if (++depth > MAX_DEPTH)
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

static void make_file(const char *root, const char *rel, size_t n, int body, const uint8_t *tail,
                      size_t tail_n)
{
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%.*s", root, (int)n, rel);
    if (k < 0 || (size_t)k >= sizeof path)
        return;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    if (fz_mkdirs(path) != 0)
        return; /* a file is already where a folder should be */
    *slash = '/';
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return; /* a folder is already there */
    if (body == 0)
        fz_write_file(path, fz_tiny_png, fz_tiny_png_len);
    else if (body == 1)
        fz_write_file(path, tail, tail_n);
    else
        fz_write_file(path, "", 0);
}

static void check(const siam_dataset *ds)
{
    size_t n = siam_dataset_count(ds);
    size_t hw = (size_t)siam_dataset_height(ds) * (size_t)siam_dataset_width(ds);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *px = siam_dataset_pixels(ds, i);
        sum += px[0] + px[hw - 1];
        if (!siam_dataset_path(ds, i) || siam_dataset_info(ds, i)->cls >= siam_dataset_n_classes(ds))
            abort();
    }
    for (size_t c = 0; c < siam_dataset_n_classes(ds); c++) {
        size_t first = siam_dataset_class_first_image(ds, c);
        if (first + siam_dataset_class_n_images(ds, c) > n || !siam_dataset_class_name(ds, c))
            abort();
    }
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    /* The path lines end at the first empty line. */
    size_t end = len;
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\n' && text[i + 1] == '\n') {
            end = i + 1;
            break;
        }
    const uint8_t *tail = data + 1 + (end < len ? end + 1 : len);
    size_t tail_n = (size_t)(data + size - tail);

    char root[4096];
    if (fz_mkdtemp(root, sizeof root) != 0)
        abort();
    int made = 0;
    size_t start = 0;
    for (size_t i = 0; i <= end && made < MAX_FILES; i++) {
        if (i == end || text[i] == '\n') {
            size_t n = i - start;
            if (path_ok(text + start, n)) {
                int body = flags & 3;
                if (body == 3)
                    body = made % 2;
                make_file(root, text + start, n, body, tail, tail_n);
                made++;
            }
            start = i + 1;
        }
    }

    siam_load_options opt;
    siam_load_options_default(&opt);
    static const siam_layout layouts[4] = {SIAM_LAYOUT_AUTO, SIAM_LAYOUT_OMNIGLOT,
                                           SIAM_LAYOUT_CLASS_FOLDERS, SIAM_LAYOUT_AUTO};
    opt.layout = layouts[(flags >> 2) & 3];
    unsigned pol = (flags >> 4) & 3;
    opt.polarity = pol == 3 ? SIAM_POLARITY_AUTO : (siam_polarity)pol;
    if (flags & 64) {
        opt.store_h = 7;
        opt.store_w = 5;
    }
    siam_load_report rep = {0};
    siam_dataset *ds = NULL;
    siam_error err;
    siam_error_clear(&err);
    if (siam_dataset_load(root, &opt, &rep, &ds, &err) == SIAM_OK) {
        check(ds);
        siam_dataset_destroy(ds);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    siam_load_report_clear(&rep);
    fz_rmtree(root);
    return 0;
}
