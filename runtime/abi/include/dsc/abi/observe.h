/*===- observe.h - records of calibration builds -------------------*- C -*-===*
 *
 * An executable run with --observe FILE writes one record per call of
 * dsc_rt_observe: this header, then rows x cols little-endian f32. The
 * compiler reads them back (calibration).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_OBSERVE_H
#define DSC_ABI_OBSERVE_H

#include <stdint.h>

typedef struct {
  int64_t id;   /* observation point (dsc.observe's number) */
  int64_t rows; /* activations in this call */
  int64_t cols; /* width of each */
} dsc_observe_record;

#ifdef __cplusplus
static_assert(sizeof(dsc_observe_record) == 24, "three int64, no padding");
#else
_Static_assert(sizeof(dsc_observe_record) == 24, "three int64, no padding");
#endif

#endif /* DSC_ABI_OBSERVE_H */
