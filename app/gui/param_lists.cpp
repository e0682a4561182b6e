// param_lists.cpp — text <-> list-valued variant parameters for the parameter popup (see param_lists.hpp).
#include "app/gui/param_lists.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace attnscope::gui {
namespace {

// Tooltips follow spec §2.3 (SSA) and §3 (selective); the precedence notes say what a set list overrides.
constexpr std::array<ListParamInfo, 8> kLists{{
    {ListParam::TauQ, "tau_q", "explicit query temperatures (one per token)",
     "tau_q: an explicit \xCF\x84_q(i) per query, multiplying its logits (an inverse temperature: larger is "
     "sharper, 1 is plain softmax). Set, it replaces the formula 1 + c\xC2\xB7ln(i+1) + tanh(u(i)) entirely "
     "(pos_coef/beta/alpha and tok/w_tok are then unused)."},
    {ListParam::TokQ, "tok_q", "token part u(i) of \xCF\x84_q (one per token)",
     "tok_q: the token-aware part u(i) of the query temperature, given per token; tanh(u(i)) is added to "
     "1 + c\xC2\xB7ln(i+1). Set, it takes precedence over w_tok_q and b_tok_q."},
    {ListParam::WTokQ, "w_tok_q", "weights of u = w_tok\xC2\xB7q + b_tok (one per coordinate of q)",
     "w_tok_q: the token-aware temperature head u(i) = w_tok_q\xC2\xB7q_i + b_tok_q, so a query's own vector sets "
     "its temperature. Length d. Unused when tok_q or tau_q is set."},
    {ListParam::TauV, "tau_v", "explicit value temperatures (one per token)",
     "tau_v: an explicit \xCF\x84_v(j) per value: the output is \xCE\xA3 w_ij\xC2\xB7\xCF\x84_v(j)\xC2\xB7v_j, so each "
     "value is scaled by it (value_temp on). Set, it replaces the value side's formula."},
    {ListParam::TokV, "tok_v", "token part u(j) of \xCF\x84_v (one per token)",
     "tok_v: the token-aware part u(j) of the value temperature, per token. Takes precedence over w_tok_v, b_tok_v."},
    {ListParam::WTokV, "w_tok_v", "weights of u = w_tok\xC2\xB7v + b_tok (one per coordinate of v)",
     "w_tok_v: u(j) = w_tok_v\xC2\xB7v_j + b_tok_v, the value temperature's token-aware head. Length dv. Unused when "
     "tok_v or tau_v is set."},
    {ListParam::SelQ, "sel_Q", "separate selection-head queries (n rows)",
     "sel_Q: queries of a separate selection head that builds the soft mask S = relu(sel_scale\xC2\xB7sel_Q\xC2\xB7"
     "sel_K\xE1\xB5\x80). Unset: the attention queries Q. One row per token, as wide as sel_K (or K)."},
    {ListParam::SelK, "sel_K", "separate selection-head keys (n rows)",
     "sel_K: keys of the separate selection head (see sel_Q). Unset: the attention keys K. One row per token, as wide "
     "as sel_Q (or Q)."},
}};

bool is_q_side(ListParam w) { return w == ListParam::TauQ || w == ListParam::TokQ || w == ListParam::WTokQ; }

const SsaTemperatureParams& side_of(ListParam w, const VariantParams& p) { return is_q_side(w) ? p.ssa_q : p.ssa_v; }

std::optional<std::vector<double>>* ssa_slot(ListParam w, VariantParams& p) {
    SsaTemperatureParams& t = is_q_side(w) ? p.ssa_q : p.ssa_v;
    switch (w) {
        case ListParam::TauQ:
        case ListParam::TauV: return &t.tau;
        case ListParam::TokQ:
        case ListParam::TokV: return &t.tok;
        case ListParam::WTokQ:
        case ListParam::WTokV: return &t.w_tok;
        default: return nullptr;
    }
}

const std::optional<MatD>& sel_slot(ListParam w, const VariantParams& p) { return w == ListParam::SelQ ? p.sel_q : p.sel_k; }

std::string quoted(std::string_view s) {
    constexpr std::size_t kMax = 24;  // keep the message on one line
    return "\"" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "..." : "") + "\"";
}

}  // namespace

const ListParamInfo& list_param_info(ListParam which) { return kLists[static_cast<std::size_t>(which)]; }

