// scene_edit.hpp — every change to a Scene, as a value (ImHex-style views emit these; they never mutate).
//
// apply_edit() checks the edit against the scene (rows in range, finite numbers, sizes within limits), applies it
// and returns its inverse. Inverses are mementos, not deltas: the inverse of any token edit restores the previous
// SceneTokens object (a shared_ptr, so this costs nothing), the inverse of a column edit restores the previous
// column list. A memento is valid from any later state, which is what lets SceneHistory collapse a whole drag
// (many edits with one gesture id) into one undo step by keeping only the first inverse.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scene.hpp"

namespace attnscope {

enum class TokenField { Q, K, V };
std::string_view token_field_name(TokenField f);  // "Q", "K", "V"

namespace edit {

struct SetRow {  // one query, key or value vector
    TokenField field = TokenField::Q;
    int row = 0;
    std::vector<double> value;  // length d (Q, K) or dv (V)
};
struct SetCell {  // one coordinate, from the table
    TokenField field = TokenField::Q;
    int row = 0;
    int col = 0;
    double value = 0.0;
};
struct SetLabel {
    int row = 0;
    std::string label;
};
struct InsertToken {  // a new token at `at`, made by the scene's generator (or given explicitly)
    int at = 0;
    std::optional<std::vector<double>> q, k, v;
    std::optional<std::string> label;
};
struct EraseToken {
    int at = 0;
};
struct MoveToken {  // reorder: the token at `from` ends at index `to`
    int from = 0;
    int to = 0;
};
struct SetLength {  // truncate, or extend with the generator's tokens n_old .. n-1
    int n = 1;
};
struct SetCausal {
    bool causal = true;
};
struct SetDims {  // new coordinates start at 0 (dot products unchanged); removed ones are dropped
    int d = 2;
    int dv = 2;
};
struct Regenerate {  // every token made again by `generator` (e.g. a new seed), keeping the length
    SceneGenerator generator;
};
struct RestoreTokens {  // the memento: puts back a whole token set and mask
    std::shared_ptr<const SceneTokens> tokens;
    bool causal = true;
    SceneGenerator generator;
};
struct AddColumn {
    int at = -1;         // -1: at the end
    SceneColumn column;  // its id is assigned by apply_edit
};
struct RemoveColumn {
    int id = 0;
};
struct MoveColumn {
    int id = 0;
    int to = 0;  // index
};
struct SetColumn {  // kind, parameters, label and scale of the column with column.id
    SceneColumn column;
};
struct RestoreColumns {  // the memento of column edits
    std::vector<SceneColumn> columns;
};
struct ReplaceScene {  // load a preset: everything but the view settings; undo restores the old scene
    std::shared_ptr<const Scene> scene;
};

}  // namespace edit

using SceneEditOp = std::variant<edit::SetRow, edit::SetCell, edit::SetLabel, edit::InsertToken, edit::EraseToken,
                                 edit::MoveToken, edit::SetLength, edit::SetCausal, edit::SetDims, edit::Regenerate,
                                 edit::RestoreTokens, edit::AddColumn, edit::RemoveColumn, edit::MoveColumn,
                                 edit::SetColumn, edit::RestoreColumns, edit::ReplaceScene>;

struct SceneEdit {
    SceneEditOp op;
    // Non-zero: part of one continuous gesture (a drag, a slider scrub). Consecutive edits with the same gesture
    // id are one undo step.
    std::uint64_t gesture = 0;
    std::string label;  // "Move key 3"; shown as "Undo Move key 3". Empty: derived from the op.
};

// A short description of what the edit does, e.g. "Set length 128".
std::string describe_edit(const SceneEdit& e);

// Applies `e` to `scene`, bumps the revisions and returns the inverse (with the same gesture and label).
// Throws InputError naming the offending field when the edit does not fit the scene; `scene` is then unchanged.
SceneEdit apply_edit(Scene& scene, const SceneEdit& e);

// A fresh id for a gesture (process-wide counter; 0 is never returned).
std::uint64_t new_gesture_id();

}  // namespace attnscope
