/*===- cuda_program.h - the forward pass of a CUDA executable -----*- C -*-===*
 *
 * dsc compile --target cuda-* reads the model's forward function (the dsc
 * dialect after weight layout) into steps (CUDAProgram.cpp) and writes
 * them as code: dsc_cuda_launch_body and dsc_cuda_launch_head (below,
 * compiler/pipeline/CUDALaunches.cpp), which launch the device kernels
 * with every shape, weight and kernel choice a constant. Beside them it
 * writes what the runtime (runtime/cuda/cuda_forward.c) allocates and
 * copies for them as `dsc_cuda_program`, an int64 array: the header, the
 * activation buffers, the weights, the RoPE tables, then a pool of
 * constants. A model with an op that has no device kernel gets a program
 * of no steps and the reason in `dsc_cuda_program_note`; its executable
 * computes on the CPU.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_CUDA_PROGRAM_H
#define DSC_ABI_CUDA_PROGRAM_H

#include <stdint.h>

/* "dscgpup3" as a little-endian int64 (p3: the launches are code). */
#define DSC_CUDA_PROGRAM_MAGIC 0x3370757067637364LL

enum {
  DSC_CP_MAGIC,
  DSC_CP_BUFFERS, /* activation buffers */
  DSC_CP_WEIGHTS, /* weights, each read by a launch: all go to the device */
  DSC_CP_STEPS,   /* steps of the launch sequence; 0: the forward pass
                   * runs on the CPU */
  DSC_CP_HEAD,    /* steps from here on only for positions with logits
                   * (dsc_cuda_launch_head) */
  DSC_CP_LOGITS,  /* the buffer of the logits */
  DSC_CP_LAYERS,  /* of the KV cache */
  DSC_CP_KV_HEADS,
  DSC_CP_HEAD_DIM,
  DSC_CP_POOL,       /* int64 constants after the RoPE tables */
  DSC_CP_SCALES_F16, /* the kernels read quantized weights' scales as f16
                      * (1: every quantized weight stores f16 scales,
                      * copied as they are) or f32 (0: f16 scales widened
                      * at start-up; 0 too in a program of no steps);
                      * dsc-gpu-retype-scales */
  DSC_CP_VOCAB,      /* the token ids: rows of the embedding table */
  DSC_CP_ATTN_HEADS, /* the most query heads of an attention step: the
                      * scores' rows a position */
  DSC_CP_ROPES,      /* RoPE tables, one per set of frequencies */
  DSC_CP_HEADER_SIZE = 16
};

/* Then one int64 per buffer: its floats per position. Then 7 per weight,
 * which the payload holds as the device kernels read it (dsc-weights-pack
 * leaves the weights of a forward pass on the device untiled): float
 * weights row-major, quantized ones in quant_layout.h's plain layout
 * (signed values row-major, 4-bit low nibble first, then the scales
 * [rows, cols / group]). */
enum {
  DSC_CPW_OFFSET, /* bytes into the weight blob */
  DSC_CPW_ROWS,
  DSC_CPW_COLS,
  DSC_CPW_KIND,        /* DSC_CPK_* */
  DSC_CPW_GROUP,       /* quantized: columns sharing a scale */
  DSC_CPW_SCALE_F32,   /* quantized: scales are f32 (else f16) */
  DSC_CPW_PREFILL_F16, /* a prompt's rows may be rounded to f16 and
                        * multiplied on tensor cores (dsc.linear's
                        * prefill_products = f16) */
  DSC_CPW_SIZE = 7
};
enum { DSC_CPK_F32, DSC_CPK_F16, DSC_CPK_Q8, DSC_CPK_Q4 };

/* Then 2 per RoPE table, each of other frequencies than the others: the
 * cos and sin of every position for head_dim / 2 inverse frequencies
 * (float bits in the pool, from `freqs`). */
enum { DSC_CPR_HEAD_DIM, DSC_CPR_FREQS, DSC_CPR_SIZE = 2 };

/* The kinds of step, which the launch sequence reports to
 * dsc_cuda_step_done as it finishes each (CUDAProgram.h says what each
 * computes). */
enum {
  DSC_OP_EMBED = 1,
  DSC_OP_RMS_NORM,
  DSC_OP_LINEAR,
  DSC_OP_ROPE,
  DSC_OP_ATTENTION,
  DSC_OP_ADD,
  DSC_OP_SWIGLU,
  DSC_OP_COPY,
  DSC_OP_LINEAR3
};

/* Positions a block of the launch sequence holds at most: the activation
 * buffers have this many rows. */
#define DSC_CUDA_BLOCK 64

/* The attention kernel's warps a block (one block a query row and head):
 * its partial sums are DSC_CUDA_ATTN_WARPS x head_dim floats a row and head
 * (the frame's `part`; the kernel takes the warps from their size). */
#define DSC_CUDA_ATTN_WARPS 16
#if DSC_CUDA_ATTN_WARPS < 1 || DSC_CUDA_ATTN_WARPS > 32
#error "a block of the attention kernel holds 1 to 32 warps (1024 threads)"
#endif

/* The block's words the kernels read from device memory (`io`): its first
 * position (int64), then its tokens (int32 each). */
enum { DSC_CIO_AT = 0, DSC_CIO_TOKENS = 8 };

/* What the launch sequence reads: device addresses the runtime allocated,
 * as 8-byte words (the generated code loads word DSC_CF_*). */
typedef struct {
  const uint64_t *buf;  /* per activation buffer, DSC_CUDA_BLOCK rows */
  const uint64_t *wq;   /* per weight: its values */
  const uint64_t *ws;   /* per weight: its scales, when quantized */
  const uint64_t *rope; /* per RoPE table: cos, sin ([positions, hd / 2]) */
  uint64_t io;          /* DSC_CIO_* */
  uint64_t cache;       /* the KV cache (dsc/abi/kv_cache.h) */
  uint64_t scores;      /* DSC_CUDA_BLOCK x heads x positions floats */
  uint64_t part;        /* attention's partial sums: DSC_CUDA_BLOCK x heads x
                           DSC_CUDA_ATTN_WARPS x head_dim floats */
  int64_t positions;    /* the KV cache's and the tables' */
} dsc_cuda_frame;
enum {
  DSC_CF_BUF,
  DSC_CF_WQ,
  DSC_CF_WS,
  DSC_CF_ROPE,
  DSC_CF_IO,
  DSC_CF_CACHE,
  DSC_CF_SCORES,
  DSC_CF_PART,
  DSC_CF_POSITIONS,
  DSC_CF_SIZE
};

#ifdef __cplusplus
extern "C" {
#endif

/* Generated: the steps before the head over rows [0, rows) of the
 * activations (positions io.at ..), and the head's steps over rows
 * [r, r + rows). Each launches its kernels on the stream and returns 0, or
 * 1 once dsc_cuda_step_done or dsc_cuda_copy_rows has failed. */
int32_t dsc_cuda_launch_body(const dsc_cuda_frame *f, int64_t rows);
int32_t dsc_cuda_launch_head(const dsc_cuda_frame *f, int64_t r, int64_t rows);

/* The runtime's, which the launch sequence calls: after each step (its
 * DSC_OP_*), 0 or 1 after a launch failed (printed); a copy of `bytes`
 * between device addresses on the stream, 0 or 1 after printing. */
int32_t dsc_cuda_step_done(int64_t kind);
int32_t dsc_cuda_copy_rows(uint64_t dst, uint64_t src, int64_t bytes);

#ifdef __cplusplus
}
#endif

#endif
