/*===- linear_q6_avx512_vnni.c - 6-bit weights, VNNI dot products -===*
 * Unpacked to bytes and decoded four rows at a time in 512-bit registers
 * as 8-bit values are (DSC_ZMM); prompts go to the packed-panel GEMM
 * (gemm_q_avx512_vnni.c), which unpacks each weight once.
 *===---------------------------------------------------------------------===*/
#define XR 4
#define DSC_ZMM 1
#define BITS 6
#define DSC_HAVE_GEMM 1
#define DOT_OFFSET 0
#define DOT32(w, x) _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x)
#define KNAME DSC_UK(linear_q6_t4)
#include "linear_q_int.h"
