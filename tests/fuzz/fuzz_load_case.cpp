// fuzz_load_case.cpp — libFuzzer target for load_case: the bytes go through a real file, so the file-level code
// (size check, reading, the JSON syntax and overflow messages with their line/column lookup) is fuzzed too.
// Same contract as fuzz_case_loader.cpp: InputError or success, nothing else. Build and run as described there,
// with the target attnscope_fuzz_load_case.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/errors.hpp"
#include "core/formats/case_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("attnscope_fuzz_load_case_" + std::to_string(getpid()) + ".json");
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size) std::fwrite(data, 1, size, f);
        std::fclose(f);
    } else {
        return 0;
    }
    try {
        (void)attnscope::load_case(path, std::nullopt, /*max_bytes=*/1 << 20);
    } catch (const attnscope::InputError& e) {
        // every refusal must carry the file name (issue 3: one message naming the file)
        if (std::string(e.what()).find(path.filename().string()) == std::string::npos) __builtin_trap();
    }
    return 0;
}
