/* Out-of-place matrix transpose: dst (cols x rows) = src (rows x cols)^T,
 * both row-major, offsets in elements.
 *
 * Why: CLBlast (1.5.3) runs fastest when both GEMM operands are stored with
 * the reduction dimension k as their row index (row-major, A transposed, B
 * not); otherwise it makes its own transposed copies on every call, which
 * on PoCL costs more than the GEMM. gemm.c transposes the few operands that
 * are not stored that way with this kernel.
 *
 * Work-items: a TILE x TILE work-group moves one TILE x TILE block through
 * local memory: it reads rows of src (dim 0 = column, coalesced) and writes
 * rows of dst (coalesced too); the tile is padded by one column so that the
 * column-wise reads of local memory hit different banks. */
#ifndef TILE
#define TILE 16
#endif

__kernel void transpose(__global const float *src, ulong src_off, __global float *dst,
                        ulong dst_off, uint rows, uint cols)
{
    __local float tile[TILE][TILE + 1];
    uint lx = get_local_id(0), ly = get_local_id(1);
    uint c0 = get_group_id(0) * TILE, r0 = get_group_id(1) * TILE;
    uint c = c0 + lx, r = r0 + ly;
    if (r < rows && c < cols)
        tile[ly][lx] = src[src_off + (ulong)r * cols + c];
    barrier(CLK_LOCAL_MEM_FENCE);
    /* dst row = source column c0 + ly, dst column = source row r0 + lx */
    uint dr = c0 + ly, dc = r0 + lx;
    if (dr < cols && dc < rows)
        dst[dst_off + (ulong)dr * rows + dc] = tile[lx][ly];
}
