// param_lists.hpp — the list-valued variant parameters (SSA's tau_X, tok_X, w_tok_X; selective's sel_Q, sel_K) as
// text the parameter popup edits: "1, 0.5, 2" for a list, "1, 0; 0.5, 2" (rows separated by ';' or new lines)
// for a matrix. No ImGui here: the popup (views/draw_column_params.cpp) draws the field, this file parses the text,
// checks it against the scene and makes the edited column, which the popup emits as a SetColumn edit (undoable).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/scene.hpp"

namespace attnscope::gui {

enum class ListParam { TauQ, TokQ, WTokQ, TauV, TokV, WTokV, SelQ, SelK };

struct ListParamInfo {
    ListParam id;
    const char* name;     // the spec's name, as in scene and case files: "tau_q"
    const char* summary;  // one line for the popup
    const char* help;     // the tooltip: what it does and what it overrides
};

// The list parameters `kind` reads, in the popup's order (SSA's v side only when value_temp is on).
std::vector<ListParamInfo> list_params_of(VariantKind kind, const VariantParams& p);
const ListParamInfo& list_param_info(ListParam which);

// The shape a value must have in this scene: `rows` x `cols` (a list: rows = 1). Lengths come from the scene (n, d,
// dv) and, for sel_Q/sel_K, from the partner head when it is set (their widths must agree).
struct ListShape {
    int rows = 1;
    int cols = 0;
    bool matrix = false;
    std::string cols_name;  // "n (one per token)", "d (one per query coordinate)"
};
ListShape list_shape(ListParam which, const Scene& scene, const VariantParams& p);

// The current value, flattened row-major; nullopt when the parameter is not set.
std::optional<std::vector<double>> list_value(ListParam which, const VariantParams& p);

// Text for a value: shortest round-trip digits, ", " between entries, "; " between matrix rows.
std::string format_list(std::span<const double> values, int cols, bool matrix);

// The result of parsing a text. On success `values` holds rows * cols numbers; otherwise `error` is one line that
// names the bad entry ("entry 3, \"0.5x\", is not a number") or the length problem, and `bad_entry` its index
// (0-based, -1 when the problem is the length).
struct ListParse {
    std::optional<std::vector<double>> values;
    std::string error;
    int bad_entry = -1;
};
ListParse parse_list(std::string_view text, const ListShape& shape);

// A value that fits `shape`: the default the spec's formula would give when there is none (tau = 1, tok = 0,
// w_tok = 0, sel_Q = Q, sel_K = K), else the current value cut or padded to the new length.
std::vector<double> fitted_list(ListParam which, const Scene& scene, const VariantParams& p);

// The column with the parameter set to `values` (which must fit list_shape) or cleared (nullopt).
SceneColumn with_list(const SceneColumn& column, ListParam which, std::optional<std::vector<double>> values,
                      const ListShape& shape);

// The whole edit from text: the new column, or the parse error (then nothing is emitted).
struct ListEdit {
    std::optional<SceneColumn> column;
    std::string error;
    int bad_entry = -1;
};
ListEdit edit_list_from_text(const Scene& scene, const SceneColumn& column, ListParam which, std::string_view text);

}  // namespace attnscope::gui
