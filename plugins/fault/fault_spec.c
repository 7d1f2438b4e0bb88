/* Parsing SIAMESE_FAULT (fault_internal.h). Strict on purpose: a typo that
 * silently injected nothing would make a fault test pass for the wrong
 * reason, so anything not understood is refused with what was expected. */
#include "fault_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[FAULT_KINDS] = {
    [FAULT_INIT] = "init", [FAULT_ALLOC] = "alloc", [FAULT_OP] = "op",
    [FAULT_COPY] = "copy", [FAULT_FILL] = "fill",   [FAULT_SYNC] = "sync",
};

const char *fault_kind_name(fault_kind k)
{
    return (int)k >= 0 && k < FAULT_KINDS ? kind_names[k] : "?";
}

#define EXPECTED "expected KIND:N[+] with KIND init, alloc, op, copy, fill or sync and N >= 1, " \
                 "skew:OP:N[+] with OP an op name (conv2d_fwd, ...), or count; " \
                 "e.g. alloc:3 or op:10,copy:2"

static siam_status bad(siam_error *err, const char *text, const char *why)
{
    return siam_error_set(err, SIAM_ERR_INVALID_ARG, "fault: bad SIAMESE_FAULT '%s': %s; " EXPECTED,
                          text, why);
}

/* "N" or "N+" of length len: the call number, from 1. */
static siam_status parse_count(const char *p, size_t len, const char *text, uint64_t *at,
                               int *sticky, siam_error *err)
{
    char num[32];
    *sticky = len > 0 && p[len - 1] == '+';
    len -= (size_t)*sticky;
    if (len == 0)
        return bad(err, text, "N missing");
    if (len >= sizeof num)
        return bad(err, text, "N out of range");
    memcpy(num, p, len);
    num[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (num[i] < '0' || num[i] > '9')
            return bad(err, text, "N is not a whole number");
    errno = 0;
    unsigned long long n = strtoull(num, NULL, 10);
    if (errno || n == 0)
        return bad(err, text, "N out of range");
    *at = n;
    return SIAM_OK;
}

/* "OP:N[+]" of length len, after "skew:". */
static siam_status parse_skew(const char *p, size_t len, const char *text, fault_spec *out,
                              siam_error *err)
{
    if (out->skew_at)
        return bad(err, text, "skew given twice");
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return bad(err, text, "skew without OP:N");
    size_t ol = (size_t)(colon - p);
    int op = -1;
    for (int i = 0; i < SIAM_OP_COUNT; i++)
        if (strlen(siam_op_name((siam_op)i)) == ol && memcmp(p, siam_op_name((siam_op)i), ol) == 0)
            op = i;
    if (op < 0)
        return bad(err, text, "unknown op to skew");
    out->skew_op = (siam_op)op;
    return parse_count(colon + 1, len - ol - 1, text, &out->skew_at, &out->skew_sticky, err);
}

/* One "KIND:N[+]" (or "count", "skew:OP:N[+]") of length len. */
static siam_status parse_item(const char *item, size_t len, const char *text, fault_spec *out,
                              siam_error *err)
{
    if (len == 5 && memcmp(item, "count", 5) == 0) {
        out->count = 1;
        return SIAM_OK;
    }
    const char *colon = memchr(item, ':', len);
    if (!colon)
        return bad(err, text, "no ':'");
    size_t kl = (size_t)(colon - item);
    if (kl == 4 && memcmp(item, "skew", 4) == 0)
        return parse_skew(colon + 1, len - kl - 1, text, out, err);
    int k = -1;
    for (int i = 0; i < FAULT_KINDS; i++)
        if (strlen(kind_names[i]) == kl && memcmp(item, kind_names[i], kl) == 0)
            k = i;
    if (k < 0)
        return bad(err, text, "unknown kind");
    if (out->at[k])
        return bad(err, text, "a kind given twice");
    return parse_count(colon + 1, len - kl - 1, text, &out->at[k], &out->sticky[k], err);
}

siam_status fault_spec_parse(const char *text, fault_spec *out, siam_error *err)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return SIAM_OK;
    if (strlen(text) >= sizeof out->text)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "fault: SIAMESE_FAULT is longer than %zu characters",
                              sizeof out->text - 1);
    snprintf(out->text, sizeof out->text, "%s", text);
    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        siam_status st = parse_item(p, len, text, out, err);
        if (st != SIAM_OK)
            return st;
        if (!comma)
            break;
        p = comma + 1;
    }
    return SIAM_OK;
}

siam_status fault_skew_parse(const char *text, fault_spec *out, siam_error *err)
{
    out->skew = FAULT_SKEW_DEFAULT;
    if (!text || !*text)
        return SIAM_OK;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || end == text || !(v >= -0.5 && v <= 1e3) || v == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "fault: bad SIAMESE_FAULT_SKEW '%s': expected a relative error "
                              "in [-0.5, 1000] other than 0, e.g. 0.01",
                              text);
    out->skew = (float)v;
    return SIAM_OK;
}
