//===- Target.h - the target registry, as the pipeline names it -*- C++ -*-===//

#ifndef DSC_PIPELINE_TARGET_H
#define DSC_PIPELINE_TARGET_H

#include "registry/TargetRegistry.h"

namespace dsc {
using TargetDesc = mlir::dsc::TargetInfo;
using mlir::dsc::hostCanRun;
using mlir::dsc::lookupTarget;
using mlir::dsc::sanitizedTarget;
using mlir::dsc::tuneTarget;
} // namespace dsc

#endif
