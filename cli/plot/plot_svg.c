/* siamese plot: SVG output. */
#include "plot_write.h"

#include <stdio.h>
#include <string.h>

#include "base/atomic_file.h"
#include "markup.h"

enum { W = 900, H = 500, L = 80, R = 80, T = 40, B = 110 };

static void colour(FILE *f, int k)
{
    const unsigned char *c = plot_colour(k);
    fprintf(f, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static void draw(FILE *f, const plot_log *logs, int n)
{
    double tmax, lmax;
    plot_extent(logs, n, &tmax, &lmax);
    const int pw = W - L - R, ph = H - T - B;
    const int rows = (n + 1) / 2, height = H + 16 * (rows > 3 ? rows - 3 : 0);
#define X(t) (L + (t) / tmax * pw)
#define YL(v) (T + ph - (v) / lmax * ph)
#define YA(v) (T + ph - (v) * ph)
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, "
               "Helvetica, sans-serif\" font-size=\"13\">\n"
               "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
            W, height, W, height, W, height);
    fputs("<g stroke=\"#d7d7d7\" stroke-width=\"1\">\n", f);
    for (int g = 0; g <= 5; g++)
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", L, T + ph - g * ph / 5,
                L + pw, T + ph - g * ph / 5);
    for (int g = 0; g <= 6; g++)
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", L + g * pw / 6, T,
                L + g * pw / 6, T + ph);
    fputs("</g>\n", f);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"black\" stroke-width=\"1.5\"/>\n", L, T, pw, ph);
    for (int g = 0; g <= 5; g++) {
        int y = T + ph - g * ph / 5;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>\n", L - 6, y + 4,
                lmax * g / 5);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%d%%</text>\n", L + pw + 6, y + 4, 20 * g);
    }
    for (int g = 0; g <= 6; g++)
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n",
                L + g * pw / 6, T + ph + 18, tmax * g / 6);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">training time "
               "(minutes)</text>\n", L + pw / 2, T + ph + 40);
    fprintf(f, "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\" "
               "font-size=\"14\">loss (mean of 20 steps), solid</text>\n", 22, T + ph / 2);
    fprintf(f, "<text transform=\"translate(%d,%d) rotate(90)\" text-anchor=\"middle\" "
               "font-size=\"14\">validation one-shot accuracy, dashed</text>\n", W - 22,
            T + ph / 2);
    for (int k = 0; k < n; k++) {
        const plot_log *lg = &logs[k];
        if (lg->loss.n > 0) {
            fputs("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"", f);
            colour(f, k);
            fputs("\" points=\"", f);
            for (int i = 0; i < lg->loss.n; i++)
                fprintf(f, "%s%.1f,%.1f", i ? " " : "", X(lg->loss.t[i]), YL(lg->loss.v[i]));
            fputs("\"/>\n", f);
        }
        if (lg->acc.n > 0) {
            fputs("<polyline fill=\"none\" stroke-width=\"2\" stroke-dasharray=\"6,4\" stroke=\"", f);
            colour(f, k);
            fputs("\" points=\"", f);
            for (int i = 0; i < lg->acc.n; i++)
                fprintf(f, "%s%.1f,%.1f", i ? " " : "", X(lg->acc.t[i]), YA(lg->acc.v[i]));
            fputs("\"/>\n", f);
            for (int i = 0; i < lg->acc.n; i++) {
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"", X(lg->acc.t[i]),
                        YA(lg->acc.v[i]));
                colour(f, k);
                fputs("\"/>\n", f);
            }
        }
        if (lg->best >= 0) {
            double x = X(lg->acc.t[lg->best]), y = YA(lg->acc.v[lg->best]);
            fprintf(f, "<circle class=\"best\" cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" "
                       "stroke-width=\"2\" stroke=\"", x, y);
            colour(f, k);
            fprintf(f, "\"/>\n<text class=\"best\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"",
                    x + (x > L + pw * 0.7 ? -10 : 10), y - 10 - 14 * k,
                    x > L + pw * 0.7 ? "end" : "start");
            colour(f, k);
            fprintf(f, "\">best %.1f%% (epoch %d)</text>\n", 100 * lg->acc.v[lg->best],
                    lg->best_epoch);
        }
        int ly = T + ph + 62 + 16 * (k / 2), lx = L + (k % 2) * (pw / 2);
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke-width=\"3\" stroke=\"",
                lx, ly - 4, lx + 24, ly - 4);
        colour(f, k);
        fprintf(f, "\"/>\n<text class=\"legend\" x=\"%d\" y=\"%d\">", lx + 30, ly);
        cli_markup_text(f, lg->name);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
#undef X
#undef YL
#undef YA
}

siam_status plot_write_svg(const char *path, const plot_log *logs, int n, siam_error *err)
{
    siam_atomic_file out;
    FILE *f = siam_atomic_begin_stream(&out, path, err);
    if (!f)
        return err ? err->status : SIAM_ERR_IO;
    draw(f, logs, n);
    return siam_atomic_commit(&out, err);
}
