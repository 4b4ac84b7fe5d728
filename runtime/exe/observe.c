/*===- observe.c - the observation points of calibration builds ---------===*/
#include "exe/observe.h"
#include "dsc/abi/observe.h"
#include "dsc/model.h"
#include "exe/io.h"

static int observeFd = -1;
static int observeError;

int dsc_observe_open(const char *path) {
  return dsc_output_create(path, &observeFd);
}

int dsc_observe_error(void) { return observeError; }

void DSC_RT(observe)(int64_t id, const float *x, int64_t rows, int64_t cols) {
  if (observeFd < 0 || observeError)
    return;
  dsc_observe_record head = {id, rows, cols};
  observeError = dsc_write_all(observeFd, &head, sizeof(head));
  if (!observeError)
    observeError =
        dsc_write_all(observeFd, x, sizeof(float) * (size_t)(rows * cols));
}
