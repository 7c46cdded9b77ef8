#pragma once
// Precompiled header for the few core files that use torch.
#include <torch/torch.h>
