// view_context.hpp — what every draw_* view receives (ImHex-style: views draw and emit edits, nothing else).
//
// A view reads the scene (const) and the newest ResultSet, writes non-undoable UI state (hover, locked query,
// zoom, which tab is open) in UiState and SceneView, and asks for scene changes by emitting SceneEdits; the lab
// applies them between frames, records them for undo and schedules the recompute. Views never touch GL: textures
// come from a TextureStore by slot name, panels record their rectangles in the LayoutRecorder (for --layout, panel
// PNGs and tests).
#pragma once

#include <imgui.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/heatmap_image.hpp"
#include "app/gui/lab_compute.hpp"
#include "app/gui/layout_recorder.hpp"
#include "app/gui/theme.hpp"
#include "core/scene.hpp"
#include "core/scene_edit.hpp"

namespace attnscope::gui {

// Textures by slot name ("col:3", "diff", "numerics"). The GL implementation uploads an image only when its key
// changed; the null one (tests, headless without GL) only remembers keys and counts uploads.
class TextureStore {
  public:
    virtual ~TextureStore() = default;
    virtual void update(const std::string& slot, const std::shared_ptr<const HeatmapImage>& image) = 0;
    virtual ImTextureID get(const std::string& slot) const = 0;    // nullptr when none
    virtual std::uint64_t key(const std::string& slot) const = 0;  // key of the uploaded image, 0 when none
    virtual int uploads() const = 0;                               // total uploads so far
};

class NullTextureStore final : public TextureStore {
  public:
    void update(const std::string& slot, const std::shared_ptr<const HeatmapImage>& image) override {
        if (!image) return;
        auto& k = m_keys[slot];
        if (k != image->key) {
            k = image->key;
            ++m_uploads;
        }
    }
    ImTextureID get(const std::string& slot) const override {
        return m_keys.count(slot) ? reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(1)) : nullptr;
    }
    std::uint64_t key(const std::string& slot) const override {
        auto it = m_keys.find(slot);
        return it == m_keys.end() ? 0 : it->second;
    }
    int uploads() const override { return m_uploads; }

  private:
    std::map<std::string, std::uint64_t> m_keys;
    int m_uploads = 0;
};

struct CellRef {
    int column_id = -1;  // -1: none
    int row = -1;
    int col = -1;
    bool operator==(const CellRef&) const = default;
};

// Per-strip choice of what the sparsity strip shows.
enum class PeakMetric { MaxWeight, TopKMass };

// A canvas drag in progress: the plane and the view bounds stay frozen so the point stays under the mouse.
struct CanvasDrag {
    bool active = false;
    TokenField field = TokenField::K;
    int row = -1;
    std::uint64_t gesture = 0;
    Eigen::VectorXd start;  // the vector when the drag began
    ImVec2 mouse0{0, 0};
    Eigen::VectorXd ex, ey;  // the plane
    std::string name_x, name_y;
    double half = 1.0;  // half-width of the view in data units
};

struct UiState {
    // Hover: written by the heatmap under the mouse this frame, read next frame by every column (cross-hair).
    CellRef hover, hover_next;
    MapViewport viewport;                // shared zoom/pan of every map (rows == 0: whole map)
    float pan_acc_x = 0, pan_acc_y = 0;  // sub-cell remainder of a pan drag
    std::uint64_t param_gesture = 0;     // the parameter widget being dragged (one undo step)
    std::uint64_t length_gesture = 0;  // the length slider being scrubbed
    std::uint64_t cell_gesture = 0;    // the table cell being dragged
    std::map<std::string, std::string> param_drafts;  // "<column id>.tau_q": list text that does not parse yet
    int hovered_token = -1;              // from the canvas or the table: highlighted in the maps

    // Panels and windows.
    std::string main_tab = "variants";
    bool show_help = false, show_about = false, show_settings = false, show_metrics_overlay = false;
    bool blink = false;  // difference view: alternate the two columns on the same pixels
    PeakMetric peak = PeakMetric::MaxWeight;
    int numerics_column = -1;
    CanvasDrag canvas_drag;
    std::uint64_t pca_revision = 0;  // the principal plane is recomputed when the tokens change
    Eigen::VectorXd pca_x, pca_y;

    // Pixel sizes the map panels had this frame, by slot: the next request asks for images that size.
    std::map<std::string, DisplaySpec> displays;

    // Messages.
    std::string status;  // bottom bar, e.g. "Saved /home/me/figure.png"
    double status_time = 0.0;
    std::string error_title, error_text;  // non-empty: the error modal is open

    // Requests to the shell, served after the frame is rendered.
    bool want_screenshot = false;
    std::string want_panel_png;  // panel name
    bool want_quit = false;
    bool want_open = false, want_save_as = false;  // open the file popups
    std::string request_open, request_save;        // paths the lab opens / saves after the frame
    bool request_save_current = false;             // Ctrl+S: save to the current file (or ask)
    std::string request_backend;                   // switch compute backend
    float request_ui_scale = 0.0f;                 // rebuild fonts at this scale between frames
    // The longest the window may sleep between frames when nothing moves; a tab with live data (training curves,
    // a length sweep's progress) shortens it. Reset every frame.
    double wake_interval_s = 0.5;
    bool view_busy = false;  // a tab's own worker is computing (Model view): not settled; reset every frame
    std::shared_ptr<struct ModelViewState> model_view;  // the Model view's state (views/draw_model.cpp)
};

class EditSink {
  public:
    void emit(SceneEdit e) { m_edits.push_back(std::move(e)); }
    void undo() { ++m_undo; }
    void redo() { ++m_redo; }
    std::vector<SceneEdit> take() { return std::exchange(m_edits, {}); }
    int take_undo() { return std::exchange(m_undo, 0); }
    int take_redo() { return std::exchange(m_redo, 0); }
    const std::vector<SceneEdit>& pending() const { return m_edits; }

  private:
    std::vector<SceneEdit> m_edits;
    int m_undo = 0, m_redo = 0;
};

struct LabSettings;

struct ViewContext {
    const Scene& scene;
    SceneView& view;           // saved with the scene, not undoable (locked query, colour map, projection)
    const ResultSet* results;  // may be null before the first pass
    bool pending;              // the results are older than the scene (a recompute is under way)
    UiState& ui;
    EditSink& edits;
    TextureStore& textures;
    const Theme& theme;
    LayoutRecorder& layout;
    LabSettings& settings;
    std::string undo_label, redo_label;
    std::string scene_path;  // the file the scene came from ("": untitled)
    bool scene_dirty = false;
    double fps = 0.0;
    double frame_ms = 0.0;  // CPU time of the previous frame (UI work, not the wait for the next event)
    double time = 0.0;      // seconds since start (blink, status fade)

    void emit(SceneEdit e) { edits.emit(std::move(e)); }
    const ColumnSlot* slot(int column_id) const { return results ? results->column(column_id) : nullptr; }
    void set_status(std::string s) {
        ui.status = std::move(s);
        ui.status_time = time;
    }
};

}  // namespace attnscope::gui
