/* A model file's description, for the CLI, which loads no engine itself. */
#include "eval/model_info.h"

#include "engine/checkpoint.h"

siam_status siam_model_info_open(const char *path, siam_model_info *info, siam_error *err)
{
    siam_status st = siam_checkpoint_open(path, &info->file, &info->net, err);
    if (st != SIAM_OK)
        return st;
    siam_net_shapes sh;
    siam_error ignored;
    info->embed_dim = siam_net_shapes_of(&info->net, &sh, &ignored) == SIAM_OK ? sh.embed_dim : 0;
    info->params = siam_net_param_count(&info->net);
    return SIAM_OK;
}

void siam_model_info_print_layers(const siam_model_info *info, FILE *f)
{
    siam_net_print(&info->net, f);
}

void siam_model_info_close(siam_model_info *info) { siam_st_close(&info->file); }
