// fuzz_scene_loader.cpp — libFuzzer target for scene files (core/scene_io.hpp): the bytes go through a real file
// and load_scene_file, then the contract of fuzz_one_scene.hpp (InputError naming the file, or a scene that saves
// and loads back identically and whose columns validate or refuse). Seeded from assets/scenes/*.json; findings are
// stored in tests/fuzz/scene_regressions/ and replayed by tests/gui/scene_fuzz_replay_test.cpp (no clang needed).
//
// Build (clang only, see tests/fuzz/CMakeLists.txt):
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTNSCOPE_FUZZ=ON \
//       -DATTNSCOPE_BUILD_GUI=OFF -DATTNSCOPE_BUILD_CUDA=OFF
//   cmake --build build-fuzz --target attnscope_fuzz_scene_loader
//   mkdir -p /tmp/scene_corpus && cp assets/scenes/*.json /tmp/scene_corpus/
//   build-fuzz/tests/fuzz/attnscope_fuzz_scene_loader -dict=tests/fuzz/scene.dict -max_len=8192 -timeout=10 \
//       /tmp/scene_corpus tests/fuzz/scene_regressions
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/fuzz/fuzz_one_scene.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = (std::filesystem::temp_directory_path() /
                                     ("attnscope_fuzz_scene_" + std::to_string(getpid()) + ".json"))
                                        .string();
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size) std::fwrite(data, 1, size, f);
        std::fclose(f);
    } else {
        return 0;
    }
    attnscope::fuzz::fuzz_one_scene_file(path);
    return 0;
}
