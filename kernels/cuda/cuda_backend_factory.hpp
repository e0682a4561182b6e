// cuda_backend_factory.hpp — the only door into kernels/cuda from the rest of the program.
//
// Plain C++ (no CUDA headers), so the registry can include it. Defined in kernels/cuda/ when the build has CUDA
// (ATTNSCOPE_HAVE_CUDA); the registry reports "built without CUDA" otherwise.
#pragma once

#include <memory>

#include "core/attention_backend.hpp"

namespace attnscope::kernels {

// Never throws for a missing GPU or driver: the backend then reports unavailable_reason() with the CUDA error text.
std::unique_ptr<AttentionBackend> make_cuda_backend();

}  // namespace attnscope::kernels
