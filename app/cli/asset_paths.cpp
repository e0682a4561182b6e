#include "app/cli/asset_paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace attnscope::cli {
namespace {

std::filesystem::path executable_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : exe.parent_path();
}

}  // namespace

std::filesystem::path find_asset(std::string_view relative) {
    std::vector<std::filesystem::path> roots;
    if (const char* env = std::getenv("ATTNSCOPE_ASSETS")) roots.emplace_back(env);
    if (const auto dir = executable_dir(); !dir.empty()) roots.push_back(dir / ".." / "share" / "attnscope" / "assets");
    roots.emplace_back(ATTNSCOPE_SOURCE_ASSETS);  // set by app/CMakeLists.txt
    std::string searched;
    for (const auto& root : roots) {
        const auto p = root / relative;
        std::error_code ec;
        if (std::filesystem::exists(p, ec)) return p;
        searched += (searched.empty() ? "" : ", ") + root.string();
    }
    throw InputError("", "asset " + std::string(relative) + " was not found (searched " + searched + ")",
                     "set ATTNSCOPE_ASSETS to the project's assets/ folder");
}

}  // namespace attnscope::cli
