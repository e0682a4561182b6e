// registry.cpp — the backends this build knows, and why one is unavailable (ggml-backend-reg style).
//
// Each backend is created once, on first use, and lives until exit: the GUI's worker, `bench` and the model share
// one instance, so per-backend caches (thread scratch, cuBLAS handles) are made once.
#include "kernels/registry.hpp"

#include <omp.h>

#include <memory>
#include <mutex>

#include "core/errors.hpp"
#include "kernels/cpu/cpu_backend.hpp"

#ifdef ATTNSCOPE_HAVE_CUDA
#include "kernels/cuda/cuda_backend_factory.hpp"
#endif

namespace attnscope::kernels {
namespace {

// Coupled with cmake/AttnscopeCuda.cmake: ATTNSCOPE_HAVE_CUDA is only defined when nvcc was found.
constexpr const char* kNoCudaReason = "built without CUDA (nvcc was not found when configuring)";

struct Registry {
    std::unique_ptr<AttentionBackend> cpu = make_cpu_backend();
#ifdef ATTNSCOPE_HAVE_CUDA
    std::unique_ptr<AttentionBackend> cuda;  // made on first use: probing the driver takes a moment
    std::once_flag cuda_once;
#endif
};

Registry& registry() {
    static Registry r;
    return r;
}

#ifdef ATTNSCOPE_HAVE_CUDA
AttentionBackend& cuda_backend() {
    Registry& r = registry();
    std::call_once(r.cuda_once, [&] { r.cuda = make_cuda_backend(); });
    return *r.cuda;
}
#endif

std::string alternatives(std::string_view except) {
    std::string s;
    for (const BackendStatus& b : list_backends()) {
        if (b.name == except || !b.available) continue;
        if (!s.empty()) s += ", ";
        s += b.name;
    }
    return s;
}

}  // namespace

std::vector<BackendStatus> list_backends() {
    std::vector<BackendStatus> out;
    AttentionBackend& cpu = *registry().cpu;
    out.push_back({std::string(cpu.name()), true, ""});
#ifdef ATTNSCOPE_HAVE_CUDA
    AttentionBackend& cuda = cuda_backend();
    const std::optional<std::string> why = cuda.unavailable_reason();
    out.push_back({std::string(cuda.name()), !why.has_value(), why.value_or("")});
#else
    out.push_back({"cuda", false, kNoCudaReason});
#endif
    return out;
}

AttentionBackend& get_backend(std::string_view name) {
    if (name == "cpu") return *registry().cpu;
    if (name == "cuda") {
#ifdef ATTNSCOPE_HAVE_CUDA
        AttentionBackend& cuda = cuda_backend();
        if (const std::optional<std::string> why = cuda.unavailable_reason())
            throw InputError("--backend", "cuda is unavailable: " + *why,
                             "use --backend " + alternatives("cuda") + " (the CPU backend is always available)");
        return cuda;
#else
        throw InputError("--backend", std::string("cuda is unavailable: ") + kNoCudaReason,
                         "use --backend " + alternatives("cuda") + ", or reconfigure on a machine with nvcc");
#endif
    }
    std::string known;
    for (const BackendStatus& b : list_backends()) {
        if (!known.empty()) known += ", ";
        known += b.name + (b.available ? "" : " (unavailable: " + b.reason + ")");
    }
    throw InputError("--backend", "'" + std::string(name) + "' is not a backend of this build",
                     "choose one of: " + known);
}

AttentionBackend& default_backend() { return *registry().cpu; }

int cpu_threads() { return omp_get_max_threads(); }

}  // namespace attnscope::kernels
