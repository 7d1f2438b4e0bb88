/* siamese op parity: every op, forward and backward, on every backend
 * module present, against the cpu backend (the oracle).
 *
 *   parity [test|grad|perf|support] [-b BACKEND] [-o OP[,OP...]] [-s SEED] [-v]
 *
 * test     compare each case with the cpu backend: NaN fails, an Inf must
 *          match, NMSE under the op's threshold (cases.c), canaries intact;
 *          without -o, first the asynchronous-upload contract (transfers.c).
 *          Without -b, every backend but cpu is tested.
 * grad     finite differences of each op's forward against its backward, on
 *          the backend itself (default: cpu).
 * perf     JSON lines: op, backend, shape, us/run, GFLOP/s.
 * support  the support matrix (supports_op) of every backend.
 * Ops a backend does not support are reported, not failed. Exit status: 0
 * when everything that ran passed, 1 on a failure, 2 on bad usage. */
#include "parity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pgrad_applies(const pcase *pc);
/* 0 passed, 1 failed, -1 not supported by the backend. */
int pgrad_case(siam_backend *be, const pcase *pc, uint64_t seed, int verbose, double *worst);
int ptransfer_check(siam_backend *be, const char *name);

typedef struct opts {
    const char *mode, *backend, *ops;
    uint64_t seed;
    int verbose;
} opts;

static int op_selected(const opts *o, siam_op op)
{
    if (!o->ops)
        return 1;
    const char *name = siam_op_get_info(op)->name;
    size_t nl = strlen(name);
    for (const char *p = o->ops; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == nl && strncmp(p, name, l) == 0)
            return 1;
        /* "conv2d" selects every conv2d_* op */
        if (l < nl && strncmp(p, name, l) == 0 && name[l] == '_')
            return 1;
        p += l + (e ? 1 : 0);
    }
    return 0;
}

typedef struct bk {
    char name[64];
    siam_backend *be;
} bk;

