/* siamese plot: a training log (JSON lines) drawn as a PNG: the loss
 * (blue, left axis, mean per 20 steps) and the validation one-shot accuracy
 * (red, right axis, 0-100%) against training time in minutes. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "term_text.h"

#include "atomic_file.h"
#include "input_file.h"

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static siam_status write_png(const char *path, canvas *c, siam_error *err)
{
    siam_atomic_file out;
    siam_status st = siam_atomic_begin(&out, path, err);
    if (st != SIAM_OK)
        return st;
    FILE *f = siam_atomic_stream(&out, err);
    if (!f) {
        siam_atomic_abort(&out);
        return SIAM_ERR_IO;
    }
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

typedef struct series {
    double *t, *v;
    int n, cap;
} series;

static void push(series *s, double t, double v)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        double *nt = realloc(s->t, (size_t)cap * sizeof *nt);
        if (nt)
            s->t = nt;
        double *nv = nt ? realloc(s->v, (size_t)cap * sizeof *nv) : NULL;
        if (nv)
            s->v = nv;
        if (!nt || !nv)
            return; /* out of memory: the curve loses a point, not the program */
        s->cap = cap;
    }
    s->t[s->n] = t;
    s->v[s->n++] = v;
}

/* The number after "key": in a JSON line, or 0 if absent. */
static int field(const char *line, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p)
        return 0;
    char *end;
    *v = strtod(p + strlen(pat), &end);
    return end != p + strlen(pat);
}

int siam_cmd_plot(int argc, char **argv)
{
    const char *log = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: siamese plot LOGFILE --out curve.png\n\n"
                   "Draws a training log (siamese train --log) as a PNG: loss in blue (left\n"
                   "axis, mean of every 20 steps), validation one-shot accuracy in red\n"
                   "(right axis, 0-100%%), against training time in minutes.\n");
            return 0;
        }
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && !log)
            log = argv[i];
        else {
            siam_print_errorf("plot", "unexpected argument '%s' (see siamese plot --help)", argv[i]);
            return 2;
        }
    }
    if (!log || !out) {
        siam_print_errorf("plot", "need LOGFILE and --out FILE.png");
        return 2;
    }
    siam_error err = {0};
    if (siam_same_file(log, out)) {
        siam_print_errorf("plot", "--out %s is the log itself: refusing to overwrite it", out);
        return 1;
    }
    FILE *f = NULL;
    if (siam_output_check(out, &err) != SIAM_OK ||
        siam_fopen_input(log, "log", &f, &err) != SIAM_OK) {
        siam_print_error("plot", err.msg);
        return 1;
    }
    series loss = {0}, acc = {0};
    char buf[1024];
    double sum = 0, t, v;
    int k = 0, skipped = 0;
    while (fgets(buf, sizeof buf, f)) {
        if (strstr(buf, "\"type\":\"step\"") && field(buf, "loss", &v) && field(buf, "time", &t)) {
            /* A record the axes cannot hold (NaN, infinite, negative) is
             * skipped, not drawn. */
            if (!(v >= 0 && v < 1e6 && t >= 0 && t < 1e9)) {
                skipped++;
                continue;
            }
            sum += v;
            if (++k == 20) {
                push(&loss, t / 60, sum / 20);
                sum = 0, k = 0;
            }
        } else if (strstr(buf, "\"type\":\"epoch\"") && field(buf, "val_accuracy", &v) &&
                   field(buf, "time", &t)) {
            if (!(v >= 0 && v <= 1 && t >= 0 && t < 1e9)) {
                skipped++;
                continue;
            }
            push(&acc, t / 60, v);
        }
    }
    fclose(f);
    if (skipped)
        siam_print_errorf("plot",
                          "warning: skipped %d records of %s whose values are not finite or out "
                          "of range",
                          skipped, log);
    if (loss.n + acc.n < 2) {
        siam_print_errorf("plot", "%s holds too few training records to plot", log);
        free(loss.t), free(loss.v), free(acc.t), free(acc.v);
        return 1;
    }
    double tmax = 1e-9, lmax = 1e-9;
    for (int i = 0; i < loss.n; i++)
        tmax = loss.t[i] > tmax ? loss.t[i] : tmax, lmax = loss.v[i] > lmax ? loss.v[i] : lmax;
    for (int i = 0; i < acc.n; i++)
        tmax = acc.t[i] > tmax ? acc.t[i] : tmax;
    canvas *c = malloc(sizeof *c);
    if (!c)
        return 1;
    memset(c, 255, sizeof *c);
    const uint8_t black[3] = {0, 0, 0}, grey[3] = {215, 215, 215}, blue[3] = {30, 90, 200},
                  red[3] = {210, 40, 40};
    int pw = W - L - R, ph = H - T - B;
    char lab[32];
    for (int g = 0; g <= 5; g++) { /* grid, left and right labels */
        int y = T + ph - g * ph / 5;
        line(c, L, y, L + pw, y, grey, 1);
        snprintf(lab, sizeof lab, "%.2f", lmax * g / 5);
        text(c, 8, y - 5, lab, blue);
        snprintf(lab, sizeof lab, "%d%%", 20 * g);
        text(c, L + pw + 8, y - 5, lab, red);
    }
    for (int g = 0; g <= 6; g++) {
        int x = L + g * pw / 6;
        line(c, x, T, x, T + ph, grey, 1);
        snprintf(lab, sizeof lab, "%.1f", tmax * g / 6);
        text(c, x - 10, T + ph + 10, lab, black);
    }
    line(c, L, T, L, T + ph, black, 2);
    line(c, L, T + ph, L + pw, T + ph, black, 2);
    line(c, L + pw, T, L + pw, T + ph, black, 2);
    text(c, L + pw / 2 - 40, H - 24, "time min", black);
    text(c, L, 12, "loss", blue);
    text(c, L + pw - 150, 12, "val accuracy", red);
    for (int i = 1; i < loss.n; i++)
        line(c, L + (int)(loss.t[i - 1] / tmax * pw), T + ph - (int)(loss.v[i - 1] / lmax * ph),
             L + (int)(loss.t[i] / tmax * pw), T + ph - (int)(loss.v[i] / lmax * ph), blue, 2);
    for (int i = 0; i < acc.n; i++) {
        int x = L + (int)(acc.t[i] / tmax * pw), y = T + ph - (int)(acc.v[i] * ph);
        if (i)
            line(c, L + (int)(acc.t[i - 1] / tmax * pw), T + ph - (int)(acc.v[i - 1] * ph), x, y,
                 red, 2);
        line(c, x - 3, y - 3, x + 3, y + 3, red, 2);
        line(c, x - 3, y + 3, x + 3, y - 3, red, 2);
    }
    siam_status st = write_png(out, c, &err);
    free(c);
    free(loss.t), free(loss.v), free(acc.t), free(acc.v);
    if (st != SIAM_OK) {
        siam_print_error("plot", err.msg);
        return 1;
    }
    printf("wrote %s (%d loss points, %d validation points)\n", out, loss.n, acc.n);
    return 0;
}
