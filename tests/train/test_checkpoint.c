/* Model files: round trip, atomic writes, and refusal of bad files. */
#define _GNU_SOURCE
#include "harness.h"

#include "engine/checkpoint.h"
#include "engine/graph.h"
#include "data/data_test_util.h"

#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

typedef struct fx {
    harness h;
    siam_model *m;
    char dir[512], path[600];
} fx;

static void make_model(fx *f, const char *preset, uint64_t seed, siam_model **out)
{
    siam_net_desc d;
    assert_int_equal(siam_net_preset(preset, &d, &f->h.err), SIAM_OK);
    assert_int_equal(siam_model_create(f->h.be, &d, out, &f->h.err), SIAM_OK);
    assert_int_equal(siam_model_init(*out, seed, SIAM_INIT_UNIFORM, &f->h.err), SIAM_OK);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    h_open(&f->h, NULL);
    assert_int_equal(tu_mkdtemp(f->dir, sizeof f->dir), 0);
    snprintf(f->path, sizeof f->path, "%s/model.safetensors", f->dir);
    make_model(f, "tiny", 7, &f->m);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    siam_model_destroy(f->m);
    h_close(&f->h);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void load_into_new(fx *f, const char *path, float *out)
{
    siam_st_file st;
    siam_net_desc d;
    assert_int_equal(siam_checkpoint_open(path, &st, &d, &f->h.err), SIAM_OK);
    siam_model *m2;
    assert_int_equal(siam_model_create(f->h.be, &d, &m2, &f->h.err), SIAM_OK);
    assert_int_equal(siam_checkpoint_load_params(&st, m2, &f->h.err), SIAM_OK);
    assert_int_equal(siam_model_get(m2, out, &f->h.err), SIAM_OK);
    siam_st_close(&st);
    siam_model_destroy(m2);
}

static void round_trip_gives_identical_outputs(void **state)
{
    fx *f = *state;
    const char *extra[2] = {"note", "a \"quoted\" value\nwith a newline"};
    assert_int_equal(siam_checkpoint_save(f->path, f->m, NULL, extra, 1, &f->h.err), SIAM_OK);
    int64_t n = f->m->n_params;
    float *a = malloc((size_t)n * 4), *b = malloc((size_t)n * 4);
    assert_int_equal(siam_model_get(f->m, a, &f->h.err), SIAM_OK);
    load_into_new(f, f->path, b);
    assert_memory_equal(a, b, (size_t)n * 4);
    siam_st_file st;
    siam_net_desc d;
    assert_int_equal(siam_checkpoint_open(f->path, &st, &d, &f->h.err), SIAM_OK);
    assert_string_equal(siam_st_meta(&st, "note"), extra[1]);
    assert_string_equal(d.name, "tiny");
    assert_int_equal(siam_net_param_count(&d), siam_net_param_count(&f->m->desc));
    siam_st_close(&st);
    /* Same weights, same embeddings. */
    siam_graph_config gc = {.max_images = 2};
    siam_graph *g1;
    float img[2 * 28 * 28], e1[128], e2[128];
    h_uniform(img, 2 * 28 * 28, 3, 0, 1);
    assert_int_equal(siam_graph_create(f->m, &gc, &g1, &f->h.err), SIAM_OK);
    assert_int_equal(siam_graph_embed(g1, img, 2, e1, &f->h.err), SIAM_OK);
    assert_int_equal(siam_model_set(f->m, b, &f->h.err), SIAM_OK);
    assert_int_equal(siam_graph_embed(g1, img, 2, e2, &f->h.err), SIAM_OK);
    assert_memory_equal(e1, e2, sizeof e1);
    siam_graph_destroy(g1);
    free(a);
    free(b);
}

static void optimizer_state_round_trips(void **state)
{
    fx *f = *state;
    siam_optim_config oc;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_ADAM, 1e-3f, 0, 0);
    siam_optim *o, *o2;
    assert_int_equal(siam_optim_create(f->m, &oc, &o, &f->h.err), SIAM_OK);
    int64_t n = f->m->n_params;
    float *s1 = malloc((size_t)n * 4), *s2 = malloc((size_t)n * 4), *r1 = malloc((size_t)n * 4),
          *r2 = malloc((size_t)n * 4);
    h_uniform(s1, n, 8, -1, 1);
    h_uniform(s2, n, 9, 0, 1);
    assert_int_equal(siam_optim_set_state(o, s1, s2, 17, &f->h.err), SIAM_OK);
    assert_int_equal(siam_checkpoint_save(f->path, f->m, o, NULL, 0, &f->h.err), SIAM_OK);
    assert_int_equal(siam_optim_create(f->m, &oc, &o2, &f->h.err), SIAM_OK);
    siam_st_file st;
    siam_net_desc d;
    assert_int_equal(siam_checkpoint_open(f->path, &st, &d, &f->h.err), SIAM_OK);
    assert_int_equal(siam_checkpoint_load_optim(&st, o2, &f->h.err), SIAM_OK);
    assert_int_equal(siam_optim_get_state(o2, r1, r2, &f->h.err), SIAM_OK);
    assert_memory_equal(s1, r1, (size_t)n * 4);
    assert_memory_equal(s2, r2, (size_t)n * 4);
    assert_int_equal(o2->step, 17);
    /* An SGD optimiser cannot take Adam state. */
    siam_optim *o3;
    siam_optim_config_uniform(&oc, SIAM_OPTIM_SGD, 0.1f, 0.9f, 0);
    assert_int_equal(siam_optim_create(f->m, &oc, &o3, &f->h.err), SIAM_OK);
    assert_int_equal(siam_checkpoint_load_optim(&st, o3, &f->h.err), SIAM_ERR_FORMAT);
    siam_st_close(&st);
    siam_optim_destroy(o);
    siam_optim_destroy(o2);
    siam_optim_destroy(o3);
    free(s1), free(s2), free(r1), free(r2);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void failed_write_keeps_the_old_file(void **state)
{
    fx *f = *state;
    assert_int_equal(siam_checkpoint_save(f->path, f->m, NULL, NULL, 0, &f->h.err), SIAM_OK);
    int64_t n = f->m->n_params;
    float *before = malloc((size_t)n * 4), *after = malloc((size_t)n * 4);
    assert_int_equal(siam_model_get(f->m, before, &f->h.err), SIAM_OK);
    siam_model *other;
    make_model(f, "tiny", 99, &other);
    /* A full disk, simulated: the file-size limit makes write() fail. */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    siam_status st = siam_checkpoint_save(f->path, other, NULL, NULL, 0, &f->h.err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(st, SIAM_ERR_IO);
    load_into_new(f, f->path, after);
    assert_memory_equal(before, after, (size_t)n * 4);
    assert_int_equal(count_files(f->dir), 1); /* no temporary left behind */
    /* A folder that does not exist: an error, not a crash. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/missing/m.safetensors", f->dir);
    assert_int_equal(siam_checkpoint_save(bad, f->m, NULL, NULL, 0, &f->h.err), SIAM_ERR_IO);
    siam_model_destroy(other);
    free(before);
    free(after);
}

static void write_bytes(const char *path, const uint8_t *b, size_t n)
{
    assert_int_equal(tu_write_file(path, b, n), 0);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A writer killed mid-write (SIGKILL) leaves "<path>.tmp.<pid>.XXXXXX"
 * (or, from older versions, "<path>.tmp.<pid>"): the next write of the path
 * removes it when that process is gone, and keeps the temporary files of
 * live writers and of other paths. */
static void killed_writers_temp_files_are_removed(void **state)
{
    fx *f = *state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child); /* reaped: its pid is free */
    char dead[700], dead_old[700], live[700], other[700];
    snprintf(dead, sizeof dead, "%s.tmp.%ld.a1B2c3", f->path, (long)child);
    snprintf(dead_old, sizeof dead_old, "%s.tmp.%ld", f->path, (long)child);
    snprintf(live, sizeof live, "%s.tmp.%ld", f->path, (long)getppid());
    snprintf(other, sizeof other, "%s/other.safetensors.tmp.%ld", f->dir, (long)child);
    write_bytes(dead, (const uint8_t *)"half", 4);
    write_bytes(dead_old, (const uint8_t *)"half", 4);
    write_bytes(live, (const uint8_t *)"busy", 4);
    write_bytes(other, (const uint8_t *)"half", 4);
    assert_int_equal(siam_checkpoint_save(f->path, f->m, NULL, NULL, 0, &f->h.err), SIAM_OK);
    assert_false(file_exists(dead));
    assert_false(file_exists(dead_old));
    assert_true(file_exists(live));
    assert_true(file_exists(other));
    assert_true(file_exists(f->path));
    assert_int_equal(count_files(f->dir), 3);
}

static void bad_files_are_refused(void **state)
{
    fx *f = *state;
    assert_int_equal(siam_checkpoint_save(f->path, f->m, NULL, NULL, 0, &f->h.err), SIAM_OK);
    uint8_t *good;
    size_t n;
    assert_int_equal(tu_read_file(f->path, &good, &n), 0);
    char p[700];
    snprintf(p, sizeof p, "%s/bad.safetensors", f->dir);
    siam_st_file st;
    siam_net_desc d;
    /* Truncated: the data section is cut short. */
    write_bytes(p, good, n - 100);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(f->h.err.msg, "bad.safetensors"));
    /* Empty, and shorter than the length field. */
    write_bytes(p, good, 0);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    write_bytes(p, good, 5);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    /* A header length larger than the file. */
    uint8_t *c = malloc(n);
    memcpy(c, good, n);
    c[5] = 0x7f;
    write_bytes(p, c, n);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(f->h.err.msg, "header length"));
    /* A wrong dtype. */
    memcpy(c, good, n);
    char *hit = memmem(c, n, "\"F32\"", 5);
    assert_non_null(hit);
    memcpy(hit, "\"F16\"", 5);
    write_bytes(p, c, n);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(f->h.err.msg, "F16"));
    /* Broken JSON. */
    memcpy(c, good, n);
    c[8] = '[';
    write_bytes(p, c, n);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    /* NaN weights. */
    memcpy(c, good, n);
    memset(c + n - 8, 0xff, 4);
    write_bytes(p, c, n);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_OK);
    siam_model *m2;
    assert_int_equal(siam_model_create(f->h.be, &d, &m2, &f->h.err), SIAM_OK);
    assert_int_equal(siam_checkpoint_load_params(&st, m2, &f->h.err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(f->h.err.msg, "NaN"));
    siam_st_close(&st);
    /* A model of another preset cannot fill this one. */
    siam_model *k35;
    make_model(f, "koch35", 1, &k35);
    assert_int_equal(siam_checkpoint_open(f->path, &st, &d, &f->h.err), SIAM_OK);
    assert_int_equal(siam_checkpoint_load_params(&st, k35, &f->h.err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(f->h.err.msg, "shape"));
    siam_st_close(&st);
    /* Missing file. */
    snprintf(p, sizeof p, "%s/none.safetensors", f->dir);
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_IO);
    siam_model_destroy(m2);
    siam_model_destroy(k35);
    free(c);
    free(good);
}