/* Opens every usable module (or just -b); prints why one cannot be used. */
static int open_backends(const opts *o, bk *out, int max, siam_backend **cpu)
{
    siam_module_entry *e = NULL;
    int n = 0, k = 0;
    siam_error err = {0};
    *cpu = NULL;
    if (siam_backend_scan(&e, &n, &err) != SIAM_OK) {
        fprintf(stderr, "parity: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < n && k < max; i++) {
        int is_cpu = strcmp(e[i].name, "cpu") == 0;
        if (o->backend && strcmp(o->backend, e[i].name) != 0 && !is_cpu)
            continue;
        if (!e[i].usable || e[i].score <= 0) {
            printf("backend %s: skipped (%s)\n", e[i].name, e[i].problem);
            continue;
        }
        siam_backend *be = NULL;
        if (siam_backend_open_path(e[i].path, NULL, 0, &be, &err) != SIAM_OK) {
            printf("backend %s: skipped (%s)\n", e[i].name, err.msg);
            continue;
        }
        siam_device_info info;
        if (siam_backend_device(be, &info, &err) == SIAM_OK)
            printf("backend %s: %s%s%s; %s; %s\n", e[i].name, info.name,
                   info.platform[0] ? " on " : "", info.platform, info.driver, info.extra);
        if (is_cpu && !*cpu)
            *cpu = be;
        snprintf(out[k].name, sizeof out[k].name, "%s", e[i].name);
        out[k++].be = be;
    }
    free(e);
    return k;
}

static int mode_test(const opts *o, const pcase *cases, int nc, bk *b, int nb, siam_backend *cpu)
{
    double worst[SIAM_OP_COUNT];
    int fails = 0, ran = 0, unsupported = 0;
    for (int j = 0; j < nb; j++) {
        if (b[j].be == cpu && !(o->backend && strcmp(o->backend, "cpu") == 0)) {
            if (!o->ops) /* cpu keeps the transfer contract too */
                fails += ptransfer_check(b[j].be, b[j].name);
            continue; /* cpu against itself only when asked for */
        }
        for (int i = 0; i < SIAM_OP_COUNT; i++)
            worst[i] = -1.0;
        printf("== %s against cpu\n", b[j].name);
        if (!o->ops) /* the transfer contract, whole or not at all */
            fails += ptransfer_check(b[j].be, b[j].name);
        for (int c = 0; c < nc; c++) {
            const pcase *pc = &cases[c];
            if (!op_selected(o, pc->op))
                continue;
            const char *name = siam_op_get_info(pc->op)->name;
            phost in, ref, got;
            if (phost_make(pc, pcase_seed(pc, o->seed), &in) != 0 || phost_clone(&in, &ref) ||
                phost_clone(&in, &got)) {
                fprintf(stderr, "parity: out of memory\n");
                return 1;
            }
            siam_error e1 = {0}, e2 = {0};
            int bad1 = 0, bad2 = 0;
            /* An in-place case is held against the cpu's out-of-place run. */
            pcase apart = *pc;
            apart.in_place = 0;
            siam_status s1 = prun(cpu, &apart, &ref, &bad1, &e1);
            siam_status s2 = prun(b[j].be, pc, &got, &bad2, &e2);
            if (s2 == SIAM_ERR_UNSUPPORTED) {
                printf("  --   %-18s %-44s not supported: %s\n", name, pc->label, e2.msg);
                unsupported++;
            } else if (s1 != SIAM_OK || s2 != SIAM_OK) {
                printf("  FAIL %-18s %-44s %s\n", name, pc->label, s1 != SIAM_OK ? e1.msg : e2.msg);
                fails++;
            } else {
                const char *why;
                double thr = pcase_max_nmse(pc->op, &why);
                pcompare cmp = pcompare_outputs(pc, &ref, &got);
                int ok = !cmp.nan && !cmp.inf_mismatch && cmp.nmse <= thr;
                printf("  %-4s %-18s %-44s nmse %.3e (max %.0e)%s%s\n", ok ? "OK" : "FAIL", name,
                       pc->label, cmp.nmse, thr, cmp.nan ? " NaN" : "",
                       cmp.inf_mismatch ? " Inf-mismatch" : "");
                if (cmp.nmse > worst[pc->op])
                    worst[pc->op] = cmp.nmse;
                fails += !ok;
                ran++;
            }
            phost_free(&in);
            phost_free(&ref);
            phost_free(&got);
        }
        printf("== %s: largest NMSE per op\n", b[j].name);
        for (int i = 0; i < SIAM_OP_COUNT; i++)
            if (worst[i] >= 0.0) {
                const char *why;
                double thr = pcase_max_nmse((siam_op)i, &why);
                printf("  %-18s %.3e  (max %.0e: %s)\n", siam_op_get_info((siam_op)i)->name,
                       worst[i], thr, why);
            }
    }
    printf("parity test: %d cases ran, %d failed, %d not supported\n", ran, fails, unsupported);
    return fails ? 1 : 0;
}

static int mode_grad(const opts *o, const pcase *cases, int nc, bk *b, int nb)
{
    int fails = 0, ran = 0, unsupported = 0;
    const char *want = o->backend ? o->backend : "cpu";
    for (int j = 0; j < nb; j++) {
        if (strcmp(b[j].name, want) != 0)
            continue;
        printf("== gradients on %s (central differences, eps 1e-2)\n", b[j].name);
        double worst = 0.0;
        for (int c = 0; c < nc; c++) {
            if (!op_selected(o, cases[c].op) || !pgrad_applies(&cases[c]))
                continue;
            int r = pgrad_case(b[j].be, &cases[c], pcase_seed(&cases[c], o->seed), o->verbose,
                               &worst);
            unsupported += r < 0;
            fails += r > 0;
            ran += r >= 0;
        }
        printf("== %s: worst error/tolerance %.3f\n", b[j].name, worst);
    }
    printf("parity grad: %d cases ran, %d failed, %d not supported\n", ran, fails, unsupported);
    return fails ? 1 : 0;
}

static int mode_perf(const opts *o, const pcase *cases, int nc, bk *b, int nb)
{
    int fails = 0;
    for (int j = 0; j < nb; j++)
        for (int c = 0; c < nc; c++) {
            const pcase *pc = &cases[c];
            if (!op_selected(o, pc->op))
                continue;
            phost h;
            if (phost_make(pc, pcase_seed(pc, o->seed), &h) != 0)
                return 1;
            siam_error err = {0};
            double us = 0.0;
            siam_status st = ptime(b[j].be, pc, &h, 5, 0.2, &us, &err);
            if (st == SIAM_OK)
                printf("{\"op\":\"%s\",\"backend\":\"%s\",\"shape\":\"%s\",\"us_per_run\":%.2f,"
                       "\"gflops\":%.3f}\n",
                       siam_op_get_info(pc->op)->name, b[j].name, pc->label, us,
                       us > 0 ? pcase_flops(pc) / (us * 1e3) : 0.0);
            else if (st != SIAM_ERR_UNSUPPORTED) {
                fprintf(stderr, "parity perf: %s\n", err.msg);
                fails++;
            }
            phost_free(&h);
        }
    return fails ? 1 : 0;
}

static int mode_support(const opts *o, const pcase *cases, int nc, bk *b, int nb)
{
    printf("%-20s", "op");
    for (int j = 0; j < nb; j++)
        printf(" %-10s", b[j].name);
    printf("\n");
    for (int op = 0; op < SIAM_OP_COUNT; op++) {
        if (!op_selected(o, (siam_op)op))
            continue;
        const pcase *pc = NULL;
        for (int c = 0; c < nc && !pc; c++)
            if (cases[c].op == (siam_op)op)
                pc = &cases[c];
        printf("%-20s", siam_op_get_info((siam_op)op)->name);
        for (int j = 0; j < nb; j++) {
            /* Asked on the op's first case, with real buffers. */
            phost h;
            int bad = 0;
            siam_error err = {0};
            const char *mark = "no case";
            if (pc && phost_make(pc, o->seed, &h) == 0) {
                siam_status st = prun(b[j].be, pc, &h, &bad, &err);
                mark = st == SIAM_OK ? "yes" : st == SIAM_ERR_UNSUPPORTED ? "no" : "error";
                phost_free(&h);
            }
            printf(" %-10s", mark);
        }
        printf("\n");
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: parity [test|grad|perf|support] [-b BACKEND] [-o OP[,OP]] "
                    "[-s SEED] [-v]\n");
    return 2;
}

int main(int argc, char **argv)
{
    opts o = {"test", NULL, NULL, 42, 0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "test") || !strcmp(argv[i], "grad") || !strcmp(argv[i], "perf") ||
            !strcmp(argv[i], "support"))
            o.mode = argv[i];
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            o.backend = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            o.ops = argv[++i];
        else if (!strcmp(argv[i], "-s") && i + 1 < argc)
            o.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-v"))
            o.verbose = 1;
        else
            return usage();
    }
    static pcase cases[PCASE_MAX];
    int nc = pcase_list(cases, PCASE_MAX);
    bk b[16];
    siam_backend *cpu = NULL;
    int nb = open_backends(&o, b, 16, &cpu);
    if (nb < 0)
        return 1;
    if (!cpu) {
        fprintf(stderr, "parity: the cpu backend (the reference) was not found\n");
        return 1;
    }
    int rc;
    if (!strcmp(o.mode, "test"))
        rc = mode_test(&o, cases, nc, b, nb, cpu);
    else if (!strcmp(o.mode, "grad"))
        rc = mode_grad(&o, cases, nc, b, nb);
    else if (!strcmp(o.mode, "perf"))
        rc = mode_perf(&o, cases, nc, b, nb);
    else
        rc = mode_support(&o, cases, nc, b, nb);
    for (int j = 0; j < nb; j++)
        siam_backend_close(b[j].be);
    return rc;
}
