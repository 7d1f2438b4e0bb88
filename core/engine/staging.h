/* siamese: double-buffered host memory for a graph's input batches.
 *
 * Two slots of pinned host memory (siam_backend_host_alloc), each holding
 * one batch's images and labels. The host fills one slot while an
 * asynchronous upload (siam_tensor_upload_async) may still read the other,
 * so preparing batch s+1 never waits for batch s's transfer. A slot's
 * upload may read it until the next synchronising call (a download or
 * siam_backend_sync): the owner reports those with siam_staging_synced, and
 * a slot asked for before one is waited for here.
 */
#ifndef SIAMESE_CORE_STAGING_H
#define SIAMESE_CORE_STAGING_H

#include "engine/backend_loader.h"

typedef struct siam_staging siam_staging;

/* Slots of image_floats + label_floats floats each, on be's host memory. */
siam_status siam_staging_create(siam_backend *be, size_t image_floats, size_t label_floats,
                                siam_staging **out, siam_error *err);
/* Waits for uploads still reading the memory, then frees it. */
void siam_staging_destroy(siam_staging *s);
/* The slot the host may write now (image_floats and label_floats long). */
siam_status siam_staging_slot(siam_staging *s, float **images, float **labels, siam_error *err);
/* Enqueues uploads of that slot's first numel(images) and numel(labels)
 * floats into the two device views, and moves on to the other slot. */
siam_status siam_staging_upload(siam_staging *s, const siam_tensor *images,
                                const siam_tensor *labels, siam_error *err);
/* The owner made a synchronising call: no upload reads either slot. */
void siam_staging_synced(siam_staging *s);

#endif