std::vector<ListParamInfo> list_params_of(VariantKind kind, const VariantParams& p) {
    std::vector<ListParamInfo> out;
    if (kind == VariantKind::Ssa) {
        for (ListParam w : {ListParam::TauQ, ListParam::TokQ, ListParam::WTokQ}) out.push_back(list_param_info(w));
        if (p.value_temp)
            for (ListParam w : {ListParam::TauV, ListParam::TokV, ListParam::WTokV}) out.push_back(list_param_info(w));
    }
    if (kind == VariantKind::Selective)
        for (ListParam w : {ListParam::SelQ, ListParam::SelK}) out.push_back(list_param_info(w));
    return out;
}

ListShape list_shape(ListParam which, const Scene& scene, const VariantParams& p) {
    ListShape s;
    switch (which) {
        case ListParam::TauQ:
        case ListParam::TokQ:
        case ListParam::TauV:
        case ListParam::TokV:
            s.cols = scene.n();
            s.cols_name = "n (one per token)";
            break;
        case ListParam::WTokQ:
            s.cols = scene.d();
            s.cols_name = "d (one per query coordinate)";
            break;
        case ListParam::WTokV:
            s.cols = scene.dv();
            s.cols_name = "dv (one per value coordinate)";
            break;
        case ListParam::SelQ:
        case ListParam::SelK: {
            // reference::validate wants sel_Q and sel_K (or Q and K in their place) to share a width.
            const std::optional<MatD>& partner = which == ListParam::SelQ ? p.sel_k : p.sel_q;
            s.matrix = true;
            s.rows = scene.n();
            s.cols = partner ? static_cast<int>(partner->cols()) : scene.d();
            s.cols_name = partner ? std::string(which == ListParam::SelQ ? "the width of sel_K" : "the width of sel_Q")
                                  : std::string("d (the width of Q and K)");
            break;
        }
    }
    return s;
}

std::optional<std::vector<double>> list_value(ListParam which, const VariantParams& p) {
    if (which == ListParam::SelQ || which == ListParam::SelK) {
        const std::optional<MatD>& m = sel_slot(which, p);
        if (!m) return std::nullopt;
        return std::vector<double>(m->data(), m->data() + m->size());  // MatD is row-major
    }
    VariantParams copy = p;  // ssa_slot wants a mutable object; lists are small
    return *ssa_slot(which, copy);
}

std::string format_list(std::span<const double> values, int cols, bool matrix) {
    std::string out;
    char buf[32];
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += matrix && cols > 0 && i % static_cast<std::size_t>(cols) == 0 ? "; " : ", ";
        double v = values[i];
        if (v == 0.0) v = 0.0;  // -0 reads as 0
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    }
    return out;
}

ListParse parse_list(std::string_view text, const ListShape& shape) {
    ListParse res;
    std::vector<std::vector<double>> rows(1);
    int entry = 0;  // flat index of the next entry
    std::size_t i = 0;
    auto end_row = [&] {
        if (!rows.back().empty()) rows.emplace_back();
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == ',' || c == '[' || c == '\r') {
            ++i;
            continue;
        }
        if (c == ';' || c == '\n' || c == ']') {
            if (shape.matrix) end_row();  // a list takes every separator as a plain one (JSON paste included)
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && std::string_view(" \t,[];\n\r").find(text[j]) == std::string_view::npos) ++j;
        const std::string_view tok = text.substr(i, j - i);
        // from_chars takes no leading '+'; accept it as people write it.
        const std::string_view digits = tok.size() > 1 && tok[0] == '+' ? tok.substr(1) : tok;
        double v = 0.0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        const std::string where = "entry " + std::to_string(entry + 1);
        if (r.ec == std::errc::result_out_of_range) {
            res.error = where + ", " + quoted(tok) + ", is too large for a double";
        } else if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
            res.error = where + ", " + quoted(tok) + ", is not a number; write numbers separated by commas";
        } else if (!std::isfinite(v)) {
            res.error = where + ", " + quoted(tok) + ", is not finite; write a finite number";
        }
        if (!res.error.empty()) {
            res.bad_entry = entry;
            return res;
        }
        rows.back().push_back(v);
        ++entry;
        i = j;
    }
    if (rows.size() > 1 && rows.back().empty()) rows.pop_back();

    std::vector<double> flat;
    if (!shape.matrix) {
        flat = std::move(rows.front());
        if (static_cast<int>(flat.size()) != shape.cols) {
            res.error = "has " + std::to_string(flat.size()) + " entries, but needs " + std::to_string(shape.cols) +
                        ": " + shape.cols_name;
            return res;
        }
    } else {
        if (rows.size() == 1 && rows.front().empty()) rows.clear();
        int flat_index = 0;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (static_cast<int>(rows[r].size()) != shape.cols) {
                res.error = "row " + std::to_string(r + 1) + " has " + std::to_string(rows[r].size()) +
                            " numbers, but needs " + std::to_string(shape.cols) + ": " + shape.cols_name;
                res.bad_entry = flat_index;
                return res;
            }
            flat_index += shape.cols;
            flat.insert(flat.end(), rows[r].begin(), rows[r].end());
        }
        if (static_cast<int>(rows.size()) != shape.rows) {
            res.error = "has " + std::to_string(rows.size()) + " rows, but needs " + std::to_string(shape.rows) +
                        ": one per token (n)";
            return res;
        }
    }
    res.values = std::move(flat);
    return res;
}

