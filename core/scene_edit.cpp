#include "scene_edit.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "errors.hpp"
#include "scene_presets.hpp"

namespace attnscope {

std::string_view token_field_name(TokenField f) {
    switch (f) {
        case TokenField::Q:
            return "Q";
        case TokenField::K:
            return "K";
        case TokenField::V:
            return "V";
    }
    return "?";
}

std::uint64_t new_gesture_id() {
    static std::atomic<std::uint64_t> next{1};
    return next++;
}

namespace {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string field_row(TokenField f, int row) {
    return std::string(token_field_name(f)) + "[" + std::to_string(row) + "]";
}

void check_row(const Scene& s, int row, const std::string& field) {
    if (row < 0 || row >= s.n())
        throw InputError(field, "token " + std::to_string(row) + " does not exist",
                         "use a token index from 0 to " + std::to_string(s.n() - 1));
}

void check_finite(double x, const std::string& field) {
    if (!std::isfinite(x)) throw InputError(field, "is not a finite number", "enter a finite number");
}

void check_length(int n, const std::string& field) {
    if (n < 1 || n > kSceneMaxTokens)
        throw InputError(field, "length " + std::to_string(n) + " is out of range",
                         "use a length from 1 to " + std::to_string(kSceneMaxTokens));
}

MatD& matrix_of(SceneTokens& t, TokenField f) { return f == TokenField::Q ? t.q : f == TokenField::K ? t.k : t.v; }

// Copy-on-write: the scene's current tokens are shared with snapshots and undo steps, so edits work on a copy.
SceneTokens copy_tokens(const Scene& s) { return *s.tokens; }

SceneEdit token_memento(const Scene& s, const SceneEdit& e) {
    return {edit::RestoreTokens{s.tokens, s.causal, s.generator}, e.gesture, e.label};
}

SceneEdit column_memento(const Scene& s, const SceneEdit& e) {
    return {edit::RestoreColumns{s.columns}, e.gesture, e.label};
}

void commit_tokens(Scene& s, SceneTokens&& t) {
    s.tokens = std::make_shared<const SceneTokens>(std::move(t));
    ++s.data_revision;
}

// Rows [at, at + count) removed.
void erase_rows(MatD& m, int at, int count) {
    const int n = static_cast<int>(m.rows());
    MatD out(n - count, m.cols());
    if (at > 0) out.topRows(at) = m.topRows(at);
    if (n - at - count > 0) out.bottomRows(n - at - count) = m.bottomRows(n - at - count);
    m.swap(out);
}

void insert_row(MatD& m, int at, const std::vector<double>& row) {
    const int n = static_cast<int>(m.rows());
    MatD out(n + 1, m.cols());
    if (at > 0) out.topRows(at) = m.topRows(at);
    for (Eigen::Index c = 0; c < m.cols(); ++c) out(at, c) = row[static_cast<std::size_t>(c)];
    if (n - at > 0) out.bottomRows(n - at) = m.bottomRows(n - at);
    m.swap(out);
}

void resize_cols(MatD& m, int cols) {
    MatD out = MatD::Zero(m.rows(), cols);
    const int keep = std::min(cols, static_cast<int>(m.cols()));
    out.leftCols(keep) = m.leftCols(keep);
    m.swap(out);
}

void check_vector(const std::vector<double>& v, std::size_t len, const std::string& field) {
    if (v.size() != len)
        throw InputError(field, "has " + std::to_string(v.size()) + " numbers",
                         "give exactly " + std::to_string(len) + " (the scene's dimension)");
    for (std::size_t c = 0; c < v.size(); ++c) check_finite(v[c], field + "[" + std::to_string(c) + "]");
}

void check_dims(int d, int dv) {
    if (d < 1 || d > kSceneMaxDim)
        throw InputError("d", "is " + std::to_string(d), "use a dimension from 1 to " + std::to_string(kSceneMaxDim));
    if (dv < 1 || dv > kSceneMaxDim)
        throw InputError("dv", "is " + std::to_string(dv), "use a dimension from 1 to " + std::to_string(kSceneMaxDim));
}

int find_column_or_throw(const Scene& s, int id) {
    const int idx = s.column_index(id);
    if (idx < 0)
        throw InputError("column", "column " + std::to_string(id) + " does not exist",
                         "pick a column shown in the grid");
    return idx;
}

}  // namespace

std::string describe_edit(const SceneEdit& e) {
    if (!e.label.empty()) return e.label;
    return std::visit(
        Overloaded{
            [](const edit::SetRow& x) { return "Edit " + field_row(x.field, x.row); },
            [](const edit::SetCell& x) {
                return "Edit " + field_row(x.field, x.row) + "[" + std::to_string(x.col) + "]";
            },
            [](const edit::SetLabel& x) { return "Rename token " + std::to_string(x.row); },
            [](const edit::InsertToken& x) { return "Insert token " + std::to_string(x.at); },
            [](const edit::EraseToken& x) { return "Delete token " + std::to_string(x.at); },
            [](const edit::MoveToken& x) { return "Move token " + std::to_string(x.from); },
            [](const edit::SetLength& x) { return "Set length " + std::to_string(x.n); },
            [](const edit::SetCausal& x) { return std::string(x.causal ? "Causal mask on" : "Causal mask off"); },
            [](const edit::SetDims& x) { return "Set d=" + std::to_string(x.d) + ", dv=" + std::to_string(x.dv); },
            [](const edit::Regenerate& x) { return "Regenerate (seed " + std::to_string(x.generator.seed) + ")"; },
            [](const edit::RestoreTokens&) { return std::string("Restore tokens"); },
            [](const edit::AddColumn& x) { return "Add " + std::string(variant_name(x.column.kind)) + " column"; },
            [](const edit::RemoveColumn&) { return std::string("Remove column"); },
            [](const edit::MoveColumn&) { return std::string("Move column"); },
            [](const edit::SetColumn&) { return std::string("Change column"); },
            [](const edit::RestoreColumns&) { return std::string("Restore columns"); },
            [](const edit::ReplaceScene& x) { return "Load " + (x.scene ? x.scene->name : std::string("scene")); },
        },
        e.op);
}

SceneEdit apply_edit(Scene& s, const SceneEdit& e) {
    SceneEdit inverse = std::visit(
        Overloaded{
            [&](const edit::SetRow& x) {
                const std::string field = field_row(x.field, x.row);
                check_row(s, x.row, field);
                check_vector(x.value, static_cast<std::size_t>(x.field == TokenField::V ? s.dv() : s.d()), field);
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                MatD& m = matrix_of(t, x.field);
                for (Eigen::Index c = 0; c < m.cols(); ++c) m(x.row, c) = x.value[static_cast<std::size_t>(c)];
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::SetCell& x) {
                const std::string field = field_row(x.field, x.row) + "[" + std::to_string(x.col) + "]";
                check_row(s, x.row, field);
                const int width = x.field == TokenField::V ? s.dv() : s.d();
                if (x.col < 0 || x.col >= width)
                    throw InputError(field, "coordinate does not exist", "use 0 to " + std::to_string(width - 1));
                check_finite(x.value, field);
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                matrix_of(t, x.field)(x.row, x.col) = x.value;
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::SetLabel& x) {
                check_row(s, x.row, "labels[" + std::to_string(x.row) + "]");
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                t.labels[static_cast<std::size_t>(x.row)] = x.label.substr(0, 64);
                s.tokens = std::make_shared<const SceneTokens>(std::move(t));  // labels: no recompute
                return inv;
            },
            [&](const edit::InsertToken& x) {
                if (x.at < 0 || x.at > s.n())
                    throw InputError("insert", "position " + std::to_string(x.at) + " is outside the sequence",
                                     "use 0 to " + std::to_string(s.n()));
                check_length(s.n() + 1, "length");
                GeneratedToken g = generate_token(s.generator, x.at, s.d(), s.dv());
                if (x.q) {
                    check_vector(*x.q, static_cast<std::size_t>(s.d()), "q");
                    g.q = *x.q;
                }
                if (x.k) {
                    check_vector(*x.k, static_cast<std::size_t>(s.d()), "k");
                    g.k = *x.k;
                }
                if (x.v) {
                    check_vector(*x.v, static_cast<std::size_t>(s.dv()), "v");
                    g.v = *x.v;
                }
                if (x.label) g.label = *x.label;
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                insert_row(t.q, x.at, g.q);
                insert_row(t.k, x.at, g.k);
                insert_row(t.v, x.at, g.v);
                t.labels.insert(t.labels.begin() + x.at, g.label);
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::EraseToken& x) {
                check_row(s, x.at, "delete");
                if (s.n() == 1) throw InputError("delete", "the last token cannot be deleted", "add a token first");
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                erase_rows(t.q, x.at, 1);
                erase_rows(t.k, x.at, 1);
                erase_rows(t.v, x.at, 1);
                t.labels.erase(t.labels.begin() + x.at);
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::MoveToken& x) {
                check_row(s, x.from, "move");
                check_row(s, x.to, "move");
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                std::vector<int> order(static_cast<std::size_t>(s.n()));
                for (int i = 0; i < s.n(); ++i) order[static_cast<std::size_t>(i)] = i;
                const int moved = order[static_cast<std::size_t>(x.from)];
                order.erase(order.begin() + x.from);
                order.insert(order.begin() + x.to, moved);
                const SceneTokens& src = *s.tokens;
                for (int i = 0; i < s.n(); ++i) {
                    const int from = order[static_cast<std::size_t>(i)];
                    t.q.row(i) = src.q.row(from);
                    t.k.row(i) = src.k.row(from);
                    t.v.row(i) = src.v.row(from);
                    t.labels[static_cast<std::size_t>(i)] = src.labels[static_cast<std::size_t>(from)];
                }
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::SetLength& x) {
                check_length(x.n, "length");
                SceneEdit inv = token_memento(s, e);
                if (x.n == s.n()) return inv;
                SceneTokens t;
                const int keep = std::min(x.n, s.n());
                const SceneTokens& src = *s.tokens;
                if (x.n > s.n()) {
                    t = generate_tokens(s.generator, 0, x.n, s.d(), s.dv());
                    t.q.topRows(keep) = src.q.topRows(keep);  // the tokens already there stay as edited
                    t.k.topRows(keep) = src.k.topRows(keep);
                    t.v.topRows(keep) = src.v.topRows(keep);
                    std::copy(src.labels.begin(), src.labels.begin() + keep, t.labels.begin());
                } else {
                    t.q = src.q.topRows(keep);
                    t.k = src.k.topRows(keep);
                    t.v = src.v.topRows(keep);
                    t.labels.assign(src.labels.begin(), src.labels.begin() + keep);
                }
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::SetCausal& x) {
                SceneEdit inv = token_memento(s, e);
                s.causal = x.causal;
                ++s.data_revision;
                return inv;
            },
            [&](const edit::SetDims& x) {
                check_dims(x.d, x.dv);
                SceneEdit inv = token_memento(s, e);
                SceneTokens t = copy_tokens(s);
                resize_cols(t.q, x.d);
                resize_cols(t.k, x.d);
                resize_cols(t.v, x.dv);
                commit_tokens(s, std::move(t));
                return inv;
            },
            [&](const edit::Regenerate& x) {
                SceneEdit inv = token_memento(s, e);
                s.generator = x.generator;
                commit_tokens(s, generate_tokens(x.generator, 0, s.n(), s.d(), s.dv()));
                return inv;
            },
            [&](const edit::RestoreTokens& x) {
                if (!x.tokens || x.tokens->n() < 1) throw InputError("tokens", "restore without tokens", "");
                SceneEdit inv = token_memento(s, e);
                s.tokens = x.tokens;
                s.causal = x.causal;
                s.generator = x.generator;
                ++s.data_revision;
                return inv;
            },
            [&](const edit::AddColumn& x) {
                if (static_cast<int>(s.columns.size()) >= kSceneMaxColumns)
                    throw InputError("columns", "the grid already has " + std::to_string(kSceneMaxColumns) + " columns",
                                     "remove a column first");
                SceneEdit inv = column_memento(s, e);
                SceneColumn c = x.column;
                c.id = s.next_column_id++;
                const int at =
                    x.at < 0 || x.at > static_cast<int>(s.columns.size()) ? static_cast<int>(s.columns.size()) : x.at;
                s.columns.insert(s.columns.begin() + at, std::move(c));
                return inv;
            },
            [&](const edit::RemoveColumn& x) {
                const int idx = find_column_or_throw(s, x.id);
                SceneEdit inv = column_memento(s, e);
                s.columns.erase(s.columns.begin() + idx);
                return inv;
            },
            [&](const edit::MoveColumn& x) {
                const int idx = find_column_or_throw(s, x.id);
                const int to = std::clamp(x.to, 0, static_cast<int>(s.columns.size()) - 1);
                SceneEdit inv = column_memento(s, e);
                SceneColumn c = std::move(s.columns[static_cast<std::size_t>(idx)]);
                s.columns.erase(s.columns.begin() + idx);
                s.columns.insert(s.columns.begin() + to, std::move(c));
                return inv;
            },
            [&](const edit::SetColumn& x) {
                const int idx = find_column_or_throw(s, x.column.id);
                SceneEdit inv = column_memento(s, e);
                s.columns[static_cast<std::size_t>(idx)] = x.column;
                return inv;
            },
            [&](const edit::RestoreColumns& x) {
                SceneEdit inv = column_memento(s, e);
                s.columns = x.columns;
                for (const SceneColumn& c : s.columns) s.next_column_id = std::max(s.next_column_id, c.id + 1);
                return inv;
            },
            [&](const edit::ReplaceScene& x) {
                if (!x.scene || x.scene->n() < 1) throw InputError("scene", "replacement has no tokens", "");
                auto old = std::make_shared<Scene>(s);
                SceneEdit inv{edit::ReplaceScene{old}, e.gesture, e.label};
                const SceneView view = s.view;
                const std::uint64_t rev = s.revision, data_rev = s.data_revision;
                const int next_id = s.next_column_id;
                s = *x.scene;
                s.view = view;
                s.revision = rev;
                s.data_revision = data_rev + 1;
                s.next_column_id = std::max(next_id, s.next_column_id);
                for (const SceneColumn& c : s.columns) s.next_column_id = std::max(s.next_column_id, c.id + 1);
                if (s.view.locked_query >= s.n()) s.view.locked_query = -1;
                return inv;
            },
        },
        e.op);
    ++s.revision;
    if (s.view.locked_query >= s.n()) s.view.locked_query = s.n() - 1;
    return inverse;
}

}  // namespace attnscope
