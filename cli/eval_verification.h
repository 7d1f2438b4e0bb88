/* siamese eval --verification: same/different accuracy of a model on test
 * pairs, at the threshold that is best on validation pairs (as the paper
 * reports it), and the ROC AUC. */
#ifndef SIAMESE_CLI_EVAL_VERIFICATION_H
#define SIAMESE_CLI_EVAL_VERIFICATION_H

#include <stdint.h>

int cli_eval_verification(const char *model, const char *backend, int threads,
                          const char *data_dir, long n_pairs, uint64_t seed, int json);

#endif
