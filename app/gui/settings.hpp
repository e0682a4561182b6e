// settings.hpp — window settings that persist across restarts (not part of a scene): UI scale, theme, backend,
// window geometry, where figures go, which strips show, and the path of the last scene.
//
// Stored as JSON in the config folder ($ATTNSCOPE_CONFIG_DIR, else $XDG_CONFIG_HOME/attnscope, else
// ~/.config/attnscope), written atomically; unknown keys are kept. A broken settings file is not fatal: the lab
// starts with defaults and says why in the status bar.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>

namespace attnscope::gui {

// Strips beside each map, in order: explicit temperature, implied temperature, entropy, effective support,
// peak (max weight or top-k mass), Gini.
inline constexpr int kStripCount = 6;

struct LabSettings {
    float ui_scale = 0.0f;  // 0: the monitor's content scale
    bool light_theme = false;
    std::string colormap = "viridis";  // default for new scenes' maps
    std::string backend;               // "": the registry's default
    int window_x = -1, window_y = -1, window_w = 1600, window_h = 900;
    bool maximized = false;
    std::string last_scene_path;  // the file last opened or saved ("": untitled)
    std::string figures_dir;      // screenshots and panel PNGs ("": the current folder)
    bool row_labels = true;
    int grid_per_row = 0;  // 0: fit automatically
    std::array<bool, kStripCount> strips{true, true, true, true, true, true};
    bool top_k_mass = false;  // the peak strip shows top-k mass instead of the max weight
    bool auto_range = false;  // linear maps span 0..max instead of 0..1
    nlohmann::json extra = nlohmann::json::object();
};

std::string config_dir();
std::string settings_path();
std::string last_scene_file();  // where the scene open at exit is kept

// Reads the settings; on a missing file returns defaults; on a broken one returns defaults and sets `problem`.
LabSettings load_settings(const std::string& path, std::string* problem = nullptr);
void save_settings(const LabSettings& s, const std::string& path);  // throws InputError when not writable

nlohmann::json settings_to_json(const LabSettings& s);
LabSettings settings_from_json(const nlohmann::json& j);  // lenient: wrong types keep defaults

}  // namespace attnscope::gui
