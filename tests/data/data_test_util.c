#define _POSIX_C_SOURCE 200809L
#include "data_test_util.h"

#include <dirent.h>
#include <png.h>
#include <stdio.h>
#include <jpeglib.h> /* after stdio.h: it uses FILE */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/datapath.h"

int tu_mkdtemp(char *buf, size_t cap)
{
    const char *t = getenv("TMPDIR");
    if (!t || !t[0])
        t = "/tmp";
    if ((size_t)snprintf(buf, cap, "%s/siam-data-test-XXXXXX", t) >= cap)
        return -1;
    return mkdtemp(buf) ? 0 : -1;
}

void tu_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[4096];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                tu_rmtree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

int tu_mkdirs(const char *dir)
{
    char tmp[8192];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    return (mkdir(tmp, 0755) == 0 || access(tmp, F_OK) == 0) ? 0 : -1;
}

int tu_write_file(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(bytes, 1, n, f) : 0;
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

int tu_read_file(const char *path, uint8_t **bytes, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *bytes = malloc(len > 0 ? (size_t)len : 1);
    *n = len > 0 ? fread(*bytes, 1, (size_t)len, f) : 0;
    fclose(f);
    return *n == (size_t)(len > 0 ? len : 0) ? 0 : -1;
}

static int channels_of(int color_type)
{
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    }
    return 0;
}

int tu_write_png(const char *path, int w, int h, int color_type, int depth, int interlace,
                 const uint16_t *samples, const uint8_t *palette_rgb, int n_palette,
                 const uint8_t *trns, int n_trns)
{
    const volatile int ch = channels_of(color_type);
    FILE *f = fopen(path, "wb");
    if (!f || ch == 0)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    size_t bps = depth == 16 ? 2 : 1; /* bytes per sample before packing */
    size_t rowbytes = (size_t)w * ch * bps;
    uint8_t *buf = malloc(rowbytes * (size_t)h);
    png_bytep *rows = malloc(sizeof(png_bytep) * (size_t)h);
    if (!png || !info || !buf || !rows) {
        png_destroy_write_struct(&png, &info);
        free(buf);
        free(rows);
        fclose(f);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(buf);
        free(rows);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        for (int i = 0; i < n_palette; i++) {
            pal[i].red = palette_rgb[3 * i];
            pal[i].green = palette_rgb[3 * i + 1];
            pal[i].blue = palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, pal, n_palette);
        if (trns && n_trns)
            png_set_tRNS(png, info, trns, n_trns, NULL);
    }
    png_write_info(png, info);
    if (depth < 8)
        png_set_packing(png);
    for (int y = 0; y < h; y++) {
        rows[y] = buf + (size_t)y * rowbytes;
        for (size_t k = 0; k < (size_t)w * ch; k++) {
            uint16_t v = samples[(size_t)y * w * ch + k];
            if (bps == 2) {
                rows[y][2 * k] = (uint8_t)(v >> 8);
                rows[y][2 * k + 1] = (uint8_t)(v & 0xff);
            } else {
                rows[y][k] = (uint8_t)v;
            }
        }
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(buf);
    free(rows);
    return fclose(f) == 0 ? 0 : -1;
}

int tu_write_ink_png(const char *path, int w, int h, const uint8_t *ink)
{
    uint16_t *s = malloc(sizeof(uint16_t) * (size_t)w * h);
    if (!s)
        return -1;
    for (size_t i = 0; i < (size_t)w * h; i++)
        s[i] = ink[i] ? 0 : 1;
    int r = tu_write_png(path, w, h, PNG_COLOR_TYPE_GRAY, 1, 0, s, NULL, 0, NULL, 0);
    free(s);
    return r;
}

int tu_make_omniglot(const char *root, int n_alphabets, const int *n_chars, int n_drawers,
                     int size)
{
    uint8_t *ink = malloc((size_t)size * size);
    if (!ink)
        return -1;
    int id = 1, rc = 0;
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int a = 0; a < n_alphabets && !rc; a++)
        for (int c = 0; c < n_chars[a] && !rc; c++, id++) {
            char dir[4300];
            snprintf(dir, sizeof dir, "%s/Alpha_%02d/character%02d", root, a, c + 1);
            rc = tu_mkdirs(dir);
            for (int d = 1; d <= n_drawers && !rc; d++) {
                for (int i = 0; i < size * size; i++) {
                    h ^= h << 13;
                    h ^= h >> 7;
                    h ^= h << 17;
                    int y = i / size, x = i % size;
                    int frame = y == 0 || x == 0 || y == size - 1 || x == size - 1;
                    ink[i] = !frame && (h % 3 == 0);
                }
                char path[4400];
                snprintf(path, sizeof path, "%s/%04d_%02d.png", dir, id, d);
                rc = tu_write_ink_png(path, size, size, ink);
            }
        }
    free(ink);
    return rc;
}

const char *tu_omniglot_dir(void)
{
    static char buf[4096]; /* test helper; single-threaded tests */
    char dir_buf[4096];
    const char *dir = siam_data_dir(NULL, dir_buf, sizeof dir_buf);
    if (!dir) {
        printf("SKIP: no Omniglot data folder can be named (set SIAMESE_DATA)\n");
        return NULL;
    }
    snprintf(buf, sizeof buf, "%s/images_background", dir);
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: Omniglot data not found at %s (set SIAMESE_DATA)\n", dir);
        return NULL;
    }
    snprintf(buf, sizeof buf, "%s", dir);
    return buf;
}

int tu_write_jpeg(const char *path, int w, int h, int components, const uint8_t *pixels,
                  int quality)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = components;
    c.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * (size_t)w * (size_t)components);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return fclose(f) == 0 ? 0 : -1;
}
