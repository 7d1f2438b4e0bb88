/* Model files: round trip, atomic writes, and refusal of bad files. */
#define _GNU_SOURCE
#include "harness.h"

#include "checkpoint.h"
#include "graph.h"
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
        cmocka_unit_test(json_reader_is_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
