/* Dataset loading on folders made here: the Omniglot and class-folder
 * layouts, metadata, polarity, resizing to the stored size, every
 * unreadable file reported and no partial load; subsets; the split table. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/datapath.h"
#include "data/dataset.h"
#include "data/split.h"
#include "data/subset.h"
#include "data_test_util.h"

static char tmpdir[4096];

static int setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tmpdir, sizeof tmpdir);
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(tmpdir);
    return 0;
}

/* A 12x10 drawing: a vertical bar at column (1 + cls % 8), a dot whose
 * row encodes the drawer. */
static void drawing(uint8_t *ink, int cls, int drawer)
{
    memset(ink, 0, 12 * 10);
    for (int y = 1; y < 11; y++)
        ink[y * 10 + 1 + cls % 8] = 1;
    ink[(drawer % 12) * 10 + 9] = 1;
}

/* <root>/<Alphabet>/characterNN/<id>_<drawer>.png, 2 alphabets with 3 and
 * 2 characters, 4 drawers each. */
static void make_omniglot(const char *root)
{
    const char *alphabets[] = {"Beta_script", "Alpha_script"};
    const int n_chars[] = {3, 2};
    int id = 1;
    uint8_t ink[120];
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < n_chars[a]; c++, id++) {
            char dir[4300];
            snprintf(dir, sizeof dir, "%s/%s/character%02d", root, alphabets[a], c + 1);
            assert_int_equal(tu_mkdirs(dir), 0);
            for (int d = 4; d >= 1; d--) {
                char path[4400];
                snprintf(path, sizeof path, "%s/%04d_%02d.png", dir, id, d);
                drawing(ink, id, d);
                assert_int_equal(tu_write_ink_png(path, 10, 12, ink), 0);
            }
        }
}

static void test_omniglot_layout(void **state)
{
    (void)state;
    char root[4200];
    snprintf(root, sizeof root, "%s/omni", tmpdir);
    make_omniglot(root);
    siam_dataset *ds = NULL;
    siam_error err;
    siam_load_report rep = {0, NULL, 0};
    assert_int_equal(siam_dataset_load(root, NULL, &rep, &ds, &err), SIAM_OK);
    assert_int_equal(rep.n_bad, 0);
    assert_int_equal(siam_dataset_count(ds), 20);
    assert_int_equal(siam_dataset_n_alphabets(ds), 2);
    assert_int_equal(siam_dataset_n_classes(ds), 5);
    assert_int_equal(siam_dataset_height(ds), 12);
    assert_int_equal(siam_dataset_width(ds), 10);
    assert_int_equal(siam_dataset_arena_bytes(ds), 20 * 12 * 10);
    /* Sorted: Alpha_script first. */
    assert_string_equal(siam_dataset_alphabet_name(ds, 0), "Alpha_script");
    assert_int_equal(siam_dataset_alphabet_n_classes(ds, 0), 2);
    assert_int_equal(siam_dataset_alphabet_n_classes(ds, 1), 3);
    assert_int_equal(siam_dataset_inverted(ds), 1); /* black ink on white */
    for (size_t i = 0; i < 20; i++) {
        const siam_image_info *in = siam_dataset_info(ds, i);
        size_t c = in->cls;
        assert_int_equal(in->alphabet, siam_dataset_class_alphabet(ds, c));
        assert_true(i >= siam_dataset_class_first_image(ds, c));
        assert_true(i < siam_dataset_class_first_image(ds, c) + siam_dataset_class_n_images(ds, c));
        /* Drawers 1..4 in order within each class. */
        assert_int_equal(in->drawer, 1 + (i - siam_dataset_class_first_image(ds, c)));
        /* Pixels: ink = 255 exactly where drawn, background 0. */
        uint8_t ink[120];
        drawing(ink, (int)in->id, (int)in->drawer);
        const uint8_t *px = siam_dataset_pixels(ds, i);
        for (int k = 0; k < 120; k++)
            assert_int_equal(px[k], ink[k] ? 255 : 0);
        char expect[64];
        snprintf(expect, sizeof expect, "%04u_%02u.png", in->id, in->drawer);
        assert_non_null(strstr(siam_dataset_path(ds, i), expect));
    }
    size_t a;
    assert_true(siam_dataset_find_alphabet(ds, "Beta_script", &a));
    assert_int_equal(a, 1);
    assert_false(siam_dataset_find_alphabet(ds, "Gamma", &a));

    /* Subsets: drawer filter and alphabet filter. */
    siam_subset *s = NULL;
    const char *names[] = {"Beta_script"};
    siam_filter f = {names, 1, 2, 3, NULL};
    assert_int_equal(siam_subset_create(ds, &f, &s, &err), SIAM_OK);
    assert_int_equal(s->n_alphabets, 1);
    assert_int_equal(s->n_classes, 3);
    assert_int_equal(s->n_images, 6);
    for (size_t k = 0; k < s->n_images; k++) {
        const siam_image_info *in = siam_dataset_info(ds, s->images[k]);
        assert_true(in->drawer >= 2 && in->drawer <= 3);
        assert_int_equal(in->alphabet, a);
    }
    siam_subset_destroy(s);
    const char *bad_names[] = {"Nope"};
    siam_filter fb = {bad_names, 1, 0, 0, NULL};
    assert_int_equal(siam_subset_create(ds, &fb, &s, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "Nope"));

    /* Forced polarity: LIGHT_INK keeps the file's values. */
    siam_dataset_destroy(ds);
    siam_load_options opt;
    siam_load_options_default(&opt);
    opt.polarity = SIAM_POLARITY_LIGHT_INK;
    assert_int_equal(siam_dataset_load(root, &opt, NULL, &ds, &err), SIAM_OK);
    assert_int_equal(siam_dataset_inverted(ds), 0);
    assert_int_equal(siam_dataset_pixels(ds, 0)[0], 255); /* white paper */
    siam_dataset_destroy(ds);
    siam_load_report_clear(&rep);
}

