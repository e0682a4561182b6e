// model_session.hpp — the state behind the Model view (issue 5, part 6): a checkpoint, a token sequence, the layer
// and head looked at, an optional query/key override, and the probes of core/model/probe.hpp computed off the UI
// thread. No ImGui and no GL here, so the tests drive exactly what the view drives (tests/gui/model_session_test.cpp).
//
// The worker owns the model while it runs: the Transformer keeps a scratch workspace, so only one thread may run it.
// Every probe request carries a shared_ptr to the model it was made for; opening another checkpoint swaps the pointer
// for later requests, and a probe still running on the old model finishes and is dropped as stale. The newest
// request wins: requests queued behind it are discarded (a drag sends one per frame).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/gui/heatmap_image.hpp"
#include "core/model/probe.hpp"
#include "core/tasks/task.hpp"
#include "core/training/checkpoint.hpp"

namespace attnscope::gui {

struct ShippedModel {
    std::string name;  // file name, e.g. "induction_dpa.safetensors"
    std::string path;
};
// The checkpoints under the assets' models/ folder (app/cli/asset_paths.hpp), sorted by name; empty when none.
std::vector<ShippedModel> shipped_models();
// The model the view opens by itself the first time: induction_dpa when shipped, else the first one, else "".
std::string default_model_path();

// One probe and the images of its maps, immutable once published.
struct ModelProbe {
    std::uint64_t request_id = 0;
    std::string error;  // the probe refused the request (InputError text); the rest is empty
    std::vector<int> tokens;
    int layer = 0, head = 0;
    model::ProbeResult result;
    std::shared_ptr<const HeatmapImage> own_image;                    // the model's own map of the chosen head
    std::vector<std::shared_ptr<const HeatmapImage>> head_images;     // the model's own map of every head of the layer
    std::vector<std::shared_ptr<const HeatmapImage>> variant_images;  // parallel to result.variants; null: error
    double ms = 0.0;                                                  // wall time of the probe and its images
};

// What the view edits. Equality decides whether a new probe is needed.
struct ModelQuery {
    std::vector<int> tokens;
    int layer = 0, head = 0;
    int position = -1;  // where the next-token distribution is read; -1: the last token
    std::vector<VariantKind> variants{all_variant_kinds().begin(), all_variant_kinds().end()};
    std::optional<model::ProbeOverride> override_qk;
    DisplaySpec display;  // colour map, scale and mask colours of the images (size and view are set per map)
    // Pixel sizes of the panels (0: one texel per cell, up to 768): a map with more cells than its panel has pixels
    // is max-pooled to the panel's size, so a single spike still shows (GL's minification would skip it).
    int own_px = 0, card_px = 0, thumb_px = 0;
    bool operator==(const ModelQuery& o) const;
};
// Equal in everything the probe computes from (the images aside): a new panel size only rebuilds the images.
bool same_probe(const ModelQuery& a, const ModelQuery& b);

// A probe request as core/model/probe.hpp takes it.
model::ProbeRequest make_probe_request(const ModelQuery& q);

// The two directions of the drag canvas: the top-2 eigenvectors of the uncentred second moment of [Q; K] (the plane
// that keeps most of the dot products), orthonormal. For head_dim 1 the second is zero.
struct QkPlane {
    Eigen::VectorXd ex, ey;
};
QkPlane qk_plane(const MatF& q, const MatF& k);

// The override a drag makes: `start` (the vector when the drag began) moved by (dx, dy) in the plane's units.
model::ProbeOverride dragged_override(int token, bool is_query, const Eigen::VectorXd& start, const QkPlane& plane,
                                      double dx, double dy);

class ModelSession {
  public:
    enum class Mode { Async, Sync };  // Sync: probes run inside update() (tests, headless render)
    explicit ModelSession(Mode mode = Mode::Async);
    ~ModelSession();
    ModelSession(const ModelSession&) = delete;
    ModelSession& operator=(const ModelSession&) = delete;

    // ---- Checkpoint --------------------------------------------------------------------------------------------
    // Loads and validates the file. On failure returns false, load_error() holds the loader's message and the current
    // model, sequence and results stay as they were. On success the sequence is regenerated for the new task (same
    // length, clamped to the model's limits), layer/head are clamped and the override is cleared.
    bool open(const std::string& path);
    bool loaded() const { return m_model != nullptr; }
    const std::string& path() const { return m_path; }
    const std::string& load_error() const { return m_load_error; }
    const training::Checkpoint& checkpoint() const { return m_checkpoint; }
    const tasks::Task* task() const { return m_task.get(); }
    const model::ModelConfig& config() const { return m_checkpoint.config; }
    // Longest sequence the view offers: 16x the training length (the Length view's range), at most 1024.
    int max_length() const;

