/*===- device_none.c - executables without an accelerator ---------------===*/
#include "cuda/device.h"

int dsc_device_start(const dsc_payload *pl) { return 0; }
