#include "app/gui/scheduler.hpp"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace attnscope::gui {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    a ^= b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2);
    return a * 1099511628211ULL;
}

MapSource source_of(const ColumnCompute& c, int n, bool causal) {
    MapSource s;
    s.n = n;
    s.causal = causal;
    if (c.has_full_weights())
        s.full = &c.result.weights;
    else
        s.pooled = &c.display_map;
    if (c.result.extras.pruned.size() > 0) s.pruned = &c.result.extras.pruned;
    return s;
}

}  // namespace

Scheduler::Scheduler(Mode mode) : m_mode(mode) {
    if (m_mode == Mode::Async) m_thread = std::thread([this] { worker(); });
}

Scheduler::~Scheduler() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void Scheduler::submit(ComputeRequest request) {
    if (m_mode == Mode::Sync) {
        process(request);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_pending = std::move(request);  // an older pending request is dropped here
    }
    m_cv.notify_one();
}

std::shared_ptr<const ResultSet> Scheduler::latest() const {
    std::lock_guard lock(m_mutex);
    return m_latest;
}

bool Scheduler::idle() const {
    std::lock_guard lock(m_mutex);
    return !m_pending && !m_busy;
}

bool Scheduler::wait_for(std::uint64_t id, double timeout_ms) const {
    std::unique_lock lock(m_mutex);
    return m_done_cv.wait_for(lock, std::chrono::duration<double, std::milli>(timeout_ms),
                              [&] { return m_latest && m_latest->request_id >= id; });
}

void Scheduler::set_on_publish(std::function<void()> f) {
    std::lock_guard lock(m_mutex);
    m_on_publish = std::move(f);
}

double Scheduler::last_pass_ms() const {
    std::lock_guard lock(m_mutex);
    return m_last_pass_ms;
}

bool Scheduler::newer_pending(std::uint64_t id) const {
    if (m_mode == Mode::Sync) return false;
    std::lock_guard lock(m_mutex);
    return m_pending && m_pending->request_id > id;
}

void Scheduler::publish(std::shared_ptr<const ResultSet> r) {
    std::function<void()> notify;
    {
        std::lock_guard lock(m_mutex);
        m_latest = std::move(r);
        notify = m_on_publish;
    }
    m_done_cv.notify_all();
    if (notify) notify();
}

void Scheduler::worker() {
    for (;;) {
        ComputeRequest req;
        {
            std::unique_lock lock(m_mutex);
            m_busy = false;
            m_done_cv.notify_all();
            m_cv.wait(lock, [&] { return m_stop || m_pending.has_value(); });
            if (m_stop) return;
            req = std::move(*m_pending);
            m_pending.reset();
            m_busy = true;
        }
        try {
            process(req);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "attnscope: compute failed: %s\n", e.what());
        }
    }
}

