// scene_presets.hpp — scenes that tell a story, and the token generators behind the length slider.
//
// Every generator is counter-based: token i depends only on (preset, seed, i, d, dv), never on n or on the
// tokens before it. So shrinking and growing the length gives back the same tokens, and a scene file that stores
// only {preset, seed, length} reproduces its tokens exactly on every machine (no std:: distributions, whose
// output is implementation-defined).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scene.hpp"

namespace attnscope {

struct PresetInfo {
    std::string_view id;     // "needle"
    std::string_view title;  // "Needle among distractors"
    std::string_view story;  // the one line shown in the window
    int n = 16;              // default length
    int d = 2;
    int dv = 2;
    bool causal = true;
};

std::span<const PresetInfo> all_presets();
const PresetInfo* find_preset(std::string_view id);  // nullptr when unknown

// Token i of the generator's sequence. q, k: length d; v: length dv. Unknown presets generate "random" tokens.
struct GeneratedToken {
    std::vector<double> q, k, v;
    std::string label;
};
GeneratedToken generate_token(const SceneGenerator& g, int i, int d, int dv);

// Tokens begin .. end-1 as a block.
SceneTokens generate_tokens(const SceneGenerator& g, int begin, int end, int d, int dv);

// The preset's whole scene: its tokens, mask, story and the columns that tell the story. n = 0: the preset's
// default length. Throws InputError for an unknown preset id (naming the known ones).
Scene make_preset_scene(std::string_view id, std::uint64_t seed = 1, int n = 0);

// What the window opens with the first time: the needle preset with the six default columns.
Scene make_default_scene();

// A standard normal number from a 64-bit counter (splitmix64 + Box-Muller). Exposed for tests.
double counter_normal(std::uint64_t seed, std::uint64_t counter);

}  // namespace attnscope
