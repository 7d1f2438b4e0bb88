/* siamese export --onnx PREFIX MODEL: runs the Python package's exporter
 * (python3 -m siamese export, through PyTorch), found beside this program
 * in ../lib/python3/dist-packages, where the build tree and an install both
 * put it. $SIAMESE_PYTHON names the interpreter (default python3). */
#define _POSIX_C_SOURCE 200809L
#include "commands.h"

#include "base/exe_path.h"
#include "base/term_text.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder holding the package `siamese`, or 0. */
static int package_dir(char *out, size_t size)
{
    if (!siam_exe_relative("../lib/python3/dist-packages", out, size))
        return 0;
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/siamese/__main__.py", out);
    struct stat sb;
    return stat(probe, &sb) == 0 && S_ISREG(sb.st_mode);
}

static const cli_option export_options[] = {
    {1, "onnx", 0, CLI_TEXT, "PREFIX", 0, 0, CLI_REQUIRED,
     "write PREFIX.tower.onnx and PREFIX.scorer.onnx", 0},
};

const cli_command siam_cli_export = CLI_OPTIONS(
    "export", "MODEL", 1, 1,
    "Writes PREFIX.tower.onnx (images (N,1,H,W), ink = 1.0 -> embeddings (N,D))\n"
    "and PREFIX.scorer.onnx (embeddings a, b (N,D) -> scores (N): the logit, or\n"
    "the L2 distance of a contrastive model), through the Python package and\n"
    "PyTorch's ONNX exporter (needs python3-torch; $SIAMESE_PYTHON names the\n"
    "interpreter, default python3).\n",
    export_options);

int siam_cmd_export(int argc, char **argv)
{
    const char *prefix = NULL;
    cli_parser p;
    cli_value v;
    cli_parse_begin(&p, &siam_cli_export, argc, argv);
    for (int id; (id = cli_next(&p, &v)) != 0;) {
        if (id < 0)
            return p.exit_status;
        prefix = v.text;
    }
    char dir[PATH_MAX];
    if (!package_dir(dir, sizeof dir)) {
        siam_print_errorf("export", "the Python package is not beside this program "
                                    "(../lib/python3/dist-packages/siamese)");
        return 1;
    }
    const char *old = getenv("PYTHONPATH");
    size_t len = strlen(dir) + (old ? strlen(old) + 1 : 0) + 1;
    char *path = malloc(len);
    if (!path) {
        siam_print_errorf("export", "out of memory");
        return 1;
    }
    snprintf(path, len, "%s%s%s", dir, old && *old ? ":" : "", old && *old ? old : "");
    setenv("PYTHONPATH", path, 1);
    free(path);
    const char *py = getenv("SIAMESE_PYTHON");
    py = py && *py ? py : "python3";
    char *args[] = {(char *)py, "-m", "siamese", "export", "--onnx", (char *)prefix, p.operands[0], NULL};
    fflush(stdout);
    execvp(py, args);
    siam_print_errorf("export", "cannot run %s: %s", py, strerror(errno));
    return 1;
}
