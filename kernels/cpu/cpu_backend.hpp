// cpu_backend.hpp — the fast CPU backend: float, OpenMP over query blocks and heads, Eigen GEMMs around one fused
// sweep per row block. Reached through kernels/registry.hpp ("cpu"); nothing outside kernels/ includes this.
#pragma once

#include <memory>

#include "core/attention_backend.hpp"

namespace attnscope::kernels {

std::unique_ptr<AttentionBackend> make_cpu_backend();

}  // namespace attnscope::kernels
