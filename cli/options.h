/* The option table every command parses with: one row per option, from
 * which getopt_long's tables, the checks on values, `--help`, and the man
 * page and bash completion (`siamese help --table`) are all made. */
#ifndef SIAMESE_CLI_OPTIONS_H
#define SIAMESE_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

typedef enum cli_arg {
    CLI_FLAG,   /* no value */
    CLI_TEXT,   /* any text */
    CLI_INT,    /* a whole number in [lo, hi] */
    CLI_NUMBER, /* a finite number in [lo, hi] */
    CLI_CHOICE, /* one of the '|'-separated words of metavar */
} cli_arg;

enum {
    CLI_REQUIRED = 1u << 0, /* the command cannot run without it */
    CLI_OPEN_LO = 1u << 1,  /* lo itself is refused */
    CLI_OPEN_HI = 1u << 2,  /* hi itself is refused */
};

typedef struct cli_option {
    int id;                /* what cli_next returns, > 0 */
    const char *name;      /* long name without "--" */
    char short_name;       /* 0 if none */
    cli_arg arg;
    const char *metavar;   /* TEXT/INT/NUMBER: "MODEL"; CHOICE: "bce|contrastive" */
    double lo, hi;         /* INT and NUMBER bounds */
    unsigned flags;        /* CLI_REQUIRED, CLI_OPEN_LO, CLI_OPEN_HI */
    const char *help;      /* lines for --help and the man page */
    unsigned tag;          /* the command's own (train: its SIAM_GIVEN_* bit) */
} cli_option;

typedef struct cli_command {
    const char *name;     /* "verify", "data fetch" */
    const char *operands; /* after the options in the usage line: "A B", "" */
    int min_operands, max_operands;
    const char *about;    /* paragraphs printed after the usage line */
    const cli_option *options;
    size_t n_options;
} cli_command;

#define CLI_OPTIONS(cmd_name, operands, min, max, about, table) \
    {cmd_name, operands, min, max, about, table, sizeof table / sizeof table[0]}

/* Rows that several commands share, so that they read the same everywhere. */
#define CLI_OPT_BACKEND(id)                                                              \
    {id, "backend", 'b', CLI_TEXT, "NAME[:DEVICE]", 0, 0, 0,                             \
     "backend (default: $SIAMESE_BACKEND, else auto)", 0}
#define CLI_OPT_DATA(id)                                                                 \
    {id, "data", 'd', CLI_TEXT, "DIR", 0, 0, 0,                                          \
     "the omniglot folder (default: $SIAMESE_DATA, else\n"                              \
     "~/.local/share/siamese/omniglot; see the README)", 0}
#define CLI_OPT_MODEL(id, flags) {id, "model", 'm', CLI_TEXT, "MODEL", 0, 0, flags, "a trained model", 0}
#define CLI_OPT_THREADS(id)                                                              \
    {id, "threads", 't', CLI_INT, "T", 0, 1024, 0, "host threads of the backend (default: all cores)", 0}

/* An option's value, as cli_next found and checked it. */
typedef struct cli_value {
    const char *text; /* the value as typed (NULL for a flag) */
    double number;    /* INT and NUMBER */
    int choice;       /* CHOICE: index of the word in metavar */
} cli_value;

#define CLI_MAX_OPTIONS 48

typedef struct cli_parser {
    const cli_command *cmd;
    int argc;
    char **argv;
    int started;
    int current; /* row of the last option returned */
    unsigned seen[(CLI_MAX_OPTIONS + 31) / 32]; /* rows given, for CLI_REQUIRED */
    int exit_status;   /* once cli_next returns -1: 0 after --help, 2 after an error */
    char **operands;   /* once cli_next returns 0 */
    int n_operands;
} cli_parser;

void cli_parse_begin(cli_parser *p, const cli_command *cmd, int argc, char **argv);
/* The next option's id, with its checked value; 0 when the options end
 * (operands counted and required options present), -1 when the command
 * should exit with p->exit_status (help printed, or one error line). */
int cli_next(cli_parser *p, cli_value *v);
/* The row of the option cli_next returned last. */
const cli_option *cli_current(const cli_parser *p);

void cli_print_help(const cli_command *cmd, FILE *f);
/* One tab-separated row per option: command, short, long, kind, metavar,
 * first help line (for scripts/gen_cli_docs.py). */
void cli_print_table(const cli_command *cmd, FILE *f);

/* The nearest of `n` names to `typed` (a unique prefix, or at most 2 edits
 * away), or NULL. */
const char *cli_did_you_mean(const char *typed, const char *const *names, size_t n);

#endif