/* <root>/<class>/<name>.png with mixed sizes, bit depths and white-on-black
 * polarity: auto-detected, resized to the first image's size. */
static void test_class_folders(void **state)
{
    (void)state;
    char root[4200];
    snprintf(root, sizeof root, "%s/mine", tmpdir);
    const char *classes[] = {"cat", "dog", "emu"};
    for (int c = 0; c < 3; c++) {
        char dir[4300];
        snprintf(dir, sizeof dir, "%s/%s", root, classes[c]);
        assert_int_equal(tu_mkdirs(dir), 0);
        for (int k = 0; k < 3; k++) {
            /* White square (ink) on black; 8-bit 20x20, 16-bit 40x40 or
             * 4-bit 10x10 interlaced. */
            int size = k == 0 ? 20 : k == 1 ? 40 : 10, depth = k == 0 ? 8 : k == 1 ? 16 : 4;
            unsigned maxv = (1u << depth) - 1u;
            uint16_t *smp = calloc((size_t)size * size, sizeof(uint16_t));
            for (int y = size / 4; y < 3 * size / 4; y++)
                for (int x = size / 4; x < 3 * size / 4; x++)
                    smp[y * size + x] = (uint16_t)maxv;
            char path[4400];
            snprintf(path, sizeof path, "%s/img%d.png", dir, k);
            assert_int_equal(tu_write_png(path, size, size, PNG_COLOR_TYPE_GRAY, depth, k == 2, smp,
                                          NULL, 0, NULL, 0), 0);
            free(smp);
        }
        /* Files that are skipped, not errors. */
        char other[4400];
        snprintf(other, sizeof other, "%s/notes.txt", dir);
        assert_int_equal(tu_write_file(other, "x", 1), 0);
        snprintf(other, sizeof other, "%s/.hidden.png", dir);
        assert_int_equal(tu_write_file(other, "x", 1), 0);
    }
    siam_dataset *ds = NULL;
    siam_error err;
    siam_load_report rep = {0, NULL, 0};
    assert_int_equal(siam_dataset_load(root, NULL, &rep, &ds, &err), SIAM_OK);
    assert_int_equal(rep.n_skipped, 3); /* the .txt files; hidden ones are not listed */
    assert_int_equal(siam_dataset_count(ds), 9);
    assert_int_equal(siam_dataset_n_alphabets(ds), 1);
    assert_string_equal(siam_dataset_alphabet_name(ds, 0), "mine");
    assert_int_equal(siam_dataset_n_classes(ds), 3);
    assert_string_equal(siam_dataset_class_name(ds, 1), "dog");
    assert_int_equal(siam_dataset_height(ds), 20);
    assert_int_equal(siam_dataset_inverted(ds), 0);
    for (size_t i = 0; i < 9; i++) {
        const uint8_t *px = siam_dataset_pixels(ds, i);
        assert_int_equal(px[0], 0);             /* background */
        assert_int_equal(px[10 * 20 + 10], 255); /* ink at the centre */
        assert_int_equal(siam_dataset_info(ds, i)->drawer, 1 + i % 3);
    }
    siam_dataset_destroy(ds);
    siam_load_report_clear(&rep);

    /* --invert equivalent: DARK_INK forces inversion. */
    siam_load_options opt;
    siam_load_options_default(&opt);
    opt.polarity = SIAM_POLARITY_DARK_INK;
    opt.store_h = opt.store_w = 5;
    assert_int_equal(siam_dataset_load(root, &opt, NULL, &ds, &err), SIAM_OK);
    assert_int_equal(siam_dataset_inverted(ds), 1);
    assert_int_equal(siam_dataset_height(ds), 5);
    assert_int_equal(siam_dataset_pixels(ds, 0)[0], 255);
    siam_dataset_destroy(ds);
}

