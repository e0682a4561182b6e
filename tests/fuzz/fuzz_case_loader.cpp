// fuzz_case_loader.cpp — libFuzzer target for the case loader: arbitrary bytes -> JSON -> parse_case, and for
// cases that parse and are small, the whole evaluation in both precisions (the maths must not crash on whatever
// the loader lets through: degenerate vectors, extreme scales, odd parameters).
//
// Contract checked: bad input is an InputError (the CLI maps it to exit 2); anything else escaping — another
// exception, a crash, a sanitizer report — is a finding. Each finding becomes a regression test in
// tests/core/fuzz_regression_test.cpp (the crashing input is stored in tests/fuzz/regressions/).
//
// Build (clang only, see tests/fuzz/CMakeLists.txt):
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTNSCOPE_FUZZ=ON \
//       -DATTNSCOPE_BUILD_GUI=OFF -DATTNSCOPE_BUILD_CUDA=OFF
//   cmake --build build-fuzz --target attnscope_fuzz_case_loader
//   build-fuzz/tests/fuzz/attnscope_fuzz_case_loader -max_len=4096 -timeout=10 CORPUS_DIR tests/data/golden
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz_one_case.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool strict = std::getenv("ATTNSCOPE_FUZZ_STRICT") != nullptr;
    attnscope::fuzz::fuzz_one_case(std::string(reinterpret_cast<const char*>(data), size), strict);
    return 0;
}
