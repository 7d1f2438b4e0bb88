/* Parser of the per-layer hyperparameter file (see hparams.h). */
#define _POSIX_C_SOURCE 200809L
#include "train/hparams.h"

#include "base/input_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HP_MAX_FILE (1 << 20)

static int find_group(const siam_model *m, const char *name)
{
    for (int i = 0; i < m->n_groups; i++)
        if (strcmp(m->groups[i].name, name) == 0)
            return i;
    return -1;
}

static siam_status parse_line(char *line, const char *name, int lineno, const siam_model *m,
                              siam_optim_config *cfg, siam_error *err)
{
    char *save = NULL, *tok = strtok_r(line, " \t\r", &save);
    if (!tok || tok[0] == '#')
        return SIAM_OK;
    int all = strcmp(tok, "default") == 0, g = all ? -1 : find_group(m, tok);
    if (!all && g < 0) {
        char known[256] = "";
        for (int i = 0; i < m->n_groups; i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, m->groups[i].name, sizeof known - strlen(known) - 1);
        }
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s:%d: unknown layer '%s' (this network has: default, %s)", name,
                              lineno, tok, known);
    }
    while ((tok = strtok_r(NULL, " \t\r", &save)) && tok[0] != '#') {
        char *eq = strchr(tok, '=');
        if (!eq)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s:%d: expected key=value, got '%s'",
                                  name, lineno, tok);
        *eq = '\0';
        char *end;
        errno = 0;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || errno || !(v == v))
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s:%d: '%s' is not a number", name,
                                  lineno, eq + 1);
        int key = strcmp(tok, "lr") == 0 ? 0 : strcmp(tok, "momentum") == 0 ? 1 : strcmp(tok, "l2") == 0 ? 2 : -1;
        if (key < 0)
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "%s:%d: unknown key '%s' (known: lr, momentum, l2)", name, lineno,
                                  tok);
        /* Momentum is checked also as the float that is stored: 0.99999999
         * < 1 as a double rounds to 1.0f, a velocity that never decays
         * (tests/fuzz/regressions/hparams). The cast comes after the
         * double range test, as a double beyond float's range would be
         * undefined to convert. */
        if ((key == 1 && !(v >= 0 && v < 1 && (float)v < 1.0f)) ||
            (key != 1 && !(v >= 0 && v <= 10)))
            return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s:%d: %s=%g is out of range%s", name,
                                  lineno, tok, v, key == 1 ? " [0, 1)" : " [0, 10]");
        for (int i = 0; i < m->n_groups; i++) {
            if (!all && i != g)
                continue;
            float *f = key == 0 ? &cfg->group[i].lr : key == 1 ? &cfg->group[i].momentum : &cfg->group[i].l2;
            *f = (float)v;
        }
    }
    return SIAM_OK;
}

siam_status siam_hparams_parse(const char *text, const char *name, const siam_model *m,
                               siam_optim_config *cfg, siam_error *err)
{
    if (!text || !m || !cfg)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_hparams_parse: NULL argument");
    char *copy = strdup(text);
    if (!copy)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    siam_status st = SIAM_OK;
    int lineno = 0;
    char *save = NULL;
    for (char *line = copy; st == SIAM_OK && line; line = save) {
        save = strchr(line, '\n');
        if (save)
            *save++ = '\0';
        lineno++;
        st = parse_line(line, name ? name : "config", lineno, m, cfg, err);
    }
    free(copy);
    return st;
}

siam_status siam_hparams_load(const char *path, const siam_model *m, siam_optim_config *cfg,
                              siam_error *err)
{
    if (!path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_hparams_load: NULL path");
    FILE *f;
    siam_status ost = siam_fopen_input(path, "--config file", &f, err);
    if (ost != SIAM_OK)
        return ost;
    char *buf = malloc(HP_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, HP_MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!buf)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    if (n > HP_MAX_FILE) {
        free(buf);
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: larger than 1 MiB", path);
    }
    if (memchr(buf, '\0', n)) {
        free(buf);
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: not a text file", path);
    }
    buf[n] = '\0';
    siam_status st = siam_hparams_parse(buf, path, m, cfg, err);
    free(buf);
    return st;
}

void siam_hparams_format(const siam_model *m, const siam_optim_config *cfg, char *buf,
                         size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (int i = 0; i < m->n_groups && used < size; i++) {
        int r = snprintf(buf + used, size - used, "%s lr=%.9g momentum=%.9g l2=%.9g\n",
                         m->groups[i].name, cfg->group[i].lr, cfg->group[i].momentum,
                         cfg->group[i].l2);
        if (r < 0)
            break;
        used += (size_t)r;
    }
}
