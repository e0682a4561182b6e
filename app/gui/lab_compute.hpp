// lab_compute.hpp — what the lab's worker computes: every column of a scene through one backend, and the display
// images of the maps. No GL and no ImGui here, so `attnscope render`, `attnscope export` and the tests use exactly
// the code the window's worker runs.
//
// A column's numbers are keyed by (data revision, backend, variant, parameters, full-weights flag); an image by its
// column key and how it is shown (viewport, panel size, colour map, scale). Equal keys mean equal content, which is
// how the worker skips unchanged columns and the UI skips re-uploading unchanged textures.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/heatmap_image.hpp"
#include "core/attention_result.hpp"
#include "core/scene.hpp"

namespace attnscope::gui {

// Above this length the backend is asked for a max-pooled display map instead of the full (n, n) weights, unless a
// view is zoomed in past that map's resolution (n = 2048: 16 MB of floats per column).
inline constexpr int kFullWeightsMaxN = 2048;
inline constexpr int kDisplayMapCells = 1024;

// One column's numbers, immutable once published.
struct ColumnCompute {
    int column_id = 0;
    std::uint64_t key = 0;
    VariantKind kind = VariantKind::Dpa;
    std::string error;              // non-empty: the column shows this instead of a map
    AttentionResult<float> result;  // weights (n, n) when full; metrics, temperature, output, extras always
    MatF display_map;               // (c, c) max-pooled weights when result.weights is empty
    double ms = 0.0;                // backend time of the batch this column was computed in
    bool has_full_weights() const { return result.weights.size() > 0; }
};

// The entropy-matched temperature, computed in a second, cancellable pass (a bisection per row: too slow to hold
// up a drag at n >= 256).
struct ImpliedRows {
    std::vector<double> value;
    std::vector<ImpliedTemperatureFlag> flag;
};

// The difference view: column `a` minus column `b`, cell by cell.
struct DiffRequest {
    int a = -1, b = -1;
    DisplaySpec display;
};

// The numerics view: the backend's float map minus reference::attend<double> for one column.
struct NumericsRequest {
    int column = -1;
    DisplaySpec display;
};

struct NumericsResult {
    int column_id = -1;
    std::uint64_t key = 0;
    std::string error;
    double max_abs_weight_error = 0.0;  // max |w_float - w_double|
    double max_rel_output_error = 0.0;  // max_i ||o_float - o_double|| / max(||o_double||, tiny)
    double max_row_sum_error = 0.0;     // max_i |sum_j w_float - sum_j w_double|
    MatF diff;                          // (n, n) w_float - w_double (display: diverging, symmetric limits)
    std::shared_ptr<const HeatmapImage> image;
};

struct ComputeRequest {
    std::uint64_t request_id = 0;
    std::uint64_t data_revision = 0;
    std::shared_ptr<const SceneTokens> tokens;
    bool causal = true;
    std::vector<SceneColumn> columns;
    std::string backend = "cpu";
    std::map<int, DisplaySpec> displays;  // by column id; a column without one gets no image
    std::optional<DiffRequest> diff;
    std::optional<NumericsRequest> numerics;
    bool want_implied = true;
    bool full_weights = true;  // false: ask for display maps (n > kFullWeightsMaxN and nothing zoomed in)
};

struct ColumnSlot {
    std::shared_ptr<const ColumnCompute> compute;
    std::shared_ptr<const ImpliedRows> implied;  // nullptr: pending
    std::shared_ptr<const HeatmapImage> image;   // nullptr: no display asked
};

// Everything the views draw from; published by the worker, immutable.
struct ResultSet {
    std::uint64_t request_id = 0;
    std::uint64_t data_revision = 0;
    std::shared_ptr<const SceneTokens> tokens;
    bool causal = true;
    std::string backend;
    std::map<int, ColumnSlot> columns;
    std::shared_ptr<const HeatmapImage> diff_image;
    double diff_max_abs = 0.0;
    std::shared_ptr<const NumericsResult> numerics;
    bool implied_complete = false;
    double compute_ms = 0.0;  // wall time of the pass that produced this set

    const ColumnSlot* column(int id) const {
        auto it = columns.find(id);
        return it == columns.end() ? nullptr : &it->second;
    }
};

// The compute key of a column (see the file comment).
std::uint64_t column_key(const ComputeRequest& req, const SceneColumn& c);

// Runs every column of `req` whose key is not in `cache` through the backend, in one batch. Columns that fail
// validation get an error and no numbers. Returns the columns of `req`, in order.
std::vector<std::shared_ptr<const ColumnCompute>> compute_columns(
    const ComputeRequest& req, const std::map<std::uint64_t, std::shared_ptr<const ColumnCompute>>& cache);

// The implied temperature of several columns, in one backend batch with want_implied. Empty rows on failure.
std::map<int, std::shared_ptr<const ImpliedRows>> compute_implied_batch(const ComputeRequest& req,
                                                                        const std::vector<const SceneColumn*>& columns);

// Builds the numerics comparison for req.numerics.
std::shared_ptr<const NumericsResult> compute_numerics(const ComputeRequest& req);

// Weight of cell (i, j) as displayed: exact when full weights exist, else the pooled block's maximum.
float displayed_weight(const ColumnCompute& c, int n, int i, int j, bool* exact);

}  // namespace attnscope::gui