/* Opens p expecting a format error whose message holds `want`. */
static void refused(fx *f, const char *p, const char *want)
{
    siam_st_file st;
    siam_net_desc d;
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_ERR_FORMAT);
    if (!strstr(f->h.err.msg, want))
        fail_msg("expected '%s' in: %s", want, f->h.err.msg);
}

/* Writes the tiny model's parameters (and `extra` tensor when given) under
 * the metadata meta (n_meta pairs). */
static void write_with_meta(fx *f, const char *p, const char *const *meta, int n_meta, int extra)
{
    float *host = malloc((size_t)f->m->n_params * 4);
    assert_int_equal(siam_model_get(f->m, host, &f->h.err), SIAM_OK);
    siam_st_entry e[SIAM_MAX_PARAMS + 1];
    int n = 0;
    for (int i = 0; i < f->m->n_entries; i++) {
        const siam_param *q = &f->m->entries[i];
        e[n++] = (siam_st_entry){q->name, q->ndim, q->shape, host + q->offset};
    }
    if (extra)
        e[n++] = (siam_st_entry){"extra.weight", 1, f->m->entries[1].shape, host};
    assert_int_equal(siam_st_write(p, e, n, meta, n_meta, &f->h.err), SIAM_OK);
    free(host);
}

/* Known metadata keys take only the values this program writes; duplicate
 * keys are refused; the tensor table must match the layer list before the
 * open succeeds (so no caller reserves memory from a layer list the file
 * does not back). */
