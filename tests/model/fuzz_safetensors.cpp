// fuzz_safetensors.cpp — libFuzzer target for the checkpoint loader: container parsing (every size and offset)
// and the checkpoint's own validation (metadata, shapes, values). Any input must either load or throw InputError;
// a crash, a sanitizer report, a hang or a huge allocation is a bug. Each input that ever failed is kept in
// tests/model/fuzz_regressions/ and replayed by test_checkpoint_fuzz_regressions (a normal gtest).
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DATTNSCOPE_FUZZ=ON -DATTNSCOPE_BUILD_GUI=OFF \
//       -DATTNSCOPE_BUILD_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
//   cmake --build build-fuzz --target fuzz_safetensors
//   mkdir -p /tmp/corpus && build-fuzz/tests/model/fuzz_safetensors /tmp/corpus tests/model/fuzz_corpus \
//       -max_len=65536 -rss_limit_mb=2048 -max_total_time=600
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/errors.hpp"
#include "core/formats/safetensors.hpp"
#include "core/training/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto file = attnscope::formats::parse_safetensors(std::span<const std::uint8_t>(data, size), "fuzz");
        (void)attnscope::training::checkpoint_from_safetensors(file, "fuzz");
    } catch (const attnscope::InputError&) {
    }
    return 0;
}
