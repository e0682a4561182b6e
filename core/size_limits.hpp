// size_limits.hpp — how much memory a problem needs, so absurd sizes are refused up front with a figure instead of
// being attempted (issue 3: "n = 10^9 must be refused up front with the memory it would need").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/errors.hpp"
#include "core/variant_kind.hpp"

namespace attnscope {

// Bytes the reference needs for one problem: the (n, n) matrices it holds at once (logits/weights plus the
// variant's extras) and the (n, d|dv) inputs and outputs. scalar_bytes = 8 (f64) or 4 (f32).
std::uint64_t reference_bytes_needed(VariantKind kind, std::uint64_t n, std::uint64_t d, std::uint64_t dv,
                                     std::uint64_t scalar_bytes);

// "1.3 TB", "512 MiB": for messages.
std::string format_bytes(double bytes);

// Throws InputError (field `field`) when `needed` exceeds `available`, naming both and the largest n that fits.
void require_memory(const std::string& field, std::uint64_t needed, std::uint64_t available, std::uint64_t n,
                    VariantKind kind, std::uint64_t d, std::uint64_t dv, std::uint64_t scalar_bytes);

}  // namespace attnscope
