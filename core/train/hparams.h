/* siamese: per-layer learning rate, momentum and L2 from a small text file.
 *
 *   # comment
 *   default lr=0.1 momentum=0.9 l2=1e-4
 *   conv1   lr=0.05 l2=2e-4
 *   fc1     momentum=0.95
 *   head    lr=0.1
 * Group names are the model's (conv1.., fc1.., head); a line sets only the
 * keys it names, "default" applies to every group, later lines win.
 */
#ifndef SIAMESE_CORE_HPARAMS_H
#define SIAMESE_CORE_HPARAMS_H

#include "engine/optim.h"

/* Applies the text to cfg->group[] for model m. `name` labels errors. */
siam_status siam_hparams_parse(const char *text, const char *name, const siam_model *m,
                               siam_optim_config *cfg, siam_error *err);
siam_status siam_hparams_load(const char *path, const siam_model *m, siam_optim_config *cfg,
                              siam_error *err);
/* Writes the per-group values as the same text format. */
void siam_hparams_format(const siam_model *m, const siam_optim_config *cfg, char *buf,
                         size_t size);

#endif
