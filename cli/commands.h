/* siamese command-line program: one function per subcommand, each in
 * cli/cmd_<name>.c. Each returns the process exit status (0 = success) and
 * prints its own errors as one line on stderr. */
#ifndef SIAMESE_CLI_COMMANDS_H
#define SIAMESE_CLI_COMMANDS_H

#include "options.h"

int siam_cmd_backends(int argc, char **argv);
int siam_cmd_serve(int argc, char **argv);
int siam_cmd_export(int argc, char **argv);
int siam_cmd_data(int argc, char **argv);
int siam_cmd_data_fetch(int argc, char **argv);
int siam_cmd_eval(int argc, char **argv);
int siam_cmd_train(int argc, char **argv);
int siam_cmd_verify(int argc, char **argv);
int siam_cmd_info(int argc, char **argv);
int siam_cmd_classify(int argc, char **argv);
int siam_cmd_embed(int argc, char **argv);
int siam_cmd_plot(int argc, char **argv);
int siam_cmd_parity(int argc, char **argv);
int siam_cmd_tune(int argc, char **argv);

/* Each command's option table (options.h), defined beside its parser. */
extern const cli_command siam_cli_backends, siam_cli_serve, siam_cli_export, siam_cli_data,
    siam_cli_data_fetch, siam_cli_eval, siam_cli_train, siam_cli_verify, siam_cli_info,
    siam_cli_classify, siam_cli_embed, siam_cli_plot, siam_cli_parity, siam_cli_tune;

#endif
