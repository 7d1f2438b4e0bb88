/* siamese data fetch: options for cli/fetch/omniglot_fetch.c. */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/datapath.h"
#include "fetch/blob_id.h"
#include "fetch/omniglot_fetch.h"
#include "base/term_text.h"

enum { OPT_TO = 1, OPT_MIRROR, OPT_DIGEST };

static const cli_option fetch_options[] = {
    {OPT_TO, "to", 0, CLI_TEXT, "DIR", 0, 0, 0,
     "where (default: $SIAMESE_DATA, else\n$XDG_DATA_HOME/siamese/omniglot, i.e.\n"
     "~/.local/share/siamese/omniglot)", 0},
    {OPT_MIRROR, "mirror", 0, CLI_TEXT, "URL", 0, 0, 0,
     "fetch from URL/images_background.zip,\nURL/images_evaluation.zip and\n"
     "URL/one-shot-classification/all_runs.zip instead\n"
     "(http, https or file://; a clone's python/ folder is one)", 0},
    {OPT_DIGEST, "digest", 0, CLI_TEXT, "NAME=BLOBID", 0, 0, 0,
     "the blob id (`git hash-object FILE`) a mirror's\narchive NAME must have, instead of the "
     "pinned one;\nmay be repeated", 0},
};

const cli_command siam_cli_data_fetch = CLI_OPTIONS(
    "data fetch", "", 0, 0,
    "Downloads the official Omniglot release (images_background.zip,\n"
    "images_evaluation.zip, one-shot-classification/all_runs.zip from the python/\n"
    "folder of github.com/brendenlake/omniglot), checks each against its pinned git\n"
    "blob id, unpacks and counts it beside the target, and only then moves it in.\n"
    "An interrupted fetch resumes where it stopped; a target that already holds\n"
    "the release is left as it is.\n"
    "Exit status: 0 when the folder holds the release, 1 when a download, digest,\n"
    "archive or count fails (nothing half-made is left in DIR), 2 for bad options.\n",
    fetch_options);

static int set_digest(siam_fetch_opts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    for (int i = 0; eq && i < SIAM_FETCH_N_ARCHIVES; i++) {
        const char *name = siam_fetch_archive_name(i);
        if (strlen(name) == (size_t)(eq - arg) && strncmp(arg, name, (size_t)(eq - arg)) == 0) {
            if (!siam_blob_id_valid(eq + 1)) {
                siam_print_errorf("data fetch", "--digest %s: '%s' is not 40 hex digits", name,
                                  eq + 1);
                return 0;
            }
            o->digest[i] = eq + 1;
            return 1;
        }
    }
    siam_print_errorf("data fetch",
                      "--digest takes NAME=BLOBID with NAME images_background.zip, "
                      "images_evaluation.zip or all_runs.zip, not '%s'", arg);
    return 0;
}

int siam_cmd_data_fetch(int argc, char **argv)
{
    siam_fetch_opts o = {NULL, SIAM_FETCH_DEFAULT_BASE, {NULL, NULL, NULL}, isatty(2)};
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_data_fetch, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        if (id == OPT_TO)
            o.to = v.text;
        else if (id == OPT_MIRROR)
            o.base_url = v.text;
        else if (!set_digest(&o, v.text))
            return 2;
    }
    char user[4096];
    if (!o.to || !o.to[0]) {
        const char *env = getenv("SIAMESE_DATA");
        o.to = env && env[0] ? env : siam_data_dir_user(user, sizeof user);
    }
    if (!o.to) {
        siam_print_error("data fetch", "no folder to fetch into: give --to DIR, or set "
                                       "SIAMESE_DATA, XDG_DATA_HOME or HOME");
        return 2;
    }
    if (!o.base_url[0]) {
        siam_print_error("data fetch", "--mirror needs a URL");
        return 2;
    }
    siam_error err;
    siam_error_clear(&err);
    if (siam_fetch_omniglot(&o, &err) != SIAM_OK) {
        siam_print_error("data fetch", err.msg);
        return 1;
    }
    printf("%s\n", o.to);
    return 0;
}
