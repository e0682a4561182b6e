// registry.hpp — which compute backends exist in this build, and why one is unavailable (ggml-backend-reg style).
//
// The GUI, `eval --backend`, `bench` and the model ask here; nothing outside kernels/ includes a backend's own
// header. A backend that cannot run (no GPU, built without CUDA) is still listed, with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/attention_backend.hpp"

namespace attnscope::kernels {

struct BackendStatus {
    std::string name;    // "cpu", "cuda"
    bool available = false;
    std::string reason;  // why not, when unavailable (e.g. "cudaGetDeviceCount: CUDA driver version is insufficient")
};

// Every backend this build knows, available or not, in order of preference for display (cpu first).
std::vector<BackendStatus> list_backends();

// The backend called `name`. Throws InputError (field "--backend") naming the reason and the alternatives when it
// is unknown or unavailable.
AttentionBackend& get_backend(std::string_view name);

// The fast CPU backend: always available.
AttentionBackend& default_backend();

// Threads the CPU backend computes with (OpenMP's maximum: the cores, or OMP_NUM_THREADS).
int cpu_threads();

}  // namespace attnscope::kernels
