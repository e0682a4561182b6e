#include "app/gui/lab_session.hpp"

#include <chrono>

#include "app/gui/lab_backend.hpp"
#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "core/scene_edit.hpp"
#include "core/scene_io.hpp"

namespace attnscope::gui {
namespace {

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h;
}

std::vector<float> row_of(const MatD& m, Eigen::Index i) {
    std::vector<float> r(static_cast<std::size_t>(m.cols()));
    for (Eigen::Index c = 0; c < m.cols(); ++c) r[static_cast<std::size_t>(c)] = static_cast<float>(m(i, c));
    return r;
}

}  // namespace

std::uint64_t LabSession::signature(const ComputeRequest& req) const {
    std::uint64_t h = 1469598103934665603ULL;
    const SceneTokens& t = *req.tokens;
    h = fnv(h, req.backend + "|" + std::to_string(t.n()) + "x" + std::to_string(t.d()) + "x" + std::to_string(t.dv()) +
                   (req.causal ? "|c" : "|b") + (req.full_weights ? "|full" : "|pooled"));
    for (const SceneColumn& c : req.columns)
        h = fnv(h,
                std::string(variant_name(c.kind)) + params_to_json(c.kind, c.params, nlohmann::json::object()).dump());
    return h;
}

void LabSession::reset() {
    m_session.reset();
    m_tokens.reset();
    m_signature = 0;
    m_dirty = false;
}

bool LabSession::open(const ComputeRequest& req) {
    reset();
    AttentionBackend& backend = lab_backend(req.backend);
    const SceneTokens& t = *req.tokens;
    m_columns = req.columns;
    m_q = t.q.cast<float>();
    m_k = t.k.cast<float>();
    m_v = t.v.cast<float>();
    std::vector<BackendProblem> problems;
    for (const SceneColumn& c : m_columns) problems.push_back({c.kind, &c.params, &m_q, &m_k, &m_v, req.causal});
    BackendOptions options;
    options.want_weights = req.full_weights;
    options.want_metrics = true;
    options.want_extras = true;
    if (!req.full_weights) options.display_rows = options.display_cols = std::min(kDisplayMapCells, t.n());
    m_session = backend.open_session(problems, options);
    if (!m_session) return false;
    m_signature = signature(req);
    m_tokens = req.tokens;
    return true;
}

bool LabSession::compute(const ComputeRequest& req, std::vector<std::shared_ptr<const ColumnCompute>>& out) {
    const SceneTokens& t = *req.tokens;
    if (t.n() < kSessionMinN || req.columns.empty()) {
        reset();
        return false;
    }
    const reference::ProblemShape shape{t.n(), t.d(), t.dv(), req.causal};
    try {
        for (const SceneColumn& c : req.columns) reference::validate(c.kind, shape, c.params);
    } catch (const InputError&) {
        reset();  // compute_columns reports the error per column
        return false;
    }
    const auto t0 = std::chrono::steady_clock::now();
    try {
        bool fresh = false;
        if (!m_session || m_signature != signature(req)) {
            if (!open(req)) return false;
            fresh = true;
        } else if (m_tokens != req.tokens) {
            // Which rows changed since the session's state; many (a preset, a new seed): reopen.
            const SceneTokens& old = *m_tokens;
            std::vector<std::pair<TokenField, Eigen::Index>> changed;
            for (Eigen::Index i = 0; i < t.n() && changed.size() <= kSessionMaxChangedRows; ++i) {
                if (t.q.row(i) != old.q.row(i)) changed.push_back({TokenField::Q, i});
                if (t.k.row(i) != old.k.row(i)) changed.push_back({TokenField::K, i});
                if (t.v.row(i) != old.v.row(i)) changed.push_back({TokenField::V, i});
            }
            if (changed.size() > kSessionMaxChangedRows) {
                if (!open(req)) return false;
                fresh = true;
            } else {
                for (const auto& [field, i] : changed) {
                    if (field == TokenField::Q) m_session->set_query(i, row_of(t.q, i));
                    if (field == TokenField::K) m_session->set_key(i, row_of(t.k, i));
                    if (field == TokenField::V) m_session->set_value(i, row_of(t.v, i));
                }
                m_tokens = req.tokens;
                m_dirty = m_dirty || !changed.empty();
            }
        }
        std::vector<std::shared_ptr<const ColumnCompute>> results(req.columns.size());
        for (std::size_t p = 0; p < req.columns.size(); ++p) {
            const BackendResult& r = m_session->result(p);
            auto cc = std::make_shared<ColumnCompute>();
            cc->column_id = req.columns[p].id;
            cc->key = column_key(req, req.columns[p]);
            cc->kind = req.columns[p].kind;
            cc->result = r.result;  // a copy: the session keeps updating its own
            cc->result.extras.sel_s.resize(0, 0);
            cc->result.extras.sel_f.resize(0, 0);
            cc->result.extras.lssa_weights.resize(0, 0);
            cc->result.extras.exact_weights.resize(0, 0);
            cc->display_map = r.display_map;
            results[p] = std::move(cc);
        }
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        for (auto& r : results) std::const_pointer_cast<ColumnCompute>(r)->ms = ms;
        (void)fresh;
        out = std::move(results);
        return true;
    } catch (const std::exception&) {
        reset();
        return false;
    }
}

void LabSession::refresh() {
    if (!m_session || !m_dirty) return;
    try {
        m_session->refresh();
        m_dirty = false;
    } catch (const std::exception&) {
        reset();
    }
}

}  // namespace attnscope::gui
