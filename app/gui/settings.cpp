#include "app/gui/settings.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/formats/atomic_write.hpp"

namespace attnscope::gui {

std::string config_dir() {
    if (const char* d = std::getenv("ATTNSCOPE_CONFIG_DIR"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/attnscope";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/attnscope";
    return ".attnscope";
}

std::string settings_path() { return config_dir() + "/settings.json"; }
std::string last_scene_file() { return config_dir() + "/last_scene.json"; }

namespace {

template <class T>
void get(const nlohmann::json& j, const char* key, T& out) {
    if (!j.contains(key)) return;
    try {
        out = j.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
        // Wrong type: keep the default (a hand-edited settings file must never stop the window from opening).
    }
}

const char* const kKnown[] = {"ui_scale",    "light_theme", "colormap",     "backend", "window",     "last_scene",
                              "figures_dir", "row_labels",  "grid_per_row", "strips",  "top_k_mass", "auto_range"};

}  // namespace

nlohmann::json settings_to_json(const LabSettings& s) {
    nlohmann::json j = s.extra.is_object() ? s.extra : nlohmann::json::object();
    j["ui_scale"] = s.ui_scale;
    j["light_theme"] = s.light_theme;
    j["colormap"] = s.colormap;
    j["backend"] = s.backend;
    j["window"] = {
        {"x", s.window_x}, {"y", s.window_y}, {"w", s.window_w}, {"h", s.window_h}, {"maximized", s.maximized}};
    j["last_scene"] = s.last_scene_path;
    j["figures_dir"] = s.figures_dir;
    j["row_labels"] = s.row_labels;
    j["grid_per_row"] = s.grid_per_row;
    j["strips"] = s.strips;
    j["top_k_mass"] = s.top_k_mass;
    j["auto_range"] = s.auto_range;
    return j;
}

LabSettings settings_from_json(const nlohmann::json& j) {
    LabSettings s;
    if (!j.is_object()) return s;
    get(j, "ui_scale", s.ui_scale);
    if (!(s.ui_scale == 0.0f || (s.ui_scale >= 0.5f && s.ui_scale <= 4.0f))) s.ui_scale = 0.0f;
    get(j, "light_theme", s.light_theme);
    get(j, "colormap", s.colormap);
    get(j, "backend", s.backend);
    if (j.contains("window") && j["window"].is_object()) {
        const auto& w = j["window"];
        get(w, "x", s.window_x);
        get(w, "y", s.window_y);
        get(w, "w", s.window_w);
        get(w, "h", s.window_h);
        get(w, "maximized", s.maximized);
        if (s.window_w < 320 || s.window_w > 16384) s.window_w = 1600;
        if (s.window_h < 240 || s.window_h > 16384) s.window_h = 900;
    }
    get(j, "last_scene", s.last_scene_path);
    get(j, "figures_dir", s.figures_dir);
    get(j, "row_labels", s.row_labels);
    get(j, "grid_per_row", s.grid_per_row);
    get(j, "strips", s.strips);
    get(j, "top_k_mass", s.top_k_mass);
    get(j, "auto_range", s.auto_range);
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool known = false;
        for (const char* k : kKnown) known |= it.key() == k;
        if (!known) s.extra[it.key()] = it.value();
    }
    return s;
}

LabSettings load_settings(const std::string& path, std::string* problem) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream buf;
    buf << in.rdbuf();
    try {
        return settings_from_json(nlohmann::json::parse(buf.str()));
    } catch (const nlohmann::json::exception& e) {
        if (problem) *problem = path + ": not valid JSON (" + e.what() + "); using default settings";
        return {};
    }
}

void save_settings(const LabSettings& s, const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const std::string text = settings_to_json(s).dump(2) + "\n";
    check_writable(path, "settings");
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

}  // namespace attnscope::gui
