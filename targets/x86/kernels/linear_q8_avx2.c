/*===- linear_q8_avx2.c - 8-bit weights, AVX2 integer dot products ---------===*
 * vpmaddubsw takes an unsigned operand; u8 weights times s8 activations
 * could saturate its 16-bit sums, so the products are taken of signed
 * values made to fit: w = u - 128 and the activations x (within +-127).
 * DOT32 and DOT32_ABS move the activations' signs onto the weights (as
 * llama.cpp does), |x| * sign(w, x), |x| computed once for several rows
 * where it can be; symmetric weights (|w| <= 127) only, since an
 * asymmetric row's u = 0 (w = -128) has no int8 negation. DOT32_ASYM
 * moves the weights' signs onto the activations instead, |w| * sign(x, w):
 * |w| is at most 128 (vpabsb's 0x80 read unsigned), so pairs stay within
 * 2 * 128 * 127 < 2^15, exact for every stored value: linear_q_int.h's
 * general loops take it for every row, its decoding loops for the default
 * formats DOT32 for symmetric rows only (with DOT32_ASYM there, TinyLlama
 * int8:channel decoded 12.0 tokens/s against 12.6: one thread, Sapphire
 * Rapids guest).
 *===---------------------------------------------------------------------===*/
#define BITS 8
#define DSC_HAVE_GEMM 1
#define DOT_OFFSET 128
/* With AVX-VNNI (x86_64-avxvnni), vpdpbusd sums the four products of each
 * lane in one instruction. */
#define W_SIGNED(w) _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80))
#ifdef __AVXVNNI__
#define DOT_U8S8(u, s) _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s)
#else
#define DOT_U8S8(u, s)                                                         \
  _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
#endif
#define DOT32_ABS(w, x, xa) DOT_U8S8(xa, _mm256_sign_epi8(W_SIGNED(w), x))
#define DOT32(w, x) DOT32_ABS(w, x, _mm256_sign_epi8(x, x))
#define DOT32_ASYM(w, x)                                                       \
  DOT_U8S8(_mm256_abs_epi8(W_SIGNED(w)), _mm256_sign_epi8(x, W_SIGNED(w)))
#define KNAME DSC_UK(linear_q8_t4)
#include "linear_q_int.h"
