/* See image_warn.h. */
#include "image_warn.h"

#include "base/term_text.h"

void cli_warn_squashed(void *ctx, const char *path, const int size[2], const siam_session *s)
{
    (void)ctx;
    siam_print_errorf("", "warning: %s is %dx%d, far from the model's %dx%d shape: it is "
                      "squashed to fit, and scores may mislead",
                      path, size[1], size[0], s->m->desc.in_w, s->m->desc.in_h);
}
