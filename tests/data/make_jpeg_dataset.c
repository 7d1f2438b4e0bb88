/* make_jpeg_dataset OUT CLASSES IMAGES [GROUPS]: a small dataset of colour
 * JPEGs for the class-folder training test (tests/train/test_dataset.sh).
 *
 * Class k is three seeded strokes of dark ink on a light, tinted paper;
 * each of its images moves the strokes by up to 2 pixels and adds noise,
 * at 48x40 (not square, not the model's size). With GROUPS > 0 the
 * classes are spread over OUT/group<g>/class<k>/, else OUT/class<k>/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_test_util.h"

enum { W = 48, H = 40 };

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void stroke(uint8_t *rgb, int x0, int y0, int x1, int y1)
{
    for (int t = 0; t <= 64; t++) {
        int x = x0 + (x1 - x0) * t / 64, y = y0 + (y1 - y0) * t / 64;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int xx = x + dx, yy = y + dy;
                if (xx >= 0 && xx < W && yy >= 0 && yy < H) {
                    uint8_t *p = rgb + 3 * (yy * W + xx);
                    p[0] = 25, p[1] = 30, p[2] = 70;
                }
            }
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: make_jpeg_dataset OUT CLASSES IMAGES [GROUPS]\n");
        return 2;
    }
    const char *out = argv[1];
    int classes = atoi(argv[2]), images = atoi(argv[3]), groups = argc > 4 ? atoi(argv[4]) : 0;
    char dir[4096], path[4200];
    static uint8_t rgb[W * H * 3];
    for (int k = 0; k < classes; k++) {
        if (groups > 0)
            snprintf(dir, sizeof dir, "%s/group%d/class%02d", out, k % groups, k);
        else
            snprintf(dir, sizeof dir, "%s/class%02d", out, k);
        if (tu_mkdirs(dir) != 0)
            return 1;
        unsigned cs = 7919u * (unsigned)(k + 1);
        int seg[3][4];
        for (int s = 0; s < 3; s++)
            for (int c = 0; c < 4; c++)
                seg[s][c] = 6 + (int)(next(&cs) % (unsigned)((c % 2 ? H : W) - 12));
        for (int j = 0; j < images; j++) {
            unsigned is = cs + 31u * (unsigned)j;
            for (int i = 0; i < W * H; i++) {
                int n = (int)(next(&is) % 9) - 4;
                rgb[3 * i] = (uint8_t)(235 + n), rgb[3 * i + 1] = (uint8_t)(225 + n),
                rgb[3 * i + 2] = (uint8_t)(200 + n);
            }
            int dx = (int)(next(&is) % 5) - 2, dy = (int)(next(&is) % 5) - 2;
            for (int s = 0; s < 3; s++)
                stroke(rgb, seg[s][0] + dx, seg[s][1] + dy, seg[s][2] + dx, seg[s][3] + dy);
            snprintf(path, sizeof path, "%s/img%02d.jpg", dir, j);
            if (tu_write_jpeg(path, W, H, 3, rgb, 90) != 0)
                return 1;
        }
    }
    return 0;
}
