// scene_io.hpp — scene files: JSON with `format` and `version`, unknown fields kept, atomic saves.
//
//   {"format": "attnscope-scene", "version": 1, "name": ..., "description": ...,
//    "causal": true, "generator": {"preset": "needle", "seed": 1}, "length": n, "d": d, "dv": dv,
//    "labels": [...], "Q": n x d, "K": n x d, "V": n x dv,       (optional: absent = made by the generator)
//    "columns": [{"variant": "dpa", "label": "", "scale": "linear", "params": {spec §8.2 names}}],
//    "view": {"locked_query": -1, "baseline": 0, "compare": 1, "colormap": "viridis",
//             "projection": "coordinates", "axes": [0, 1]}}
//
// Q, K, V use the oracle's case layout (lists of rows), so a case file's vectors paste into a scene. Every field
// that this version does not know is kept, at the top level, in each column, in its params and in the view, and
// written back on save. Loading never touches the caller's scene: it returns a new one or throws InputError naming
// the file, the field and the fix.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "formats/params_json.hpp"  // columns' "params": the reader and writer case files use too
#include "scene.hpp"

namespace attnscope {

inline constexpr std::string_view kSceneFormat = "attnscope-scene";
inline constexpr int kSceneVersion = 1;

Scene scene_from_json(const nlohmann::json& j);  // throws InputError (field set, file empty)
nlohmann::json scene_to_json(const Scene& scene);

// Reads and parses `path`; "default" is not special here (the CLI maps it). Throws InputError with the file set.
Scene load_scene_file(const std::string& path);

// Writes atomically (core/formats/atomic_write.hpp: temp sibling, then rename): a failed save leaves the old file
// intact. Throws InputError when the folder is not writable.
void save_scene_file(const Scene& scene, const std::string& path);

}  // namespace attnscope
