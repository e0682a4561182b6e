#include "app/gui/lab_compute.hpp"

#include <chrono>
#include <cmath>

#include "app/gui/lab_backend.hpp"
#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "core/scene_io.hpp"

namespace attnscope::gui {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h;
}

struct FloatInput {
    MatF q, k, v;
};

FloatInput float_input(const SceneTokens& t) { return {t.q.cast<float>(), t.k.cast<float>(), t.v.cast<float>()}; }

// The (n, n) extras the lab never draws are dropped after the run: at n = 4096 each is 64 MB.
void drop_unused_extras(AttentionResult<float>& r) {
    r.extras.sel_s.resize(0, 0);
    r.extras.sel_f.resize(0, 0);
    r.extras.lssa_weights.resize(0, 0);
    r.extras.exact_weights.resize(0, 0);
}

}  // namespace

std::uint64_t column_key(const ComputeRequest& req, const SceneColumn& c) {
    std::uint64_t h = 1469598103934665603ULL;
    h = fnv(h, std::to_string(req.data_revision));
    h = fnv(h, req.backend);
    h = fnv(h, variant_name(c.kind));
    h = fnv(h, params_to_json(c.kind, c.params, nlohmann::json::object()).dump());
    h = fnv(h, req.full_weights ? "full" : "pooled");
    return h;
}

std::vector<std::shared_ptr<const ColumnCompute>> compute_columns(
    const ComputeRequest& req, const std::map<std::uint64_t, std::shared_ptr<const ColumnCompute>>& cache) {
    std::vector<std::shared_ptr<const ColumnCompute>> out(req.columns.size());
    const SceneTokens& tokens = *req.tokens;
    const reference::ProblemShape shape{tokens.n(), tokens.d(), tokens.dv(), req.causal};
    AttentionBackend* backend = nullptr;
    std::string backend_error;
    try {
        backend = &lab_backend(req.backend);
    } catch (const std::exception& e) {
        backend_error = e.what();
    }

    // Columns to compute: not cached, valid for this shape, supported by the backend. Invalid ones get the
    // reason (reference::validate's message names the parameter and the fix).
    std::vector<std::shared_ptr<ColumnCompute>> todo;
    std::vector<std::size_t> todo_index;
    for (std::size_t i = 0; i < req.columns.size(); ++i) {
        const SceneColumn& col = req.columns[i];
        const std::uint64_t key = column_key(req, col);
        if (auto it = cache.find(key); it != cache.end()) {
            out[i] = it->second;
            continue;
        }
        auto cc = std::make_shared<ColumnCompute>();
        cc->column_id = col.id;
        cc->key = key;
        cc->kind = col.kind;
        out[i] = cc;
        if (!backend) {
            cc->error = backend_error;
            continue;
        }
        try {
            reference::validate(col.kind, shape, col.params);
        } catch (const InputError& e) {
            cc->error = e.what();
            continue;
        }
        if (!backend->supports(col.kind, col.params)) {
            cc->error =
                "the " + std::string(backend->name()) + " backend does not support these parameters; switch backend";
            continue;
        }
        todo.push_back(cc);
        todo_index.push_back(i);
    }
    if (todo.empty()) return out;

    // One batch: the backend spreads the columns' row blocks over its threads (and shares the Q, K, V cast).
    const FloatInput in = float_input(tokens);
    std::vector<BackendProblem> problems;
    for (std::size_t t = 0; t < todo.size(); ++t) {
        const SceneColumn& col = req.columns[todo_index[t]];
        problems.push_back({col.kind, &col.params, &in.q, &in.k, &in.v, req.causal});
    }
    BackendOptions options;
    options.want_weights = req.full_weights;
    options.want_metrics = true;
    options.want_implied = false;
    options.want_extras = true;
    if (!req.full_weights) options.display_rows = options.display_cols = std::min(kDisplayMapCells, tokens.n());
    std::vector<BackendResult> results(problems.size());
    const auto t0 = Clock::now();
    auto run_one = [&](std::size_t t) {
        try {
            backend->run(std::span<const BackendProblem>(&problems[t], 1), options,
                         std::span<BackendResult>(&results[t], 1));
        } catch (const std::bad_alloc&) {
            todo[t]->error = "out of memory at n = " + std::to_string(tokens.n()) + "; reduce the length";
        } catch (const std::exception& e) {
            todo[t]->error = e.what();
        }
    };
    try {
        backend->run(problems, options, results);
    } catch (const std::exception&) {
        // Validation passed, so this is rare (memory, a backend limit): run one by one to tell which column failed.
        for (std::size_t t = 0; t < problems.size(); ++t) run_one(t);
    }
    const double ms = ms_since(t0);
    for (std::size_t t = 0; t < todo.size(); ++t) {
        ColumnCompute& cc = *todo[t];
        cc.ms = ms;  // the batch's time: its columns run interleaved on the backend's threads
        if (!cc.error.empty()) continue;
        cc.result = std::move(results[t].result);
        cc.display_map = std::move(results[t].display_map);
        drop_unused_extras(cc.result);
    }
    return out;
}