static void metadata_and_tensor_table_are_strict(void **state)
{
    fx *f = *state;
    char p[700];
    snprintf(p, sizeof p, "%s/strict.safetensors", f->dir);
    const char *hinge[2] = {"loss", "hinge"};
    assert_int_equal(siam_checkpoint_save(p, f->m, NULL, hinge, 1, &f->h.err), SIAM_OK);
    refused(f, p, "metadata loss is 'hinge', expected one of: bce contrastive");
    const char *frac[2] = {"seed", "1.5"};
    assert_int_equal(siam_checkpoint_save(p, f->m, NULL, frac, 1, &f->h.err), SIAM_OK);
    refused(f, p, "metadata seed is '1.5', expected a whole number");
    const char *inf[2] = {"margin", "inf"};
    assert_int_equal(siam_checkpoint_save(p, f->m, NULL, inf, 1, &f->h.err), SIAM_OK);
    refused(f, p, "metadata margin is 'inf', expected a finite number");

    char layers[1024], input[64];
    assert_int_equal(siam_net_format(&f->m->desc, layers, sizeof layers, &f->h.err), SIAM_OK);
    snprintf(input, sizeof input, "%dx%dx%d", f->m->desc.in_c, f->m->desc.in_h, f->m->desc.in_w);
    const char *meta[] = {"format", SIAM_MODEL_FORMAT, "format_version", SIAM_MODEL_FORMAT_VERSION,
                          "layers", layers, "input", input, "head_bias", "2", "note", "x"};
    write_with_meta(f, p, meta, 6, 0);
    refused(f, p, "metadata head_bias is '2', expected one of: 0 1");
    meta[9] = f->m->desc.head_bias ? "1" : "0";
    write_with_meta(f, p, meta, 5, 0);
    siam_st_file st;
    siam_net_desc d;
    assert_int_equal(siam_checkpoint_open(p, &st, &d, &f->h.err), SIAM_OK);
    siam_st_close(&st);
    /* Duplicate keys: Python's readers keep the last, a lookup the first. */
    meta[10] = "head_bias";
    write_with_meta(f, p, meta, 6, 0);
    refused(f, p, "duplicate key \"head_bias\"");
    /* A tensor the layer list does not name. */
    write_with_meta(f, p, meta, 5, 1);
    refused(f, p, "tensor 'extra.weight' is not a parameter of this network");
    /* The tiny model's tensors under koch105's layer list: refused by open,
     * before a caller reserves koch105's parameters. */
    siam_net_desc k105;
    assert_int_equal(siam_net_preset("koch105", &k105, &f->h.err), SIAM_OK);
    assert_int_equal(siam_net_format(&k105, layers, sizeof layers, &f->h.err), SIAM_OK);
    snprintf(input, sizeof input, "%dx%dx%d", k105.in_c, k105.in_h, k105.in_w);
    write_with_meta(f, p, meta, 5, 0);
    refused(f, p, "tensor 'conv1.weight' has the wrong shape for this network");
}

