/* Model and image loading for the commands (see model_load.h). */
#include "model_load.h"

#include "checkpoint.h"
#include "data/image.h"
#include "term_text.h"

#include <stdio.h>
#include <stdlib.h>

#include <string.h>

siam_status cli_model_open(const char *path, const char *spec, int threads, siam_backend **be,
                           siam_model **m, siam_metric *metric, siam_error *err)
{
    return cli_model_open_info(path, spec, threads, be, m, metric, NULL, err);
}

siam_status cli_model_open_info(const char *path, const char *spec, int threads,
                                siam_backend **be, siam_model **m, siam_metric *metric,
                                cli_model_info *info, siam_error *err)
{
    *be = NULL;
    *m = NULL;
    siam_st_file f;
    siam_net_desc desc;
    siam_status st = siam_checkpoint_open(path, &f, &desc, err);
    if (st != SIAM_OK)
        return st;
    const char *loss = siam_st_meta(&f, "loss");
    *metric = loss && strcmp(loss, "contrastive") == 0 ? SIAM_METRIC_L2 : SIAM_METRIC_WL1;
    if (info) { /* from the same open file as the weights: a model replaced
                   meanwhile cannot mix its threshold with another's weights */
        const char *t = siam_st_meta(&f, "verify_threshold");
        const char *a = siam_st_meta(&f, "verify_accuracy");
        info->have_threshold = t && a;
        info->threshold = t ? strtod(t, NULL) : 0;
        info->threshold_accuracy = a ? strtod(a, NULL) : 0;
    }
    st = siam_backend_open(spec, threads, be, err);
    if (st == SIAM_OK)
        st = siam_model_create(*be, &desc, m, err);
    if (st == SIAM_OK)
        st = siam_checkpoint_load_params(&f, *m, err);
    siam_st_close(&f);
    if (st != SIAM_OK) {
        cli_model_close(*be, *m);
        *be = NULL;
        *m = NULL;
    }
    return st;
}

void cli_model_close(siam_backend *be, siam_model *m)
{
    siam_model_destroy(m);
    siam_backend_close(be);
}

siam_status cli_image_load(const char *path, const siam_model *m, float *out, siam_error *err)
{
    int size[2];
    siam_status st = siam_input_from_image(path, m->desc.in_h, m->desc.in_w, out, size, err);
    if (st == SIAM_OK && siam_input_aspect_far(size[0], size[1], m->desc.in_h, m->desc.in_w)) {
        siam_print_errorf("", "warning: %s is %dx%d, far from the model's %dx%d shape: it is "
                          "squashed to fit, and scores may mislead",
                          path, size[1], size[0], m->desc.in_w, m->desc.in_h);
    }
    return st;
}
