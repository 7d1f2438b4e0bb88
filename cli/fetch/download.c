/* siamese data fetch: downloads through libcurl (redirects, TLS, ranges,
 * file:// and timeouts are its job, not ours). */
#define _POSIX_C_SOURCE 200809L
#include "download.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sink {
    FILE *f;
    const char *part;
    CURL *curl;
    long long have;    /* bytes in the file before this transfer */
    long long written; /* bytes written by this transfer */
    long long max;
    int checked;       /* the response code was looked at */
    int too_big, io_error;
    const siam_download_opts *o;
    double last_shown;
} sink;

/* The first bytes of a response: a server that answered a range request
 * with the whole file (200, not 206) makes us start the file over. */
static int sink_check(sink *s)
{
    s->checked = 1;
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (s->have > 0 && code == 200) {
        if (fflush(s->f) != 0 || ftruncate(fileno(s->f), 0) != 0 || fseek(s->f, 0, SEEK_SET) != 0)
            return 0;
        s->have = 0;
    }
    return 1;
}

static size_t sink_write(char *data, size_t size, size_t n, void *user)
{
    sink *s = user;
    size_t bytes = size * n;
    if (!s->checked && !sink_check(s)) {
        s->io_error = errno ? errno : EIO;
        return 0;
    }
    if (s->have + s->written + (long long)bytes > s->max) {
        s->too_big = 1;
        return 0;
    }
    if (fwrite(data, 1, bytes, s->f) != bytes) {
        s->io_error = errno ? errno : EIO;
        return 0;
    }
    s->written += (long long)bytes;
    return bytes;
}

static void show(const sink *s, long long total, const char *end)
{
    double mb = (double)(s->have + s->written) / 1e6;
    if (total > 0)
        fprintf(stderr, "\r%-24s %7.1f / %.1f MB %3d%%%s", s->o->label, mb, (double)total / 1e6,
                (int)(100 * (s->have + s->written) / total), end);
    else
        fprintf(stderr, "\r%-24s %7.1f MB%s", s->o->label, mb, end);
}

static int sink_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    sink *s = user;
    if (!s->o->progress)
        return 0;
    double t = 0;
    curl_easy_getinfo(s->curl, CURLINFO_TOTAL_TIME, &t);
    if (t - s->last_shown >= 0.2) {
        s->last_shown = t;
        show(s, dltotal > 0 ? s->have + (long long)dltotal : 0, "");
    }
    return 0;
}

siam_status siam_download(const char *url, const char *part, const siam_download_opts *o,
                          siam_error *err)
{
    struct stat sb;
    long long have = 0;
    if (lstat(part, &sb) == 0) {
        if (!S_ISREG(sb.st_mode))
            return siam_error_set(err, SIAM_ERR_IO, "%s exists and is not a regular file", part);
        have = (long long)sb.st_size;
    }
    if (have > o->max_bytes)
        have = 0; /* not ours to resume: start over */
    FILE *f = fopen(part, have > 0 ? "r+b" : "wb");
    if (!f || (have > 0 && fseek(f, 0, SEEK_END) != 0)) {
        int e = errno;
        if (f)
            fclose(f);
        return siam_error_set(err, SIAM_ERR_IO, "cannot write %s: %s", part, strerror(e));
    }
    CURL *curl = curl_easy_init();
    if (!curl) {
        fclose(f);
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "libcurl could not start");
    }
    sink s = {f, part, curl, have, 0, o->max_bytes, 0, 0, 0, o, -1.0};
    char curl_msg[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    /* A stalled connection ends instead of hanging: under 1 byte/s for 60 s. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, sink_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &s);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "siamese-data-fetch");
    if (have > 0)
        curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
    if (!o->progress)
        fprintf(stderr, "%s: %s%s\n", o->label, have > 0 ? "resuming " : "fetching ", url);

    CURLcode rc = curl_easy_perform(curl);
    /* A file already whole: a range past its end is "nothing more to get". */
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    if (have > 0 && (rc == CURLE_RANGE_ERROR || rc == CURLE_BAD_DOWNLOAD_RESUME ||
                     (rc == CURLE_HTTP_RETURNED_ERROR && code == 416)))
        rc = CURLE_OK; /* the caller's digest check decides whether it is whole */
    curl_easy_cleanup(curl);
    int close_bad = fclose(f) != 0;
    if (s.too_big)
        return siam_error_set(err, SIAM_ERR_FORMAT, "%s: larger than %lld bytes: not the archive",
                              url, o->max_bytes);
    if (s.io_error || close_bad)
        return siam_error_set(err, SIAM_ERR_IO, "cannot write %s: %s", part,
                              strerror(s.io_error ? s.io_error : EIO));
    if (rc != CURLE_OK)
        return siam_error_set(err, rc == CURLE_HTTP_RETURNED_ERROR ? SIAM_ERR_NOT_FOUND : SIAM_ERR_IO,
                              "%s: %s", url, curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
    if (o->progress)
        show(&s, s.have + s.written, "\n");
    else
        fprintf(stderr, "%s: %.1f MB\n", o->label, (double)(s.have + s.written) / 1e6);
    return SIAM_OK;
}
