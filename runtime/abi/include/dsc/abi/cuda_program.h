/*===- cuda_program.h - the forward pass of a CUDA executable -----*- C -*-===*
 *
 * dsc compile --target cuda-* reads the model's forward function (the dsc
 * dialect after weight layout) and writes its steps as `dsc_cuda_program`,
 * an int64 array: the header, the activation buffers, the weights, the
 * steps, then a pool of constants. The runtime (runtime/cuda/cuda_forward.c)
 * runs each step as launches of the device kernels (docs/cuda.md). A model
 * with an op that has no device kernel gets a program of no steps and the
 * reason in `dsc_cuda_program_note`; its executable computes on the CPU.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_CUDA_PROGRAM_H
#define DSC_ABI_CUDA_PROGRAM_H

#include <stdint.h>

/* "dscgpup2" as a little-endian int64 (p2: weights in the plain layout). */
#define DSC_CUDA_PROGRAM_MAGIC 0x3270757067637364LL

enum {
  DSC_CP_MAGIC,
  DSC_CP_BUFFERS, /* activation buffers */
  DSC_CP_WEIGHTS, /* weights */
  DSC_CP_STEPS,   /* steps; 0: the forward pass runs on the CPU */
  DSC_CP_HEAD,    /* steps from here on only for positions with logits */
  DSC_CP_LOGITS,  /* the buffer of the logits */
  DSC_CP_LAYERS,  /* of the KV cache */
  DSC_CP_KV_HEADS,
  DSC_CP_HEAD_DIM,
  DSC_CP_POOL,       /* int64 constants after the steps */
  DSC_CP_SCALES_F16, /* the kernels read quantized weights' scales as f16
                      * (1: every quantized weight stores f16 scales,
                      * copied as they are) or f32 (0: f16 scales widened
                      * at start-up; 0 too in a program of no steps);
                      * dsc-gpu-retype-scales */
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

/* Then 8 per step: the op and its operands (buffers b, weights w, floats
 * as the bits of a double). */
enum {
  DSC_CPS_SIZE = 8,
  DSC_OP_EMBED = 1, /* w table, b out */
  DSC_OP_RMS_NORM,  /* b in, w weight, b out, eps */
  DSC_OP_LINEAR,    /* b in, w weight, b out, 1 + b residual or 0, 1 + w
                     * up or 0, b 2, b 3: out = weight x in, or with a
                     * residual (an add fused into it) + residual, the
                     * product alone in b 2 where computed apart; or with
                     * an up weight silu(weight x in) * (up x in) (SwiGLU
                     * fused), the products in b 3 and b 2 where computed
                     * apart */
  DSC_OP_ROPE,      /* b in-out, head_dim, pool index of head_dim/2 freqs
                     * (float bits), 1 + b second in-out or 0 (q and k in
                     * one launch) */
  DSC_OP_ATTENTION, /* b q, b k, b v, b out, layer, heads, scale */
  DSC_OP_ADD,       /* b a, b b, b out */
  DSC_OP_SWIGLU,    /* b gate, b up, b out */
  DSC_OP_COPY,      /* b in, b out */
  DSC_OP_LINEAR3    /* b in, w 1, b out 1, w 2, b out 2, w 3, b out 3:
                     * three linear steps over the same input (attention's
                     * q, k and v) */
};

#endif
