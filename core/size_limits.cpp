#include "core/size_limits.hpp"

#include <cmath>
#include <cstdio>

namespace attnscope {
namespace {

// Square (n, n) matrices alive at the peak of each variant's reference computation, counted from the code in
// core/reference: weights + logits, plus S, F and the visibility masks for selective, the exact kernel weights
// for the value-aware pair, the stage-1 weights for LSSAR. One more for the JSON writer's metrics pass.
double square_matrices(VariantKind kind) {
    switch (kind) {
        case VariantKind::Selective: return 5.5;
        case VariantKind::VaOblivious:
        case VariantKind::VaAware:
        case VariantKind::Lssar: return 3.0;
        default: return 2.0;
    }
}

}  // namespace

std::uint64_t reference_bytes_needed(VariantKind kind, std::uint64_t n, std::uint64_t d, std::uint64_t dv,
                                     std::uint64_t scalar_bytes) {
    const double nn = static_cast<double>(n) * static_cast<double>(n);
    const double bytes = square_matrices(kind) * nn * static_cast<double>(scalar_bytes) +
                         4.0 * static_cast<double>(n) * static_cast<double>(d + dv) * static_cast<double>(scalar_bytes);
    return bytes >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(bytes);
}

std::string format_bytes(double bytes) {
    static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 6) bytes /= 1024.0, ++u;
    char buf[48];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

void require_memory(const std::string& field, std::uint64_t needed, std::uint64_t available, std::uint64_t n,
                    VariantKind kind, std::uint64_t d, std::uint64_t dv, std::uint64_t scalar_bytes) {
    if (needed <= available) return;
    std::uint64_t fits = n;
    while (fits > 1 && reference_bytes_needed(kind, fits, d, dv, scalar_bytes) > available) fits = fits * 9 / 10;
    throw InputError(field,
                     "n = " + std::to_string(n) + " tokens needs about " + format_bytes(static_cast<double>(needed)) +
                         " for its n x n matrices, but only " + format_bytes(static_cast<double>(available)) +
                         " of memory is available",
                     "use at most about n = " + std::to_string(fits) + " tokens" +
                         (scalar_bytes == 8 ? " (or --precision f32, which halves the need)" : ""));
}

}  // namespace attnscope