static void put_ink_png(const char *dir, const char *name, int cls)
{
    char path[4400];
    uint8_t ink[120];
    assert_int_equal(tu_mkdirs(dir), 0);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    drawing(ink, cls, 1);
    assert_int_equal(tu_write_ink_png(path, 10, 12, ink), 0);
}

/* Layout detection and class folders as users make them: upper-case
 * .PNG counts, a stray subfolder in the first class keeps the class-folder
 * layout, an empty or unreadable class folder is named in the error. */
static void test_class_folder_edges(void **state)
{
    (void)state;
    char root[4200], dir[4300];
    snprintf(root, sizeof root, "%s/edges", tmpdir);
    const char *classes[] = {"ant", "bee", "cow"};
    for (int c = 0; c < 3; c++) {
        snprintf(dir, sizeof dir, "%s/%s", root, classes[c]);
        put_ink_png(dir, "a.png", c);
        put_ink_png(dir, "B.PNG", c);
    }
    snprintf(dir, sizeof dir, "%s/ant/thumbnails", root);
    put_ink_png(dir, "small.png", 0);
    siam_dataset *ds = NULL;
    siam_error err;
    siam_load_report rep = {0, NULL, 0};
    assert_int_equal(siam_dataset_load(root, NULL, &rep, &ds, &err), SIAM_OK);
    assert_int_equal(siam_dataset_n_alphabets(ds), 1);
    assert_int_equal(siam_dataset_n_classes(ds), 3);
    assert_int_equal(siam_dataset_count(ds), 6);
    assert_int_equal(rep.n_skipped, 1); /* the thumbnails folder */
    siam_dataset_destroy(ds);
    siam_load_report_clear(&rep);

    /* An empty class folder is an error that names it. */
    snprintf(dir, sizeof dir, "%s/dog", root);
    assert_int_equal(tu_mkdirs(dir), 0);
    assert_int_equal(siam_dataset_load(root, NULL, NULL, &ds, &err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "edges/dog: no PNG or JPEG images in this class folder"));
    /* So is one that cannot be read (unless root reads it anyway). */
    put_ink_png(dir, "c.png", 3);
    assert_int_equal(chmod(dir, 0), 0);
    if (access(dir, R_OK) != 0) {
        assert_int_equal(siam_dataset_load(root, NULL, NULL, &ds, &err), SIAM_ERR_FORMAT);
        assert_non_null(strstr(err.msg, "edges/dog: cannot read this class folder: Permission denied"));
    }
    assert_int_equal(chmod(dir, 0755), 0);

    /* Omniglot names in upper case: <id>_<drawer>.PNG. */
    char omni[4300];
    snprintf(omni, sizeof omni, "%s/omni_upper/Alpha/character01", tmpdir);
    put_ink_png(omni, "0001_01.PNG", 1);
    put_ink_png(omni, "0001_02.png", 1);
    snprintf(omni, sizeof omni, "%s/omni_upper", tmpdir);
    assert_int_equal(siam_dataset_load(omni, NULL, NULL, &ds, &err), SIAM_OK);
    assert_int_equal(siam_dataset_count(ds), 2);
    assert_int_equal(siam_dataset_info(ds, 0)->drawer, 1);
    siam_dataset_destroy(ds);
}

