// rng.hpp — a small deterministic random generator for initialisation, data and tests.
//
// std::normal_distribution and friends differ between standard libraries, so the same seed would give different
// models on different machines; SplitMix64 + Box-Muller here are fully specified, so `--seed 1` remakes the same
// checkpoint anywhere (assets/README.md relies on that).
#pragma once

#include <cmath>
#include <cstdint>

namespace attnscope::model {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}

    // Two seeds mixed into one stream id, e.g. (training seed, step) -> the batch of that step. This is what makes
    // a resumed run see exactly the batches an uninterrupted one would have seen.
    static Rng stream(std::uint64_t seed, std::uint64_t index) { return Rng(mix(mix(seed) ^ (index + 0x51ED27ull))); }

    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        return mix_step(z);
    }

    // Uniform integer in [0, n), n >= 1. The modulo bias is below 2^-40 for the n we use (< 2^24).
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }

    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

    // Standard normal (Box-Muller; the second value is dropped to keep the stream simple).
    double normal() {
        double u1 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    static std::uint64_t mix_step(std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    static std::uint64_t mix(std::uint64_t z) { return mix_step(z + 0x9E3779B97F4A7C15ull); }

    std::uint64_t m_state;
};

}  // namespace attnscope::model
