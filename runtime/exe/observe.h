/*===- observe.h - the observation points of calibration builds ---*- C -*-===*
 *
 * Calibration builds call DSC_RT(observe) at every observation point; with
 * --observe FILE each call becomes a record of dsc/abi/observe.h in FILE.
 * Without it the calls do nothing.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_OBSERVE_H
#define DSC_EXE_OBSERVE_H

/* Creates the file the observations go to (dsc_output_create). Returns 0,
 * or 1 after printing an error. */
int dsc_observe_open(const char *path);

/* The errno of the first failed write of an observation, or 0: the writes
 * stop there. */
int dsc_observe_error(void);

#endif /* DSC_EXE_OBSERVE_H */
