// scene.hpp — the attention lab's document: tokens (Q, K, V, labels), the mask, and the variant columns.
//
// A Scene is pure data (Tracy's Worker knows no ImGui): the window, `attnscope render` and `attnscope export` all
// read it. It changes only through SceneEdits (scene_edit.hpp), which SceneHistory records for undo, and every
// change bumps `revision`; `data_revision` moves only when the numbers the variants read (tokens, mask) change,
// so a column whose parameters did not change is not recomputed after, say, a label edit.
//
// Token data sits behind a shared_ptr to an immutable SceneTokens: a snapshot for the compute worker or an undo
// step costs a pointer copy, and an edit replaces the whole object (copy-on-write).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "matrix.hpp"
#include "variant_kind.hpp"
#include "variant_params.hpp"

namespace attnscope {

// Limits that keep an interactive scene interactive; loaders reject larger input with a message (exit 2).
inline constexpr int kSceneMaxTokens = 8192;
inline constexpr int kSceneMaxDim = 512;
inline constexpr int kSceneMaxColumns = 16;

// q: (n, d) row i = query of token i; k: (n, d); v: (n, dv); labels: n token labels.
struct SceneTokens {
    MatD q;
    MatD k;
    MatD v;
    std::vector<std::string> labels;

    int n() const { return static_cast<int>(q.rows()); }
    int d() const { return static_cast<int>(q.cols()); }
    int dv() const { return static_cast<int>(v.cols()); }
};

enum class MapScale { Linear, Log };
std::string_view map_scale_name(MapScale s);

// One column of the variant grid. Several columns may use the same variant with different parameters.
struct SceneColumn {
    int id = 0;  // unique within the scene, stable across edits (UI state and textures are keyed by it)
    VariantKind kind = VariantKind::Dpa;
    VariantParams params;
    std::string label;  // shown in the column header; "" = the variant's title
    MapScale scale = MapScale::Linear;
    nlohmann::json extra = nlohmann::json::object();         // unknown fields of this column, kept on save
    nlohmann::json extra_params = nlohmann::json::object();  // unknown keys of its "params", kept on save
};

// What the length slider's extra tokens are made of: a preset's generator with a seed (scene_presets.hpp).
struct SceneGenerator {
    std::string preset = "random";
    std::uint64_t seed = 1;
};

enum class ProjectionKind { Coordinates, Principal };

// View settings saved with the scene (what a figure needs to look the same when reopened). Not undoable: they
// change without edits, like a selection.
struct SceneView {
    int locked_query = -1;     // -1: none
    int baseline_column = -1;  // column id the difference view subtracts; -1: the first column
    int compare_column = -1;   // column id shown minus the baseline; -1: the second column
    std::string colormap = "viridis";
    ProjectionKind projection = ProjectionKind::Coordinates;
    int axis_x = 0, axis_y = 1;  // coordinates shown by the canvas when projection == Coordinates
    nlohmann::json extra = nlohmann::json::object();
};

struct Scene {
    std::string name = "untitled";
    std::string description;  // one line shown under the preset picker
    std::shared_ptr<const SceneTokens> tokens = std::make_shared<SceneTokens>();
    bool causal = true;
    SceneGenerator generator;
    std::vector<SceneColumn> columns;
    int next_column_id = 1;
    SceneView view;
    nlohmann::json extra = nlohmann::json::object();  // unknown top-level fields, kept on save

    std::uint64_t revision = 1;       // every applied edit
    std::uint64_t data_revision = 1;  // edits that change tokens or the mask

    int n() const { return tokens->n(); }
    int d() const { return tokens->d(); }
    int dv() const { return tokens->dv(); }

    const SceneColumn* find_column(int id) const;
    int column_index(int id) const;  // -1 when absent
};

// The window's default grid (issue 4): dpa, ssa, selective, lssar, ea, and value-aware greedy r = 4.
std::vector<SceneColumn> default_columns();

// Assigns fresh ids to `columns` from scene.next_column_id (used when a preset or a file brings its own).
void assign_column_ids(Scene& scene, std::vector<SceneColumn>& columns);

// "Softmax (DPA)", or the user's label; a column whose variant appears twice also shows a short parameter summary
// (e.g. "r=4 greedy") so the headers stay distinguishable.
std::string column_title(const Scene& scene, const SceneColumn& column);

// A file- and CLI-friendly panel name: the variant id, suffixed "-2", "-3" for repeats ("dpa", "va_aware-2").
std::string column_slug(const Scene& scene, const SceneColumn& column);

// Summary of the parameters that differ from the spec defaults, e.g. "r=4, greedy"; "" when all are defaults.
std::string column_param_summary(const SceneColumn& column);

}  // namespace attnscope
