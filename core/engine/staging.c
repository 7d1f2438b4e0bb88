/* Double-buffered host memory for input batches (see staging.h). */
#include "engine/staging.h"

#include <stdlib.h>

struct siam_staging {
    siam_backend *be;
    size_t image_floats, label_floats;
    float *host[2];   /* images, then labels, in one allocation per slot */
    int in_flight[2]; /* an upload may still read the slot */
    int next;         /* the slot siam_staging_slot gives */
};

siam_status siam_staging_create(siam_backend *be, size_t image_floats, size_t label_floats,
                                siam_staging **out, siam_error *err)
{
    if (!be || !out || image_floats == 0 || label_floats == 0)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_staging_create: bad argument");
    *out = NULL;
    siam_staging *s = calloc(1, sizeof *s);
    if (!s)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    s->be = be;
    s->image_floats = image_floats;
    s->label_floats = label_floats;
    /* Labels follow the images; 16 floats keep them 64-byte aligned. */
    size_t floats = (image_floats + 15) / 16 * 16 + label_floats;
    for (int i = 0; i < 2; i++) {
        void *p = NULL;
        siam_status st = siam_backend_host_alloc(be, floats * sizeof(float), &p, err);
        if (st != SIAM_OK) {
            siam_error_prefix(err, "allocating host memory for batches: ");
            siam_staging_destroy(s);
            return st;
        }
        s->host[i] = p;
    }
    *out = s;
    return SIAM_OK;
}

void siam_staging_destroy(siam_staging *s)
{
    if (!s)
        return;
    for (int i = 0; i < 2; i++)
        siam_backend_host_free(s->be, s->host[i]);
    free(s);
}

static float *labels_of(const siam_staging *s, int slot)
{
    return s->host[slot] + (s->image_floats + 15) / 16 * 16;
}

siam_status siam_staging_slot(siam_staging *s, float **images, float **labels, siam_error *err)
{
    if (!s || !images || !labels)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_staging_slot: NULL argument");
    if (s->in_flight[s->next]) {
        siam_status st = siam_backend_sync(s->be, err);
        if (st != SIAM_OK)
            return st;
        siam_staging_synced(s);
    }
    *images = s->host[s->next];
    *labels = labels_of(s, s->next);
    return SIAM_OK;
}

siam_status siam_staging_upload(siam_staging *s, const siam_tensor *images,
                                const siam_tensor *labels, siam_error *err)
{
    if (!s || !images || !labels)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_staging_upload: NULL argument");
    if ((size_t)siam_tensor_numel(images) > s->image_floats ||
        (size_t)siam_tensor_numel(labels) > s->label_floats)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "siam_staging_upload: batch larger than the staging slots");
    int slot = s->next;
    /* Marked first: a failed enqueue may still have started reading. */
    s->in_flight[slot] = 1;
    siam_status st = siam_tensor_upload_async(s->be, images, s->host[slot], err);
    if (st == SIAM_OK)
        st = siam_tensor_upload_async(s->be, labels, labels_of(s, slot), err);
    if (st == SIAM_OK)
        s->next = 1 - slot;
    return st;
}

void siam_staging_synced(siam_staging *s)
{
    if (s)
        s->in_flight[0] = s->in_flight[1] = 0;
}