/* Three kinds of bad file in one set: all reported, nothing loaded. */
static void test_unreadable_files(void **state)
{
    (void)state;
    char root[4200];
    snprintf(root, sizeof root, "%s/broken", tmpdir);
    make_omniglot(root);
    char p1[4400], p2[4400], p3[4400];
    snprintf(p1, sizeof p1, "%s/Alpha_script/character01/0004_02.png", root);
    snprintf(p2, sizeof p2, "%s/Beta_script/character03/0003_04.png", root);
    snprintf(p3, sizeof p3, "%s/Beta_script/character02/drawing.png", root);
    uint8_t *bytes;
    size_t n;
    assert_int_equal(tu_read_file(p1, &bytes, &n), 0);
    assert_int_equal(tu_write_file(p1, bytes, n / 2), 0); /* truncated */
    assert_int_equal(tu_write_file(p2, "GIF89a", 6), 0);  /* not a PNG */
    assert_int_equal(tu_write_file(p3, bytes, n), 0);     /* misnamed */
    free(bytes);
    siam_dataset *ds = (siam_dataset *)&ds;
    siam_error err;
    siam_load_report rep = {0, NULL, 0};
    siam_load_options opt;
    siam_load_options_default(&opt);
    opt.layout = SIAM_LAYOUT_OMNIGLOT;
    assert_int_equal(siam_dataset_load(root, &opt, &rep, &ds, &err), SIAM_ERR_FORMAT);
    assert_null(ds);
    assert_int_equal(rep.n_bad, 3);
    const char *paths[] = {p1, p2, p3};
    const char *what[] = {"truncated", "not a PNG", "does not match"};
    for (int k = 0; k < 3; k++) {
        int found = 0;
        for (size_t j = 0; j < rep.n_bad; j++)
            found |= strstr(rep.bad[j], paths[k]) && strstr(rep.bad[j], what[k]);
        if (!found)
            fail_msg("no report line for %s (%s)", paths[k], what[k]);
    }
    assert_non_null(strstr(err.msg, "3 unreadable"));
    siam_load_report_clear(&rep);
    /* Without a report the error still counts them. */
    assert_int_equal(siam_dataset_load(root, &opt, NULL, &ds, &err), SIAM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "3 unreadable"));

    char empty[4300];
    snprintf(empty, sizeof empty, "%s/emptyset", tmpdir);
    assert_int_equal(tu_mkdirs(empty), 0);
    assert_int_equal(siam_dataset_load(empty, NULL, NULL, &ds, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, empty));

    char nowhere[4300];
    snprintf(nowhere, sizeof nowhere, "%s/nowhere", tmpdir);
    assert_int_equal(siam_dataset_load(nowhere, NULL, NULL, &ds, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, nowhere));
}

/* The table itself, without data: sizes, disjointness, drawers. */
static void test_split_table(void **state)
{
    (void)state;
    const siam_split_def *tr = siam_split_get(SIAM_SPLIT_TRAIN);
    const siam_split_def *va = siam_split_get(SIAM_SPLIT_VAL);
    const siam_split_def *te = siam_split_get(SIAM_SPLIT_TEST);
    assert_non_null(tr);
    assert_null(siam_split_get(SIAM_SPLIT_COUNT));
    assert_int_equal(tr->n_alphabets, 30);
    assert_int_equal(va->n_alphabets, 10);
    assert_int_equal(te->n_alphabets, 10);
    assert_string_equal(tr->source, "images_background");
    assert_string_equal(va->source, "images_evaluation");
    assert_string_equal(te->source, "images_evaluation");
    assert_int_equal(tr->drawer_lo, 1);
    assert_int_equal(tr->drawer_hi, 12);
    assert_int_equal(va->drawer_hi - va->drawer_lo + 1, 4);
    assert_int_equal(te->drawer_hi - te->drawer_lo + 1, 4);
    assert_true(va->drawer_lo > tr->drawer_hi);
    assert_true(te->drawer_lo > va->drawer_hi || te->drawer_hi < va->drawer_lo);
    size_t n_lake;
    const char *const *lake = siam_split_lake_alphabets(&n_lake);
    assert_int_equal(n_lake, 10);
    const char *expect[] = {"Atlantean", "Ge_ez", "Glagolitic", "Gurmukhi", "Kannada", "Malayalam",
                            "Manipuri", "Old_Church_Slavonic_(Cyrillic)", "Tengwar", "Tibetan"};
    for (int k = 0; k < 10; k++) {
        assert_string_equal(lake[k], expect[k]);
        assert_string_equal(te->alphabets[k], expect[k]);
        for (size_t j = 0; j < va->n_alphabets; j++)
            assert_string_not_equal(va->alphabets[j], expect[k]);
        for (size_t j = 0; j < tr->n_alphabets; j++)
            assert_string_not_equal(tr->alphabets[j], expect[k]);
    }
    for (size_t i = 0; i < tr->n_alphabets; i++)
        for (size_t j = 0; j < va->n_alphabets; j++)
            assert_string_not_equal(tr->alphabets[i], va->alphabets[j]);
    siam_split_id id;
    siam_error err;
    assert_int_equal(siam_split_parse("validation", &id, &err), SIAM_OK);
    assert_int_equal(id, SIAM_SPLIT_VAL);
    assert_int_equal(siam_split_parse("val", &id, &err), SIAM_OK);
    assert_int_equal(siam_split_parse("trian", &id, &err), SIAM_ERR_INVALID_ARG);
}

