#include "app/gui/lab_backend.hpp"

#include <algorithm>
#include <memory>

#include "core/errors.hpp"

#ifdef ATTNSCOPE_HAVE_KERNELS
#include "kernels/registry.hpp"
#else
#include "core/reference/attend.hpp"
#endif

namespace attnscope::gui {

#ifdef ATTNSCOPE_HAVE_KERNELS

std::vector<LabBackendStatus> lab_backends() {
    std::vector<LabBackendStatus> out;
    for (const kernels::BackendStatus& b : kernels::list_backends()) out.push_back({b.name, b.available, b.reason});
    return out;
}

AttentionBackend& lab_backend(const std::string& name) { return kernels::get_backend(name); }

std::string default_lab_backend() { return std::string(kernels::default_backend().name()); }

#else

namespace {

// reference::evaluate<float> behind the backend interface; pools the display map itself.
class ReferenceFloatBackend final : public AttentionBackend {
  public:
    std::string_view name() const override { return "reference"; }
    std::optional<std::string> unavailable_reason() const override { return std::nullopt; }
    bool supports(VariantKind, const VariantParams&) const override { return true; }
    void run(std::span<const BackendProblem> batch, const BackendOptions& options,
             std::span<BackendResult> results) override {
        for (std::size_t p = 0; p < batch.size(); ++p) {
            const BackendProblem& pr = batch[p];
            const AttentionInput<float> in{*pr.q, *pr.k, *pr.v, pr.causal};
            AttentionResult<float> r = reference::attend<float>(pr.kind, in, *pr.params);
            if (options.want_metrics || options.want_implied)
                reference::analyse<float>(in, *pr.params, r, options.want_implied);
            BackendResult& out = results[p];
            if (options.display_rows > 0 && options.display_cols > 0) out.display_map = pool(r.weights, options);
            if (!options.want_weights) r.weights.resize(0, 0);
            if (!options.want_extras) r.extras = {};
            out.result = std::move(r);
        }
    }

  private:
    static MatF pool(const MatF& w, const BackendOptions& o) {
        const Eigen::Index n = w.rows();
        MatF out = MatF::Zero(o.display_rows, o.display_cols);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) {
                const Eigen::Index a = i * o.display_rows / n, b = j * o.display_cols / n;
                out(a, b) = std::max(out(a, b), w(i, j));
            }
        return out;
    }
};

ReferenceFloatBackend& reference_backend() {
    static ReferenceFloatBackend b;
    return b;
}

}  // namespace

std::vector<LabBackendStatus> lab_backends() {
    return {{"reference", true, ""}, {"cpu", false, "this build has no kernels library"}};
}

AttentionBackend& lab_backend(const std::string& name) {
    if (name == "reference" || name == "cpu") return reference_backend();
    throw InputError("backend", "\"" + name + "\" is not available in this build", "use reference");
}

std::string default_lab_backend() { return "reference"; }

#endif

}  // namespace attnscope::gui
