// asset_paths.hpp — where the shipped assets (scenes, example cases, checkpoints, colour maps) are found.
#pragma once

#include <filesystem>
#include <string_view>

namespace attnscope::cli {

// The file `relative` (e.g. "cases/needle_n8.case.json") under the first assets directory that has it:
// $ATTNSCOPE_ASSETS, then <executable dir>/../share/attnscope/assets (installed), then the source tree's assets/
// (a build tree). Throws InputError naming the places searched when none has it.
std::filesystem::path find_asset(std::string_view relative);

}  // namespace attnscope::cli
