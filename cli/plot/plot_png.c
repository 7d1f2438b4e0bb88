/* siamese plot: PNG output, drawn on a pixel canvas (libpng writes it). */
#include "plot_write.h"

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"

#define W 900
#define H 480
#define L 70   /* plot area margins */
#define R 70
#define T 40
#define B 60

typedef struct canvas {
    uint8_t px[H][W][3];
} canvas;

static void dot(canvas *c, int x, int y, const uint8_t rgb[3])
{
    if (x >= 0 && x < W && y >= 0 && y < H)
        memcpy(c->px[y][x], rgb, 3);
}

static void line(canvas *c, int x0, int y0, int x1, int y1, const uint8_t rgb[3], int thick)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    for (;;) {
        for (int a = 0; a < thick; a++)
            for (int b = 0; b < thick; b++)
                dot(c, x0 + a, y0 + b, rgb);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * e;
        if (e2 >= dy)
            e += dy, x0 += sx;
        if (e2 <= dx)
            e += dx, y0 += sy;
    }
}

/* A 3x5 pixel font, drawn at 2x: rows top to bottom, 3 bits each. */
static const char *glyph(char ch)
{
    switch (ch) {
    case '0': return "111101101101111"; case '1': return "010110010010111";
    case '2': return "111001111100111"; case '3': return "111001111001111";
    case '4': return "101101111001001"; case '5': return "111100111001111";
    case '6': return "111100111101111"; case '7': return "111001010010010";
    case '8': return "111101111101111"; case '9': return "111101111001111";
    case '.': return "000000000000010"; case '%': return "101001010100101";
    case 'a': return "000011101101011"; case 'c': return "000111100100111";
    case 'e': return "111101111100111"; case 'i': return "010000010010010";
    case 'l': return "110010010010111"; case 'm': return "000111111101101";
    case 'n': return "000110101101101"; case 'o': return "000111101101111";
    case 'r': return "000111100100100"; case 's': return "011100010001110";
    case 't': return "010111010010011"; case 'u': return "000101101101111";
    case 'v': return "000101101101010"; case 'y': return "101101111001110";
    case 'd': return "001001111101111"; case ' ': return "000000000000000";
    default: return "000000000000000";
    }
}

static void text(canvas *c, int x, int y, const char *s, const uint8_t rgb[3])
{
    for (; *s; s++, x += 8) {
        const char *g = glyph(*s);
        for (int r = 0; r < 5; r++)
            for (int k = 0; k < 3; k++)
                if (g[r * 3 + k] == '1')
                    for (int a = 0; a < 2; a++)
                        for (int b = 0; b < 2; b++)
                            dot(c, x + 2 * k + a, y + 2 * r + b, rgb);
    }
}

static siam_status write_png(const char *path, const canvas *c, siam_error *err)
{
    siam_atomic_file out;
    FILE *f = siam_atomic_begin_stream(&out, path, err);
    if (!f)
        return err ? err->status : SIAM_ERR_IO;
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    int ok = p && info;
    if (ok && setjmp(png_jmpbuf(p)) == 0) {
        png_init_io(p, f);
        png_set_IHDR(p, info, W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(p, info);
        for (int y = 0; y < H; y++)
            png_write_row(p, (png_const_bytep)c->px[y]);
        png_write_end(p, NULL);
    } else {
        ok = 0;
    }
    png_destroy_write_struct(p ? &p : NULL, info ? &info : NULL);
    if (!ok) {
        siam_atomic_abort(&out);
        return siam_error_set(err, SIAM_ERR_IO, "writing %s: libpng failed", path);
    }
    return siam_atomic_commit(&out, err);
}

static void draw(canvas *c, const plot_log *logs, int n)
{
    double tmax, lmax;
    plot_extent(logs, n, &tmax, &lmax);
    memset(c, 255, sizeof *c);
    const uint8_t black[3] = {0, 0, 0}, grey[3] = {215, 215, 215};
    int pw = W - L - R, ph = H - T - B;
    char lab[32];
    for (int g = 0; g <= 5; g++) { /* grid, left and right labels */
        int y = T + ph - g * ph / 5;
        line(c, L, y, L + pw, y, grey, 1);
        snprintf(lab, sizeof lab, "%.2f", lmax * g / 5);
        text(c, 8, y - 5, lab, black);
        snprintf(lab, sizeof lab, "%d%%", 20 * g);
        text(c, L + pw + 8, y - 5, lab, black);
    }
    for (int g = 0; g <= 6; g++) {
        int x = L + g * pw / 6;
        line(c, x, T, x, T + ph, grey, 1);
        snprintf(lab, sizeof lab, "%.3g", tmax * g / 6);
        text(c, x - 10, T + ph + 10, lab, black);
    }
    line(c, L, T, L, T + ph, black, 2);
    line(c, L, T + ph, L + pw, T + ph, black, 2);
    line(c, L + pw, T, L + pw, T + ph, black, 2);
    text(c, L + pw / 2 - 40, H - 24, "time min", black);
    text(c, L, 12, "loss", black);
    text(c, L + pw - 150, 12, "val accuracy", black);
    for (int k = 0; k < n; k++) {
        const plot_log *lg = &logs[k];
        const uint8_t *col = plot_colour(k);
        for (int i = 1; i < lg->loss.n; i++)
            line(c, L + (int)(lg->loss.t[i - 1] / tmax * pw),
                 T + ph - (int)(lg->loss.v[i - 1] / lmax * ph), L + (int)(lg->loss.t[i] / tmax * pw),
                 T + ph - (int)(lg->loss.v[i] / lmax * ph), col, 2);
        for (int i = 0; i < lg->acc.n; i++) {
            int x = L + (int)(lg->acc.t[i] / tmax * pw), y = T + ph - (int)(lg->acc.v[i] * ph);
            if (i)
                line(c, L + (int)(lg->acc.t[i - 1] / tmax * pw),
                     T + ph - (int)(lg->acc.v[i - 1] * ph), x, y, col, 1);
            line(c, x - 3, y - 3, x + 3, y + 3, col, 2);
            line(c, x - 3, y + 3, x + 3, y - 3, col, 2);
            if (i == lg->best) { /* the best epoch: a box around its mark */
                line(c, x - 7, y - 7, x + 7, y - 7, col, 2);
                line(c, x - 7, y + 7, x + 7, y + 7, col, 2);
                line(c, x - 7, y - 7, x - 7, y + 7, col, 2);
                line(c, x + 7, y - 7, x + 7, y + 7, col, 2);
            }
        }
        /* Legend: the log's number (its place on the command line). */
        snprintf(lab, sizeof lab, "%d", k + 1);
        line(c, L + 200 + 40 * k, 16, L + 216 + 40 * k, 16, col, 3);
        text(c, L + 220 + 40 * k, 12, lab, col);
    }
}

siam_status plot_write_png(const char *path, const plot_log *logs, int n, siam_error *err)
{
    canvas *c = malloc(sizeof *c);
    if (!c)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    draw(c, logs, n);
    siam_status st = write_png(path, c, err);
    free(c);
    return st;
}