    // ---- Sequence ----------------------------------------------------------------------------------------------
    const std::vector<int>& tokens() const { return m_query.tokens; }
    std::string text() const;              // the tokens as space-separated strings
    std::string token_name(int id) const;  // vocabulary string, "<?>" outside
    // Space-separated token strings. False: input_error() names the unknown token, the sequence is unchanged.
    bool set_text(std::string_view text);
    const std::string& input_error() const { return m_input_error; }
    // A fresh sample of the checkpoint's task with n input tokens (clamped to [task min length, max_length()]).
    void generate(int n, std::uint64_t seed);
    // The token the task's sample put after the last input token; -1 once the sequence was edited by hand.
    int expected_next() const { return m_expected_next; }
    void set_token(int pos, int id);  // ignored outside the sequence or vocabulary
    void erase_token(int pos);        // keeps at least one token
    void append_token(int id);

    // ---- What is probed ----------------------------------------------------------------------------------------
    const ModelQuery& query() const { return m_query; }
    void set_layer(int layer);        // clamped; clears an override (it belongs to the old layer's Q/K)
    void set_head(int head);          // clamped; clears an override
    void set_position(int position);  // -1: last; clamped
    int read_position() const;        // the resolved position
    void set_variants(std::vector<VariantKind> variants);
    void set_display(const DisplaySpec& display);
    void set_image_sizes(int own_px, int card_px, int thumb_px);
    // One undo step per gesture id (a drag sends one override per frame); 0: a step of its own.
    void set_override(model::ProbeOverride o, std::uint64_t gesture = 0);
    void clear_override();

    // ---- Undo of sequence and override edits (the scene's Ctrl+Z belongs to the lab) -------------------------------
    bool undo();
    bool redo();
    bool can_undo() const { return !m_undo.empty(); }
    bool can_redo() const { return !m_redo.empty(); }
    // Consecutive calls with the same non-zero gesture id (one drag) are one undo step.
    void begin_edit(std::uint64_t gesture = 0);

    // ---- Probes ------------------------------------------------------------------------------------------------
    // Submits a probe when the query changed since the last submission (call once per frame). Sync mode computes it.
    void update();
    std::shared_ptr<const ModelProbe> latest() const;
    bool busy() const;  // a probe newer than latest() is queued or running
    // Waits up to timeout_ms for the newest submitted probe; true when it arrived.
    bool wait(double timeout_ms) const;
    double last_probe_ms() const;
    std::uint64_t submitted() const { return m_submitted_id; }

  private:
    struct Job {
        std::uint64_t id = 0;
        std::shared_ptr<model::Transformer<float>> model;
        ModelQuery query;
    };
    struct Snapshot {
        std::vector<int> tokens;
        std::optional<model::ProbeOverride> override_qk;
        int expected_next = -1;
    };
    // What the worker thread shares with the session. The thread holds it by shared_ptr and is detached when the
    // session ends, so closing the window never waits for a long probe (n = 1024 takes seconds); the probe finishes
    // on its own copy of the job and the thread exits.
    struct Shared {
        std::mutex mutex;
        std::condition_variable wake, done;
        std::optional<Job> pending;
        bool running = false, stop = false;
        std::shared_ptr<const ModelProbe> latest;
        double last_ms = 0.0;
        // The last computed probe and its query (whoever runs jobs: the worker, or update() in Sync mode).
        std::optional<ModelQuery> computed_query;
        std::shared_ptr<const ModelProbe> computed;
        std::shared_ptr<model::Transformer<float>> computed_model;  // held, so a new model never shares its address
    };
    static std::shared_ptr<const ModelProbe> run_job(const Job& job, Shared& shared);
    static void worker(std::shared_ptr<Shared> shared);
    static void publish(Shared& shared, std::shared_ptr<const ModelProbe> p);
    void remember();
    bool step(std::vector<Snapshot>& from, std::vector<Snapshot>& to);
    void clamp_query();

    Mode m_mode;
    std::shared_ptr<model::Transformer<float>> m_model;
    training::Checkpoint m_checkpoint;
    std::unique_ptr<tasks::Task> m_task;
    std::string m_path, m_load_error, m_input_error;
    ModelQuery m_query;
    int m_expected_next = -1;
    std::vector<Snapshot> m_undo, m_redo;
    std::uint64_t m_gesture = 0;
    std::optional<ModelQuery> m_submitted_query;
    std::uint64_t m_submitted_id = 0;
    std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
};

}  // namespace attnscope::gui
