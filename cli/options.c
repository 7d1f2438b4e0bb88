/* Parsing a command's arguments from its option table (options.h), on
 * getopt_long: long options, --opt=value, short forms, clusters, "--". */
#define _GNU_SOURCE
#include "options.h"

#include "base/term_text.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HELP_VAL 1 /* getopt's value for --help; table rows are 256 + index */
#define ROW_VAL 256

void cli_parse_begin(cli_parser *p, const cli_command *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
}

/* One error line naming the command's help; always -1, cli_next's "stop". */
static int fail(cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(cli_parser *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    siam_print_errorf(p->cmd->name, "%s (see siamese %s --help)", msg, p->cmd->name);
    p->exit_status = 2;
    return -1;
}

/* The words of a choice's metavar as "a, b or c", for messages. */
static void choice_words(const char *metavar, char *out, size_t size)
{
    size_t n = 0, words = 1;
    for (const char *c = metavar; *c; c++)
        words += *c == '|';
    size_t w = 0;
    for (const char *c = metavar; *c && n + 5 < size; c++) {
        if (*c != '|') {
            out[n++] = *c;
            continue;
        }
        w++;
        const char *sep = w + 1 == words ? " or " : ", ";
        n += (size_t)snprintf(out + n, size - n, "%s", sep);
    }
    out[n < size ? n : size - 1] = '\0';
}

static int choice_index(const char *metavar, const char *text)
{
    size_t len = strlen(text);
    int i = 0;
    for (const char *w = metavar; *w; i++) {
        size_t wl = strcspn(w, "|");
        if (wl == len && strncmp(w, text, len) == 0)
            return i;
        w += wl + (w[wl] == '|');
    }
    return -1;
}

static int check_value(cli_parser *p, const cli_option *o, const char *text, cli_value *v)
{
    v->text = text;
    if (o->arg == CLI_CHOICE) {
        v->choice = choice_index(o->metavar, text);
        if (v->choice < 0) {
            char words[200];
            choice_words(o->metavar, words, sizeof words);
            fail(p, "--%s is %s, not '%s'", o->name, words, text);
            return 0;
        }
        return 1;
    }
    if (o->arg != CLI_INT && o->arg != CLI_NUMBER)
        return 1;
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    int ok = end != text && !*end && !errno && isfinite(x) &&
             (o->flags & CLI_OPEN_LO ? x > o->lo : x >= o->lo) &&
             (o->flags & CLI_OPEN_HI ? x < o->hi : x <= o->hi);
    int whole = o->arg == CLI_INT;
    if (ok && whole && x != floor(x))
        ok = 0;
    if (!ok) {
        fail(p, "--%s needs a %s in %c%.16g, %.16g%c, got '%s'", o->name,
             whole ? "whole number" : "number", o->flags & CLI_OPEN_LO ? '(' : '[', o->lo, o->hi,
             o->flags & CLI_OPEN_HI ? ')' : ']', text);
        return 0;
    }
    v->number = x;
    return 1;
}

static const char *const *long_names(const cli_command *cmd, const char **buf)
{
    for (size_t i = 0; i < cmd->n_options; i++)
        buf[i] = cmd->options[i].name;
    buf[cmd->n_options] = "help";
    return buf;
}

/* The end of the options: operands counted, required options present. */
static int finish(cli_parser *p)
{
    const cli_command *c = p->cmd;
    p->operands = p->argv + optind;
    p->n_operands = p->argc - optind;
    for (size_t i = 0; i < c->n_options; i++)
        if ((c->options[i].flags & CLI_REQUIRED) && !(p->seen[i / 32] >> (i % 32) & 1))
            return fail(p, "--%s %s is required", c->options[i].name, c->options[i].metavar);
    if (p->n_operands > c->max_operands)
        return fail(p, "unexpected argument '%s'", p->operands[c->max_operands]);
    if (p->n_operands < c->min_operands)
        return fail(p, "missing %s", c->operands);
    return 0;
}

int cli_next(cli_parser *p, cli_value *v)
{
    const cli_command *c = p->cmd;
    if (c->n_options > CLI_MAX_OPTIONS)
        return fail(p, "internal: too many options");
    struct option longopts[CLI_MAX_OPTIONS + 2];
    char shortopts[3 * CLI_MAX_OPTIONS + 8] = ":h";
    size_t ns = strlen(shortopts);
    for (size_t i = 0; i < c->n_options; i++) {
        const cli_option *o = &c->options[i];
        longopts[i] = (struct option){o->name, o->arg == CLI_FLAG ? no_argument : required_argument,
                                      NULL, ROW_VAL + (int)i};
        if (o->short_name) {
            shortopts[ns++] = o->short_name;
            if (o->arg != CLI_FLAG)
                shortopts[ns++] = ':';
        }
    }
    shortopts[ns] = '\0';
    longopts[c->n_options] = (struct option){"help", no_argument, NULL, HELP_VAL};
    longopts[c->n_options + 1] = (struct option){NULL, 0, NULL, 0};
    if (!p->started) {
        optind = 0; /* glibc: start afresh */
        opterr = 0;
        p->started = 1;
    }
    memset(v, 0, sizeof *v);
    int got = getopt_long(p->argc, p->argv, shortopts, longopts, NULL);
    if (got == -1)
        return finish(p);
    if (got == HELP_VAL || got == 'h') {
        cli_print_help(c, stdout);
        p->exit_status = 0;
        return -1;
    }
    const char *typed = p->argv[optind - 1];
    if (got == '?' || got == ':') {
        char shown[64];
        if (optopt && optopt < ROW_VAL && optopt != HELP_VAL)
            snprintf(shown, sizeof shown, "-%c", optopt);
        else
            snprintf(shown, sizeof shown, "%.*s", (int)strcspn(typed, "="), typed);
        if (got == ':')
            return fail(p, "%s needs a value", shown);
        if (optopt >= ROW_VAL || optopt == HELP_VAL) /* glibc: a flag given "=value" */
            return fail(p, "%s takes no value", shown);
        const char *names[CLI_MAX_OPTIONS + 1];
        const char *guess = shown[1] == '-'
                                ? cli_did_you_mean(shown + 2, long_names(c, names), c->n_options + 1)
                                : NULL;
        if (guess)
            return fail(p, "unknown option '%s': did you mean --%s?", shown, guess);
        return fail(p, "unknown option '%s'", shown);
    }
    int row = -1;
    for (size_t i = 0; i < c->n_options; i++)
        if (got == ROW_VAL + (int)i || (got < ROW_VAL && got == c->options[i].short_name))
            row = (int)i;
    if (row < 0)
        return fail(p, "internal: option %s not in the table", typed);
    const cli_option *o = &c->options[row];
    if (o->arg != CLI_FLAG && !check_value(p, o, optarg, v))
        return -1;
    p->seen[row / 32] |= 1u << (row % 32);
    p->current = row;
    return o->id;
}

const cli_option *cli_current(const cli_parser *p) { return &p->cmd->options[p->current]; }
