/* Output and input files: atomic writes that no planted link or special
 * file can turn against the user, output checks made before any work, and
 * inputs that cannot hang the program. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/atomic_file.h"
#include "base/input_file.h"
#include "base/safetensors.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fx {
    char dir[256];
    char path[512];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/siam_files_XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/model.safetensors", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void put(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void get(const char *path, char *out, size_t size)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(out, 1, size - 1, fp);
    out[n] = '\0';
    fclose(fp);
}

static siam_status write_text(const char *path, const char *text, siam_error *err)
{
    siam_atomic_file a;
    siam_status st = siam_atomic_begin(&a, path, err);
    if (st != SIAM_OK)
        return st;
    st = siam_atomic_write(&a, text, strlen(text), err);
    if (st != SIAM_OK) {
        siam_atomic_abort(&a);
        return st;
    }
    return siam_atomic_commit(&a, err);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* A link planted under the temporary name the old writer used
 * ("<path>.tmp.<pid>", O_TRUNC) made it overwrite the link's target; the
 * temporary name is now unpredictable and created with O_EXCL. */
static void planted_links_write_nothing_through(void **state)
{
    fx *f = *state;
    char victim[600], planted[600], buf[64];
    snprintf(victim, sizeof victim, "%s/victim.txt", f->dir);
    snprintf(planted, sizeof planted, "%s.tmp.%ld", f->path, (long)getpid());
    put(victim, "precious");
    assert_int_equal(symlink(victim, planted), 0);
    siam_error err = {0};
    assert_int_equal(write_text(f->path, "model", &err), SIAM_OK);
    get(victim, buf, sizeof buf);
    assert_string_equal(buf, "precious");
    get(f->path, buf, sizeof buf);
    assert_string_equal(buf, "model");
    struct stat st;
    assert_int_equal(lstat(planted, &st), 0); /* the live process's name: left alone */
    assert_true(S_ISLNK(st.st_mode));
}

/* An existing target that is not a regular file is refused and left as it
 * is: a FIFO, a folder, a link to a device. */
