/* siamese: the graph of one Siamese network on one backend.
 *
 * Built once for a model and a batch capacity, then run forward and
 * backward by walking its node lists and dispatching each node's op to the
 * backend. Both images of every pair go through ONE tower as a batch of 2N:
 * rows 0..N-1 are the left images, rows N..2N-1 the right ones, so the
 * shared weights' gradients from both twins add up inside each op.
 *
 *   images (2N,C,H,W) -> tower layers -> h (2N,D)
 *   BCE head:         d = |h_left - h_right| (N,D); z = d alpha^T + b (N); loss = BCE(z, y)
 *   contrastive head: loss = contrastive(||h_left - h_right||, y)
 * Labels y: 1 = same class, 0 = different.
 */
#ifndef SIAMESE_CORE_GRAPH_H
#define SIAMESE_CORE_GRAPH_H

#include "engine/model.h"

typedef enum siam_loss_kind {
    SIAM_LOSS_BCE = 0,
    SIAM_LOSS_CONTRASTIVE = 1
} siam_loss_kind;

typedef struct siam_graph_config {
    int max_pairs;         /* training capacity N (the tower runs 2N images) */
    int max_images;        /* embedding-only capacity when max_pairs == 0 */
    int train;             /* allocate gradients and backward nodes */
    siam_loss_kind loss;
    float margin;          /* contrastive margin */
    int unfused;           /* run activations as their own ops even where the
                            * backend fuses them (tools that compare graphs) */
} siam_graph_config;

/* A node: one op call with fixed views at full capacity. batch_mask has bit
 * i set when t[i]'s first dimension scales with the batch. */
typedef struct siam_node {
    siam_op_args args;
    unsigned batch_mask;
    char label[24];        /* "conv2", "head", "loss" */
} siam_node;

typedef struct siam_graph siam_graph;

siam_status siam_graph_create(siam_model *m, const siam_graph_config *cfg, siam_graph **out,
                              siam_error *err);
void siam_graph_destroy(siam_graph *g);

/* Embeddings of n <= capacity images (n,C,H,W floats) into emb (n,D), or
 * leaves them on the device when emb is NULL. */
siam_status siam_graph_embed(siam_graph *g, const float *images, int n, float *emb,
                             siam_error *err);
/* Forward over n_pairs pairs: images (2n,C,H,W), labels (n). Writes the mean
 * loss and, if logits is non-NULL, the n logits (BCE) or distances. */
siam_status siam_graph_forward(siam_graph *g, const float *images, const float *labels,
                               int n_pairs, float *loss, float *logits, siam_error *err);
/* Staged batches: the host prepares the next batch while the device runs
 * the current step. siam_graph_staging gives host memory the device reads
 * fast (pinned; images (2n,C,H,W) then labels (n) at capacity); fill it,
 * then siam_graph_stage(n) checks the labels, enqueues the upload and
 * returns. siam_graph_forward_staged enqueues the forward on the staged
 * batch without reading anything back; siam_graph_read_loss waits for the
 * loss. Per step: forward_staged, backward, optimiser; then staging + stage
 * of the next batch; then read_loss, which overlaps the two on a device
 * that runs asynchronously.
 * Two host slots alternate (engine/staging.h), so the slot being filled is
 * never one an upload still reads; one device copy of the input is enough,
 * because the backend runs in order: the next batch's upload starts after
 * every op of this step that reads the input. A synchronous forward or
 * set_batch discards a staged batch (they overwrite the input). */
siam_status siam_graph_staging(siam_graph *g, float **images, float **labels, siam_error *err);
siam_status siam_graph_stage(siam_graph *g, int n_pairs, siam_error *err);
siam_status siam_graph_forward_staged(siam_graph *g, siam_error *err);
/* The mean loss of the last forward; blocks until it is computed. */
siam_status siam_graph_read_loss(siam_graph *g, float *loss, siam_error *err);
/* Backward of the last forward: fills the parameter gradients. */
siam_status siam_graph_backward(siam_graph *g, siam_error *err);

/* The device view of the embeddings (capacity rows, D) the last embed or
 * forward wrote; rows beyond that call's count are stale. */
siam_tensor siam_graph_embeddings(const siam_graph *g);
/* The gradient buffer has the parameter buffer's layout. */
siam_status siam_graph_get_grads(siam_graph *g, float *host, siam_error *err);
/* Replaces the gradients (after they were summed across processes). */
siam_status siam_graph_set_grads(siam_graph *g, const float *host, siam_error *err);
siam_buffer *siam_graph_grad_buffer(siam_graph *g);
/* Node lists, for tracing and parity tools. */
const siam_node *siam_graph_nodes(const siam_graph *g, int backward, int *count);
/* Uploads a batch's images and labels without running anything, for tools
 * that then run the nodes one by one (siam_graph_run_node). */
siam_status siam_graph_set_batch(siam_graph *g, const float *images, const float *labels,
                                 int n_pairs, siam_error *err);
/* Runs one node at a batch of n_pairs (or n images for tower-only graphs).
 * Buffers are reused along the graph (relu and sigmoid in place, gradients
 * in two slots), so a node's outputs are whole only until a later node
 * runs: compare them right after the node. */
siam_status siam_graph_run_node(siam_graph *g, const siam_node *node, int n, siam_error *err);
/* Bytes of device memory the graph holds, by part, and in all. */
typedef struct siam_graph_memory {
    size_t activations;      /* every layer's output, kept for backward */
    size_t activation_grads; /* two slots of the largest activation (training) */
    size_t head;             /* |h1-h2|, logits, labels, loss and their gradients */
    size_t workspace;        /* the largest any op asks of the backend */
    size_t param_grads;      /* one float per parameter (training) */
} siam_graph_memory;
void siam_graph_memory_use(const siam_graph *g, siam_graph_memory *mem);
size_t siam_graph_device_bytes(const siam_graph *g);

#endif