/* --data beats SIAMESE_DATA beats the user's data folder beats the
 * project's ../shared (from a build tree only); no path is compiled in. */
static void restore_env(const char *name, const char *saved, int had)
{
    if (had)
        setenv(name, saved, 1);
    else
        unsetenv(name);
}

static void test_data_dir(void **state)
{
    (void)state;
    const char *names[3] = {"SIAMESE_DATA", "XDG_DATA_HOME", "HOME"};
    char saved[3][4096];
    int had[3];
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        had[i] = v != NULL;
        snprintf(saved[i], sizeof saved[i], "%s", v ? v : "");
    }
    char buf[4096], user[4300], xdg[4200];
    unsetenv("SIAMESE_DATA");
    snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
    setenv("XDG_DATA_HOME", xdg, 1);
    snprintf(user, sizeof user, "%s/siamese/omniglot", xdg);
    /* No user folder: the project's ../shared from this build tree when it
     * is there, else the user folder that a fetch would fill. */
    const char *d = siam_data_dir(NULL, buf, sizeof buf);
    assert_non_null(d);
    size_t n = strlen(d), tail = strlen("/shared/data/omniglot");
    if (strcmp(d, user) != 0)
        assert_true(n > tail && strcmp(d + n - tail, "/shared/data/omniglot") == 0 &&
                    strstr(d, "/../../../shared/"));
    /* The user folder, once it exists, comes first. */
    assert_int_equal(tu_mkdirs(user), 0);
    assert_string_equal(siam_data_dir(NULL, buf, sizeof buf), user);
    assert_string_equal(siam_data_dir("", buf, sizeof buf), user);
    siam_error err;
    assert_int_equal(siam_data_check(user, "images_background", &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no Omniglot images_background in "));
    assert_non_null(strstr(err.msg, "siamese data fetch --to "));
    assert_null(strstr(err.msg, "(no such folder)"));
    char sub[4400];
    snprintf(sub, sizeof sub, "%s/images_background", user);
    assert_int_equal(tu_mkdirs(sub), 0);
    assert_int_equal(siam_data_check(user, "images_background", &err), SIAM_OK);
    assert_int_equal(siam_data_check("/no/such/dir", "all_runs", &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/no/such/dir (no such folder)"));
    /* A relative XDG_DATA_HOME is ignored (XDG spec): HOME's folder. */
    setenv("XDG_DATA_HOME", "relative", 1);
    setenv("HOME", "/home/someone", 1);
    assert_string_equal(siam_data_dir_user(buf, sizeof buf),
                        "/home/someone/.local/share/siamese/omniglot");
    unsetenv("HOME");
    unsetenv("XDG_DATA_HOME");
    assert_null(siam_data_dir_user(buf, sizeof buf));
    /* The environment, then the option. */
    setenv("SIAMESE_DATA", "/from/env", 1);
    assert_string_equal(siam_data_dir(NULL, buf, sizeof buf), "/from/env");
    assert_string_equal(siam_data_dir("/from/cli", buf, sizeof buf), "/from/cli");
    char small[8];
    unsetenv("SIAMESE_DATA");
    setenv("HOME", "/home/someone", 1);
    assert_null(siam_data_dir_user(small, sizeof small));
    for (int i = 0; i < 3; i++)
        restore_env(names[i], saved[i], had[i]);
    char jb[16];
    assert_null(siam_data_join(jb, sizeof jb, "/a/long/folder", "images_background"));
    assert_non_null(siam_data_join(jb, sizeof jb, "/d", "all_runs"));
    assert_string_equal(jb, "/d/all_runs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_omniglot_layout),
        cmocka_unit_test(test_class_folders),
        cmocka_unit_test(test_class_folder_edges),
        cmocka_unit_test(test_unreadable_files),
        cmocka_unit_test(test_split_table),
        cmocka_unit_test(test_data_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
