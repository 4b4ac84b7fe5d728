/*===- linear_q8_avx512_vnni.c - 8-bit weights, VNNI dot products ----------===*/
#define XR 4
#define DSC_ZMM 1
#define DSC_HAVE_GEMM 1
#define BITS 8
#define DOT_OFFSET 0
#define DOT32(w, x) _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x)
#define KNAME DSC_UK(linear_q8_t4)
#include "linear_q_int.h"
