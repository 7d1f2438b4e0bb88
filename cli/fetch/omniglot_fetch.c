/* siamese data fetch: download, check, unpack, count, rename. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* flock */
#include "omniglot_fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_id.h"
#include "data/dataset.h"
#include "data/lake_runs.h"
#include "download.h"
#include "unzip.h"

typedef struct archive {
    const char *name;   /* file name, and the key of --digest */
    const char *path;   /* below the python/ folder */
    const char *blob;   /* git blob id at brendenlake/omniglot 057f034 */
    const char *folder; /* what it unpacks to */
    size_t alphabets, classes, images; /* for all_runs: runs, 0, 0 */
} archive;

static const archive archives[SIAM_FETCH_N_ARCHIVES] = {
    {"images_background.zip", "images_background.zip", "71fd167eb6fdd312049395fbd247147a4b234231",
     "images_background", 30, 964, 19280},
    {"images_evaluation.zip", "images_evaluation.zip", "8ccde0ed1565641f1fa8c57cdc6ff634e15fc5c1",
     "images_evaluation", 20, 659, 13180},
    {"all_runs.zip", "one-shot-classification/all_runs.zip",
     "3c49ffe2485e59b4852feb28ca9a12315d6a4ca4", "all_runs", 20, 0, 0},
};

/* Each archive is under 15 MB and unpacks to under 100 MB. */
static const long long max_archive_bytes = 64LL << 20;
static const siam_unzip_limits unzip_limits = {512LL << 20, 100000};

const char *siam_fetch_archive_name(int i)
{
    return i >= 0 && i < SIAM_FETCH_N_ARCHIVES ? archives[i].name : NULL;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

/* rm -r without following links; a missing path is fine. */
static siam_status remove_tree(const char *path, siam_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0 && errno == ENOENT)
        return SIAM_OK;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return siam_error_set(err, SIAM_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    return SIAM_OK;
}

/* mkdir -p; each existing part must be a folder. */
static siam_status make_folders(const char *path, siam_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "path too long: %.200s...", path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat sb;
        if (mkdir(buf, 0755) != 0 && (errno != EEXIST || stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)))
            return siam_error_set(err, SIAM_ERR_IO, "cannot make folder %s: %s", buf,
                                  errno == EEXIST ? "a file is in the way" : strerror(errno));
        if (c == '\0')
            return SIAM_OK;
        *p = c;
    }
}

static int path_of(char *buf, size_t cap, const char *a, const char *b)
{
    int n = snprintf(buf, cap, "%s/%s", a, b);
    return n >= 0 && (size_t)n < cap;
}

/* SIAM_OK when dir is the archive's folder with the release's counts. */
static siam_status count_folder(const archive *a, const char *dir, siam_error *err)
{
    siam_load_options opt;
    siam_load_options_default(&opt);
    siam_load_report rep = {0, NULL, 0};
    siam_dataset *ds = NULL;
    siam_status st;
    size_t na = 0, nc = 0, ni = 0;
    if (a->classes == 0) {
        siam_trial_set ts;
        st = siam_lake_runs_load(dir, NULL, &rep, &ds, &ts, err);
        if (st == SIAM_OK) {
            na = siam_dataset_n_alphabets(ds);
            siam_trial_set_free(&ts);
        }
    } else {
        opt.layout = SIAM_LAYOUT_OMNIGLOT;
        st = siam_dataset_load(dir, &opt, &rep, &ds, err);
        if (st == SIAM_OK) {
            na = siam_dataset_n_alphabets(ds);
            nc = siam_dataset_n_classes(ds);
            ni = siam_dataset_count(ds);
        }
    }
    size_t bad = rep.n_bad;
    siam_load_report_clear(&rep);
    siam_dataset_destroy(ds);
    if (st != SIAM_OK)
        return siam_error_prefix(err, "counting: ");
    if (bad)
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: %zu unreadable files", dir, bad);
    if (na != a->alphabets || nc != a->classes || ni != a->images)
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "%s: %zu %s, %zu characters, %zu drawings; the release has %zu, "
                              "%zu, %zu", dir, na, a->classes ? "alphabets" : "runs", nc, ni,
                              a->alphabets, a->classes, a->images);
    return SIAM_OK;
}