static void json_reader_is_strict(void **state)
{
    (void)state;
    siam_json j;
    siam_error err;
    const char *ok = "{\"a\": [1, 2.5e3, true, null], \"b\": {\"c\": \"x\\ny\\u0041\"}}";
    assert_int_equal(siam_json_parse(ok, strlen(ok), &j, &err), SIAM_OK);
    int b = siam_json_get(&j, 0, "b");
    assert_string_equal(siam_json_str(&j, siam_json_get(&j, b, "c")), "x\nyA");
    assert_int_equal(j.nodes[siam_json_get(&j, 0, "a")].n_children, 4);
    siam_json_free(&j);
    const char *bad[] = {"", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "\"\\x\"", "[1] 2",
                         "{\"a\":\"\\u0000\"}", "nul", "[\"tab\there\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(siam_json_parse(bad[i], strlen(bad[i]), &j, &err), SIAM_ERR_FORMAT);
    /* Duplicate keys, at any depth; equal keys in different objects pass. */
    const char *dup[] = {"{\"a\":1,\"b\":2,\"a\":3}", "{\"x\":{\"k\":1,\"k\":[2]}}",
                         "[{\"k\":1},{\"z\":0,\"k\":1,\"k\":1}]"};
    for (size_t i = 0; i < sizeof dup / sizeof dup[0]; i++) {
        assert_int_equal(siam_json_parse(dup[i], strlen(dup[i]), &j, &err), SIAM_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "duplicate key"));
    }
    const char *apart = "{\"a\":{\"k\":1},\"b\":{\"k\":2},\"k\":[{\"k\":3}]}";
    assert_int_equal(siam_json_parse(apart, strlen(apart), &j, &err), SIAM_OK);
    siam_json_free(&j);
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_int_equal(siam_json_parse(deep, sizeof deep, &j, &err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "deep"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_gives_identical_outputs, setup, teardown),
        cmocka_unit_test_setup_teardown(optimizer_state_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_keeps_the_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_files_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(killed_writers_temp_files_are_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(metadata_and_tensor_table_are_strict, setup, teardown),
        cmocka_unit_test(json_reader_is_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
