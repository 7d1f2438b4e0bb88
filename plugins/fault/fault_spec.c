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
                 "or count; e.g. alloc:3 or op:10,copy:2"

static siam_status bad(siam_error *err, const char *text, const char *why)
{
    return siam_error_set(err, SIAM_ERR_INVALID_ARG, "fault: bad SIAMESE_FAULT '%s': %s; " EXPECTED,
                          text, why);
}

/* One "KIND:N[+]" of length len. */
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
    int k = -1;
    for (int i = 0; i < FAULT_KINDS; i++)
        if (strlen(kind_names[i]) == kl && memcmp(item, kind_names[i], kl) == 0)
            k = i;
    if (k < 0)
        return bad(err, text, "unknown kind");
    if (out->at[k])
        return bad(err, text, "a kind given twice");
    char num[32];
    size_t nl = len - kl - 1;
    int sticky = nl > 0 && colon[nl] == '+';
    nl -= (size_t)sticky;
    if (nl == 0)
        return bad(err, text, "N missing");
    if (nl >= sizeof num)
        return bad(err, text, "N out of range");
    memcpy(num, colon + 1, nl);
    num[nl] = '\0';
    for (size_t i = 0; i < nl; i++)
        if (num[i] < '0' || num[i] > '9')
            return bad(err, text, "N is not a whole number");
    errno = 0;
    unsigned long long n = strtoull(num, NULL, 10);
    if (errno || n == 0)
        return bad(err, text, "N out of range");
    out->at[k] = n;
    out->sticky[k] = sticky;
    return SIAM_OK;
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