/* The archive in staging/<name>, fetched or resumed, its blob id checked. */
static siam_status get_archive(const siam_fetch_opts *o, int i, const char *staging,
                               siam_error *err)
{
    const archive *a = &archives[i];
    const char *want = o->digest[i] ? o->digest[i] : a->blob;
    char zip[4096], part[4096], url[4096], got[SIAM_BLOB_ID_HEX];
    if (!path_of(zip, sizeof zip, staging, a->name) ||
        snprintf(part, sizeof part, "%s.part", zip) >= (int)sizeof part ||
        !path_of(url, sizeof url, o->base_url, a->path))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "path or URL too long");
    struct stat sb;
    if (lstat(zip, &sb) == 0 && S_ISREG(sb.st_mode) && siam_blob_id_file(zip, got, NULL) == SIAM_OK &&
        strcasecmp(got, want) == 0)
        return SIAM_OK; /* fetched by an earlier, interrupted run */
    for (int attempt = 0; attempt < 2; attempt++) {
        int resumed = lstat(part, &sb) == 0 && sb.st_size > 0;
        siam_download_opts d = {max_archive_bytes, a->name, o->progress};
        siam_status st = siam_download(url, part, &d, err);
        if (st != SIAM_OK) {
            if (lstat(part, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0)
                unlink(part); /* nothing came; a part with bytes stays for the next run */
            return st;
        }
        if ((st = siam_blob_id_file(part, got, err)) != SIAM_OK)
            return st;
        if (strcasecmp(got, want) == 0) {
            if (rename(part, zip) != 0)
                return siam_error_set(err, SIAM_ERR_IO, "cannot rename %s: %s", part,
                                      strerror(errno));
            return SIAM_OK;
        }
        unlink(part);
        if (!resumed)
            break; /* a fresh download that is wrong: retrying will not help */
        fprintf(stderr, "%s: the resumed file does not check out; fetching it again whole\n",
                a->name);
    }
    return siam_error_set(err, SIAM_ERR_FORMAT,
                          "%s from %s has blob id %s, not the pinned %s: a corrupt download or "
                          "another file (removed; nothing was unpacked)", a->name, url, got, want);
}

/* Unpacks the archive and returns, in found, the folder it holds. */
static siam_status unpack(int i, const char *staging, char *found, size_t cap, siam_error *err)
{
    const archive *a = &archives[i];
    char zip[4096], dest[4096];
    if (!path_of(zip, sizeof zip, staging, a->name) ||
        snprintf(dest, sizeof dest, "%s/unpack-%s", staging, a->folder) >= (int)sizeof dest)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "path too long");
    siam_status st = remove_tree(dest, err);
    if (st == SIAM_OK && mkdir(dest, 0755) != 0)
        st = siam_error_set(err, SIAM_ERR_IO, "cannot make %s: %s", dest, strerror(errno));
    if (st == SIAM_OK)
        st = siam_unzip(zip, dest, &unzip_limits, err);
    if (st != SIAM_OK)
        return st;
    /* The release's archives hold one top folder named after them; an
     * archive of the folder's contents is accepted too. */
    if (!path_of(found, cap, dest, a->folder))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "path too long");
    struct stat sb;
    if (lstat(found, &sb) != 0 || !S_ISDIR(sb.st_mode))
        snprintf(found, cap, "%s", dest);
    return SIAM_OK;
}