std::vector<double> fitted_list(ListParam which, const Scene& scene, const VariantParams& p) {
    const ListShape shape = list_shape(which, scene, p);
    const std::size_t size = static_cast<std::size_t>(shape.rows) * static_cast<std::size_t>(shape.cols);
    if (const auto cur = list_value(which, p)) {
        if (!shape.matrix) {
            std::vector<double> v = *cur;
            // Pad with the entry that changes nothing: tau = 1 divides by one, tok = 0 and w_tok = 0 add tanh(0).
            v.resize(size, which == ListParam::TauQ || which == ListParam::TauV ? 1.0 : 0.0);
            return v;
        }
        const MatD& m = *sel_slot(which, p);
        if (m.cols() == shape.cols) {
            // Rows past the old end come from Q or K: the same selection the default head would make.
            const MatD& base = which == ListParam::SelQ ? scene.tokens->q : scene.tokens->k;
            MatD out(shape.rows, shape.cols);
            for (int r = 0; r < shape.rows; ++r) {
                if (r < m.rows())
                    out.row(r) = m.row(r);
                else if (base.cols() == shape.cols)
                    out.row(r) = base.row(r);
                else
                    out.row(r).setZero();
            }
            return std::vector<double>(out.data(), out.data() + out.size());
        }
    }
    switch (which) {
        case ListParam::TauQ:
        case ListParam::TauV: {
            // What the formula gives now (spec §2.3: tau(i) = 1 + c ln(i+1) + tanh(u(i))), so "set" starts from
            // the temperatures on screen.
            const SsaTemperatureParams& t = side_of(which, p);
            const MatD& x = is_q_side(which) ? scene.tokens->q : scene.tokens->v;
            std::vector<double> v(size);
            const double c = t.position_coefficient();
            for (std::size_t i = 0; i < size; ++i) {
                double u = 0.0;  // no token part: tanh(0) = 0 (b_tok only comes with w_tok)
                if (t.tok)
                    u = i < t.tok->size() ? (*t.tok)[i] : 0.0;
                else if (t.w_tok && static_cast<Eigen::Index>(t.w_tok->size()) == x.cols())
                    u = t.b_tok + Eigen::Map<const Eigen::RowVectorXd>(t.w_tok->data(), x.cols())
                             .dot(x.row(static_cast<Eigen::Index>(i)));
                v[i] = 1.0 + c * std::log(static_cast<double>(i) + 1.0) + std::tanh(u);
            }
            return v;
        }
        case ListParam::SelQ:
        case ListParam::SelK: {
            const MatD& base = which == ListParam::SelQ ? scene.tokens->q : scene.tokens->k;
            if (base.cols() == shape.cols) return std::vector<double>(base.data(), base.data() + base.size());
            return std::vector<double>(size, 0.0);
        }
        default: return std::vector<double>(size, 0.0);
    }
}

SceneColumn with_list(const SceneColumn& column, ListParam which, std::optional<std::vector<double>> values,
                      const ListShape& shape) {
    SceneColumn c = column;
    if (which == ListParam::SelQ || which == ListParam::SelK) {
        std::optional<MatD>& slot = which == ListParam::SelQ ? c.params.sel_q : c.params.sel_k;
        if (!values) {
            slot.reset();
        } else {
            MatD m(shape.rows, shape.cols);
            std::copy(values->begin(), values->end(), m.data());
            slot = std::move(m);
        }
        return c;
    }
    *ssa_slot(which, c.params) = std::move(values);
    return c;
}

ListEdit edit_list_from_text(const Scene& scene, const SceneColumn& column, ListParam which, std::string_view text) {
    const ListShape shape = list_shape(which, scene, column.params);
    ListParse parsed = parse_list(text, shape);
    if (!parsed.values) return {std::nullopt, std::move(parsed.error), parsed.bad_entry};
    return {with_list(column, which, std::move(parsed.values), shape), "", -1};
}

}  // namespace attnscope::gui