void Scheduler::process(const ComputeRequest& req) {
    const auto t0 = Clock::now();
    const int n = req.tokens->n();
    // Maps up to n = 1024 run on this thread alone. An OpenMP team costs more in barriers than it saves on short rows
    // (measured on our loaded 2-core machine: 30-100 ms per call at n = 24 with two threads, 0.02 ms with one; at
    // n = 1024 a drag pass took 333 ms median with one thread and 554 ms with two), and the UI thread keeps a core for
    // drawing. The setting is this thread's own (OpenMP's nthreads-var is per thread).
    // OMP_NUM_THREADS, when set, wins (for measurements).
    static const bool user_threads = std::getenv("OMP_NUM_THREADS") != nullptr;
    if (!user_threads) omp_set_num_threads(n <= kSerialMaxN ? 1 : omp_get_num_procs());
    auto rs = std::make_shared<ResultSet>();
    rs->request_id = req.request_id;
    rs->data_revision = req.data_revision;
    rs->tokens = req.tokens;
    rs->causal = req.causal;
    rs->backend = req.backend;

    // 1. Numbers for every column: cached by key; long maps through the backend's incremental session when it has
    // one (a drag changes one row per frame); otherwise one batch run.
    bool all_cached = true;
    for (const SceneColumn& c : req.columns) all_cached &= m_columns.count(column_key(req, c)) > 0;
    std::vector<std::shared_ptr<const ColumnCompute>> computed;
    if (all_cached || !m_session.compute(req, computed)) computed = compute_columns(req, m_columns);
    std::map<std::uint64_t, std::shared_ptr<const ColumnCompute>> columns;
    std::map<std::uint64_t, std::shared_ptr<const HeatmapImage>> images;
    std::map<std::uint64_t, std::shared_ptr<const ImpliedRows>> implied;
    for (std::size_t i = 0; i < req.columns.size(); ++i) {
        const auto& cc = computed[i];
        columns[cc->key] = cc;
        ColumnSlot& slot = rs->columns[req.columns[i].id];
        slot.compute = cc;
        if (auto it = m_implied.find(cc->key); it != m_implied.end()) {
            slot.implied = it->second;
            implied[cc->key] = it->second;
        }
        // 2. The column's image for its panel.
        auto d = req.displays.find(req.columns[i].id);
        if (d == req.displays.end() || !cc->error.empty()) continue;
        const std::uint64_t ikey = mix(cc->key, display_spec_hash(d->second));
        auto it = m_images.find(ikey);
        if (it == m_images.end())
            it = m_images
                     .emplace(ikey, std::make_shared<HeatmapImage>(
                                        build_weight_image(source_of(*cc, n, req.causal), d->second, ikey)))
                     .first;
        images[ikey] = it->second;
        slot.image = it->second;
    }

    // 3. The difference view: a - b on the diverging map, symmetric limits over the whole map.
    if (req.diff) {
        const ColumnSlot* a = rs->column(req.diff->a);
        const ColumnSlot* b = rs->column(req.diff->b);
        if (a && b && a->compute->error.empty() && b->compute->error.empty()) {
            const ColumnCompute& ca = *a->compute;
            const ColumnCompute& cb = *b->compute;
            const bool full = ca.has_full_weights() && cb.has_full_weights();
            const MatF& ma = full ? ca.result.weights : ca.display_map;
            const MatF& mb = full ? cb.result.weights : cb.display_map;
            if (ma.rows() == mb.rows() && ma.size() > 0) {
                const std::uint64_t ikey = mix(mix(ca.key, cb.key), mix(display_spec_hash(req.diff->display), 0xD1FF));
                auto it = m_images.find(ikey);
                if (it == m_images.end()) {
                    MapSource src = source_of(ca, n, req.causal);
                    const double limit = max_abs_difference(ma, &mb, full && req.causal);
                    auto img = std::make_shared<HeatmapImage>(
                        build_signed_image(src, &mb, limit > 0 ? limit : 1e-12, req.diff->display, ikey));
                    it = m_images.emplace(ikey, std::move(img)).first;
                }
                images[ikey] = it->second;
                rs->diff_image = it->second;
                rs->diff_max_abs = it->second->hi > 1e-12 ? it->second->hi : 0.0;
            }
        }
    }

    // 4. The numerics view (on demand: a double-precision reference run).
    std::map<std::uint64_t, std::shared_ptr<const NumericsResult>> numerics;
    if (req.numerics) {
        const ColumnSlot* c = rs->column(req.numerics->column);
        if (c) {
            const std::uint64_t nkey = mix(mix(c->compute->key, 0x4E0), display_spec_hash(req.numerics->display));
            auto it = m_numerics.find(nkey);
            if (it == m_numerics.end()) {
                auto res = std::const_pointer_cast<NumericsResult>(compute_numerics(req));
                res->key = nkey;
                if (res->error.empty() && res->diff.size() > 0) {
                    MapSource src;
                    src.full = &res->diff;
                    src.n = n;
                    src.causal = req.causal;
                    const double limit = res->max_abs_weight_error > 0 ? res->max_abs_weight_error : 1e-12;
                    res->image = std::make_shared<HeatmapImage>(
                        build_signed_image(src, nullptr, limit, req.numerics->display, nkey));
                }
                it = m_numerics.emplace(nkey, std::move(res)).first;
            }
            numerics[nkey] = it->second;
            rs->numerics = it->second;
        }
    }

    m_columns = std::move(columns);
    m_images = std::move(images);
    m_numerics = std::move(numerics);
    m_implied = implied;
    rs->implied_complete = !req.want_implied;
    if (req.want_implied) {
        bool all = true;
        for (const auto& [id, slot] : rs->columns) all &= slot.implied != nullptr || !slot.compute->error.empty();
        rs->implied_complete = all;
    }
    rs->compute_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    {
        std::lock_guard lock(m_mutex);
        m_last_pass_ms = rs->compute_ms;
    }
    publish(rs);
    if (rs->implied_complete) return;

    // 5. The slow part, one column at a time, once edits have paused: a drag keeps sending requests, and a bisection
    // pass of hundreds of milliseconds at n = 1024 must not stand between two of its frames. A newer request cancels
    // it (its own pass redoes what is missing).
    if (m_mode == Mode::Async) {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, std::chrono::milliseconds(kImpliedDebounceMs),
                      [&] { return m_stop || m_pending.has_value(); });
        if (m_stop || m_pending) return;
        lock.unlock();
        m_session.refresh();  // the drag has paused: drop the rounding drift of its incremental updates
    }
    for (const SceneColumn& col : req.columns) {
        ColumnSlot slot = rs->columns[col.id];
        if (slot.implied || !slot.compute->error.empty()) continue;
        if (newer_pending(req.request_id)) return;
        auto rows = compute_implied_batch(req, {&col}).at(col.id);
        m_implied[slot.compute->key] = rows;
        auto next = std::make_shared<ResultSet>(*rs);
        next->columns[col.id].implied = rows;
        bool all = true;
        for (const auto& [id, s] : next->columns) all &= s.implied != nullptr || !s.compute->error.empty();
        next->implied_complete = all;
        rs = next;
        publish(rs);
    }
}

}  // namespace attnscope::gui