/* 1: target/<folder> is there and whole; 0: absent; error: there, not whole. */
static siam_status already_there(const archive *a, const char *target, int *whole, siam_error *err)
{
    char dir[4096];
    *whole = 0;
    if (!path_of(dir, sizeof dir, target, a->folder))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "path too long: %.200s...", target);
    struct stat sb;
    if (lstat(dir, &sb) != 0)
        return SIAM_OK;
    if (count_folder(a, dir, err) != SIAM_OK)
        return siam_error_set(err, SIAM_ERR_FORMAT,
                              "%s is there but is not the release's (%s): move it away, or "
                              "fetch --to another folder", dir, err->msg);
    *whole = 1;
    return SIAM_OK;
}

static siam_status fetch_locked(const siam_fetch_opts *o, const char *staging, const int *need,
                                siam_error *err)
{
    siam_status st = SIAM_OK;
    for (int i = 0; st == SIAM_OK && i < SIAM_FETCH_N_ARCHIVES; i++)
        if (need[i])
            st = get_archive(o, i, staging, err);
    /* Every archive unpacked and counted before the first moves in. */
    char found[SIAM_FETCH_N_ARCHIVES][4096];
    for (int i = 0; st == SIAM_OK && i < SIAM_FETCH_N_ARCHIVES; i++) {
        if (!need[i])
            continue;
        st = unpack(i, staging, found[i], sizeof found[i], err);
        if (st == SIAM_OK && (st = count_folder(&archives[i], found[i], err)) != SIAM_OK)
            siam_error_prefix(err, "the archive's contents are not the release's: ");
    }
    for (int i = 0; st == SIAM_OK && i < SIAM_FETCH_N_ARCHIVES; i++) {
        char dest[4096];
        if (!need[i])
            continue;
        if (!path_of(dest, sizeof dest, o->to, archives[i].folder))
            st = siam_error_set(err, SIAM_ERR_INVALID_ARG, "path too long");
        else if (rename(found[i], dest) != 0)
            st = siam_error_set(err, SIAM_ERR_IO, "cannot rename %s to %s: %s", found[i], dest,
                                strerror(errno));
        else
            fprintf(stderr, "%s: in place\n", dest);
    }
    return st;
}

siam_status siam_fetch_omniglot(const siam_fetch_opts *o, siam_error *err)
{
    int need[SIAM_FETCH_N_ARCHIVES], n_need = 0;
    for (int i = 0; i < SIAM_FETCH_N_ARCHIVES; i++) {
        if (o->digest[i] && !siam_blob_id_valid(o->digest[i]))
            return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                                  "digest for %s is not 40 hex digits: '%.60s'", archives[i].name,
                                  o->digest[i]);
        int whole = 0;
        siam_status st = already_there(&archives[i], o->to, &whole, err);
        if (st != SIAM_OK)
            return st;
        need[i] = !whole;
        n_need += need[i];
    }
    if (n_need == 0) {
        fprintf(stderr, "%s already holds the Omniglot release\n", o->to);
        return SIAM_OK;
    }
    char staging[4096], lock[4096];
    size_t tl = strlen(o->to);
    while (tl > 1 && o->to[tl - 1] == '/')
        tl--;
    if (snprintf(staging, sizeof staging, "%.*s.fetch", (int)tl, o->to) >= (int)sizeof staging ||
        !path_of(lock, sizeof lock, staging, "lock"))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "path too long: %.200s...", o->to);
    siam_status st = make_folders(o->to, err);
    if (st == SIAM_OK)
        st = make_folders(staging, err);
    if (st != SIAM_OK)
        return st;
    int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return siam_error_set(err, SIAM_ERR_IO, "cannot open %s: %s", lock, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return siam_error_set(err, SIAM_ERR_IO, "another fetch into %s is running (%s is locked)",
                              o->to, lock);
    }
    st = fetch_locked(o, staging, need, err);
    if (st == SIAM_OK)
        st = remove_tree(staging, err); /* the lock goes with it, still held */
    close(fd);
    return st;
}