static void special_targets_are_refused(void **state)
{
    fx *f = *state;
    char fifo[600], folder[600], link[600];
    snprintf(fifo, sizeof fifo, "%s/fifo", f->dir);
    snprintf(folder, sizeof folder, "%s/folder", f->dir);
    snprintf(link, sizeof link, "%s/null", f->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(mkdir(folder, 0700), 0);
    assert_int_equal(symlink("/dev/null", link), 0);
    siam_error err = {0};
    assert_int_equal(write_text(fifo, "x", &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_int_equal(write_text(folder, "x", &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "is a folder"));
    assert_int_equal(write_text(link, "x", &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_output_check(fifo, &err), SIAM_ERR_INVALID_ARG);
    assert_int_equal(siam_output_check("", &err), SIAM_ERR_INVALID_ARG);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(count_entries(f->dir), 3); /* no temporary file left behind */
}

/* Output paths are checked before the work: a missing folder says why. */
static void output_check_before_work(void **state)
{
    fx *f = *state;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/folder/m.safetensors", f->dir);
    siam_error err = {0};
    assert_int_equal(siam_output_check(missing, &err), SIAM_ERR_IO);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_int_equal(siam_output_check("/proc/m.safetensors", &err), SIAM_ERR_IO);
    assert_int_equal(siam_output_check(f->path, &err), SIAM_OK);
    assert_int_equal(count_entries(f->dir), 0); /* the probe leaves nothing */
}

/* The mode is 0666 less the umask, as open() would make it. */
static void mode_follows_umask(void **state)
{
    fx *f = *state;
    mode_t old = umask(027);
    siam_error err = {0};
    assert_int_equal(write_text(f->path, "m", &err), SIAM_OK);
    umask(old);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
}

/* An aborted write leaves the old file and no temporary file. */
static void abort_keeps_the_old_file(void **state)
{
    fx *f = *state;
    siam_error err = {0};
    assert_int_equal(write_text(f->path, "old", &err), SIAM_OK);
    siam_atomic_file a;
    assert_int_equal(siam_atomic_begin(&a, f->path, &err), SIAM_OK);
    assert_int_equal(siam_atomic_write(&a, "new", 3, &err), SIAM_OK);
    siam_atomic_abort(&a);
    char buf[16];
    get(f->path, buf, sizeof buf);
    assert_string_equal(buf, "old");
    assert_int_equal(count_entries(f->dir), 1);
}

static void same_file(void **state)
{
    fx *f = *state;
    char other[600], spelled[600], hard[600];
    snprintf(other, sizeof other, "%s/other", f->dir);
    snprintf(spelled, sizeof spelled, "%s/./model.safetensors", f->dir);
    snprintf(hard, sizeof hard, "%s/hard", f->dir);
    assert_true(siam_same_file(f->path, spelled)); /* neither exists yet */
    assert_false(siam_same_file(f->path, other));
    put(f->path, "x");
    assert_int_equal(link(f->path, hard), 0);
    assert_true(siam_same_file(f->path, hard));
    assert_true(siam_same_file(spelled, f->path));
    assert_false(siam_same_file(f->path, other));
}

/* Inputs: a FIFO or a folder is refused at once (a plain open() of a FIFO
 * blocks until a writer comes); a missing file says why. */
static void inputs_must_be_regular(void **state)
{
    fx *f = *state;
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int fd = -1;
    siam_error err = {0};
    assert_int_equal(siam_open_input(fifo, "model", &fd, &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "model"));
    assert_non_null(strstr(err.msg, "not a regular file (a FIFO)"));
    assert_int_equal(siam_open_input(f->dir, "log", &fd, &err), SIAM_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "a folder"));
    assert_int_equal(siam_open_input(f->path, "model", &fd, &err), SIAM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    put(f->path, "abc");
    FILE *fp = NULL;
    assert_int_equal(siam_fopen_input(f->path, "model", &fp, &err), SIAM_OK);
    char buf[8] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf - 1, fp), 3);
    fclose(fp);
}

/* One file, one read: a model replaced after its header was read still
 * gives the tensors of the file that was opened (the header and the data
 * come from one descriptor; before, the data came from the path again and
 * 14 of 40 races gave scores matching neither model). */
static void replaced_file_reads_the_opened_one(void **state)
{
    fx *f = *state;
    char other[600];
    snprintf(other, sizeof other, "%s/other.safetensors", f->dir);
    int64_t shape[1] = {4};
    float a[4] = {1, 2, 3, 4}, b[4] = {-1, -2, -3, -4}, got[4];
    siam_st_entry ea = {"w", 1, shape, a}, eb = {"w", 1, shape, b};
    siam_error err = {0};
    assert_int_equal(siam_st_write(f->path, &ea, 1, NULL, 0, &err), SIAM_OK);
    assert_int_equal(siam_st_write(other, &eb, 1, NULL, 0, &err), SIAM_OK);
    siam_st_file st;
    assert_int_equal(siam_st_open(f->path, &st, &err), SIAM_OK);
    assert_int_equal(rename(other, f->path), 0); /* the other model now has the name */
    assert_int_equal(siam_st_read(&st, 0, got, &err), SIAM_OK);
    assert_memory_equal(got, a, sizeof a);
    siam_st_close(&st);
    /* A zeroed, never-opened file struct closes nothing (not stdin). */
    int nul = open("/dev/null", O_RDONLY);
    assert_true(nul >= 0);
    if (nul != 0) { /* make sure fd 0 is open, whatever ran us */
        assert_int_equal(dup2(nul, 0), 0);
        close(nul);
    }
    siam_st_file none;
    memset(&none, 0, sizeof none);
    siam_st_close(&none);
    assert_int_not_equal(fcntl(0, F_GETFD), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(planted_links_write_nothing_through, setup, teardown),
        cmocka_unit_test_setup_teardown(special_targets_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(output_check_before_work, setup, teardown),
        cmocka_unit_test_setup_teardown(mode_follows_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_keeps_the_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(same_file, setup, teardown),
        cmocka_unit_test_setup_teardown(inputs_must_be_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(replaced_file_reads_the_opened_one, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