std::map<int, std::shared_ptr<const ImpliedRows>> compute_implied_batch(
    const ComputeRequest& req, const std::vector<const SceneColumn*>& columns) {
    std::map<int, std::shared_ptr<const ImpliedRows>> out;
    for (const SceneColumn* c : columns) out[c->id] = std::make_shared<ImpliedRows>();
    try {
        AttentionBackend& backend = lab_backend(req.backend);
        const FloatInput in = float_input(*req.tokens);
        std::vector<BackendProblem> problems;
        for (const SceneColumn* c : columns) problems.push_back({c->kind, &c->params, &in.q, &in.k, &in.v, req.causal});
        BackendOptions options;
        options.want_weights = false;
        options.want_metrics = true;
        options.want_implied = true;
        options.want_extras = false;
        std::vector<BackendResult> results(problems.size());
        backend.run(problems, options, results);
        for (std::size_t t = 0; t < columns.size(); ++t) {
            auto rows = std::make_shared<ImpliedRows>();
            rows->value = std::move(results[t].result.implied_temperature);
            rows->flag = std::move(results[t].result.implied_flag);
            out[columns[t]->id] = rows;
        }
    } catch (const std::exception&) {
        // Failing columns show their error already; their strip stays blank.
    }
    return out;
}

std::shared_ptr<const NumericsResult> compute_numerics(const ComputeRequest& req) {
    auto res = std::make_shared<NumericsResult>();
    if (!req.numerics) return res;
    const SceneColumn* col = nullptr;
    for (const SceneColumn& c : req.columns)
        if (c.id == req.numerics->column) col = &c;
    if (!col) {
        res->error = "pick a column";
        return res;
    }
    res->column_id = col->id;
    try {
        const SceneTokens& t = *req.tokens;
        const AttentionInput<double> in_d{t.q, t.k, t.v, req.causal};
        const AttentionResult<double> truth = reference::attend<double>(col->kind, in_d, col->params);
        AttentionBackend& backend = lab_backend(req.backend);
        const FloatInput in = float_input(t);
        const BackendProblem problem{col->kind, &col->params, &in.q, &in.k, &in.v, req.causal};
        BackendOptions options;
        options.want_weights = true;
        options.want_metrics = false;
        options.want_extras = false;
        BackendResult result;
        backend.run(std::span<const BackendProblem>(&problem, 1), options, std::span<BackendResult>(&result, 1));
        const MatF& wf = result.result.weights;
        const Eigen::Index n = truth.weights.rows();
        res->diff.resize(n, n);
        for (Eigen::Index i = 0; i < n; ++i) {
            double row_f = 0.0, row_d = 0.0;
            for (Eigen::Index j = 0; j < n; ++j) {
                const double d = static_cast<double>(wf(i, j)) - truth.weights(i, j);
                res->diff(i, j) = static_cast<float>(d);
                res->max_abs_weight_error = std::max(res->max_abs_weight_error, std::abs(d));
                row_f += wf(i, j);
                row_d += truth.weights(i, j);
            }
            res->max_row_sum_error = std::max(res->max_row_sum_error, std::abs(row_f - row_d));
            const double on = truth.output.row(i).norm();
            const double err = (result.result.output.row(i).cast<double>() - truth.output.row(i)).norm();
            res->max_rel_output_error = std::max(res->max_rel_output_error, err / std::max(on, 1e-30));
        }
    } catch (const std::exception& e) {
        res->error = e.what();
    }
    return res;
}

float displayed_weight(const ColumnCompute& c, int n, int i, int j, bool* exact) {
    if (c.has_full_weights()) {
        if (exact) *exact = true;
        return c.result.weights(i, j);
    }
    if (exact) *exact = false;
    const int cells = static_cast<int>(c.display_map.rows());
    if (cells == 0 || n == 0) return 0.0f;
    const int a = static_cast<int>(static_cast<long long>(i) * cells / n);
    const int b = static_cast<int>(static_cast<long long>(j) * cells / n);
    return c.display_map(a, b);
}

}  // namespace attnscope::gui
