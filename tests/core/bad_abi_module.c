/* A backend module built for another ABI version: the loader must refuse
 * it, naming both versions. Only its header fields matter. */
#include "siamese/backend.h"

static const siam_backend_iface bad = {
    .abi_version = 999u,
    .struct_size = sizeof(siam_backend_iface),
    .name = "badabi",
    .version = "0",
};

SIAM_BACKEND_EXPORT const siam_backend_iface *siam_backend_entry(void) { return &bad; }
