// lab_backend.hpp — which compute backend the lab uses, by name, through kernels/registry.hpp.
//
// When this build has no kernels library (ATTNSCOPE_HAVE_KERNELS undefined), a small adapter runs
// reference::evaluate<float> behind the same AttentionBackend interface, so the lab still works; it is listed as
// "reference". The UI never includes a backend's own header (architecture.json: the UI never includes CUDA).
#pragma once

#include <string>
#include <vector>

#include "core/attention_backend.hpp"

namespace attnscope::gui {

struct LabBackendStatus {
    std::string name;
    bool available = false;
    std::string reason;  // why not, when unavailable
};

std::vector<LabBackendStatus> lab_backends();

// The backend called `name`; throws InputError naming the reason when it is unknown or unavailable.
AttentionBackend& lab_backend(const std::string& name);

// The name to use when the settings name none (or an unavailable one): the registry's default (CPU).
std::string default_lab_backend();

}  // namespace attnscope::gui
