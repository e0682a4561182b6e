#include "app/gui/length_panel_state.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>

#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/tasks/task.hpp"
#include "core/training/length_eval.hpp"

namespace attnscope::gui {

std::vector<std::pair<int, int>> plan_length_points(const std::vector<training::Checkpoint>& models,
                                                    const LengthJobSpec& spec) {
    std::vector<std::pair<int, int>> plan;
    for (std::size_t m = 0; m < models.size(); ++m) {
        std::vector<int> ls = spec.lengths;
        if (ls.empty())
            for (int f : spec.factors) ls.push_back(f * models[m].config.train_len);
        std::sort(ls.begin(), ls.end());
        ls.erase(std::unique(ls.begin(), ls.end()), ls.end());
        for (int n : ls) plan.emplace_back(static_cast<int>(m), n);
    }
    return plan;
}

LengthJob::~LengthJob() {
    cancel();
    if (m_thread.joinable()) m_thread.join();
}

void LengthJob::start(const LengthJobSpec& spec) {
    if (spec.model_paths.empty()) throw InputError("Models", "none is chosen", "tick a shipped model or add a file");
    if (spec.samples < 1 || spec.samples > 100000) throw InputError("Samples", "is out of range", "use 1..100000");
    if (spec.lengths.empty() && spec.factors.empty())
        throw InputError("Lengths", "none is chosen", "tick at least one multiple of the training length");
    for (int f : spec.factors)
        if (f < 1 || f > 64) throw InputError("Lengths", "a multiple is outside 1..64", "use 1x to 16x");
    for (int n : spec.lengths)
        if (n < 2 || n > 65536) throw InputError("Lengths", std::to_string(n) + " is outside 2..65536", "");
    std::vector<training::Checkpoint> cks;
    for (const auto& p : spec.model_paths) cks.push_back(training::load_checkpoint(p));  // throws naming the file
    auto plan = plan_length_points(cks, spec);

    cancel();
    if (m_thread.joinable()) m_thread.join();
    auto r = std::make_shared<LengthResults>();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        r->revision = m_results->revision + 1;
    }
    for (std::size_t i = 0; i < cks.size(); ++i) {
        LengthModelInfo info;
        info.path = spec.model_paths[i];
        info.name = std::filesystem::path(info.path).filename().string();
        info.variant = std::string(variant_name(cks[i].config.variant));
        info.task = cks[i].task;
        info.train_len = cks[i].config.train_len;
        r->models.push_back(std::move(info));
    }
    r->total = static_cast<int>(plan.size());
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_results = r;
    }
    m_cancel = false;
    m_running = true;
    m_thread = std::thread([this, cks = std::move(cks), plan = std::move(plan), samples = spec.samples]() mutable {
        run(std::move(cks), std::move(plan), samples);
    });
}

void LengthJob::cancel() { m_cancel = true; }

void LengthJob::wait() {
    if (m_thread.joinable()) m_thread.join();
}

std::shared_ptr<const LengthResults> LengthJob::results() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_results;
}

void LengthJob::run(std::vector<training::Checkpoint> cks, std::vector<std::pair<int, int>> plan, int samples) {
    // Leave a core to the UI thread (and the window's software rasteriser): OpenMP's thread count is per thread, so
    // this affects only this worker's evaluations.
    omp_set_num_threads(std::max(1, omp_get_num_procs() - 1));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<model::Transformer<float>>> models(cks.size());
    std::vector<std::unique_ptr<tasks::Task>> tasks(cks.size());
    auto publish = [&](auto&& change) {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto next = std::make_shared<LengthResults>(*m_results);
        ++next->revision;
        next->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        change(*next);
        m_results = std::move(next);
    };
    for (const auto& [mi, n] : plan) {
        if (m_cancel) break;
        const training::Checkpoint& ck = cks[static_cast<std::size_t>(mi)];
        LengthEntry e;
        e.model = mi;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            const LengthModelInfo& info = m_results->models[static_cast<std::size_t>(mi)];
            e.row.model = info.name;
            e.row.variant = info.variant;
        }
        e.row.task = ck.task;
        e.row.train_len = ck.config.train_len;
        e.row.length = n;
        if (ck.config.positions == model::PositionKind::Learned && n > ck.config.max_positions) {
            e.row.available = false;
            e.note = "learned positions end at " + std::to_string(ck.config.max_positions);
        } else {
            try {
                auto& m = models[static_cast<std::size_t>(mi)];
                auto& t = tasks[static_cast<std::size_t>(mi)];
                if (!m) {
                    m = std::make_unique<model::Transformer<float>>(ck.config);
                    m->params() = ck.params;
                    t = tasks::make_task(ck.task);
                }
                e.row.point = training::evaluate_at_length(*m, *t, n, samples, true);
            } catch (const std::exception& ex) {
                e.row.available = false;
                e.note = ex.what();
            }
        }
        publish([&](LengthResults& r) {
            r.entries.push_back(std::move(e));
            ++r.done;
        });
    }
    const bool cancelled = m_cancel.load();
    publish([&](LengthResults& r) {
        r.finished = true;
        r.cancelled = cancelled && r.done < r.total;
    });
    m_running = false;
}

std::string length_results_csv(const LengthResults& r) {
    std::string s = training::length_csv_header();
    for (const LengthEntry& e : r.entries) s += training::length_csv_row(e.row);
    return s;
}

std::string length_results_positions_csv(const LengthResults& r) {
    std::string s = training::length_positions_csv_header();
    for (const LengthEntry& e : r.entries) s += training::length_positions_csv_rows(e.row);
    return s;
}

void export_length_csv(const LengthResults& r, const std::filesystem::path& path,
                       const std::filesystem::path& positions_path) {
    if (r.entries.empty()) throw InputError("CSV file", "there are no results yet", "run the evaluation first");
    check_writable(path, "CSV file");
    if (!positions_path.empty()) check_writable(positions_path, "CSV file");
    const std::string table = length_results_csv(r);
    write_file_atomically(path, [&](std::ostream& os) { os << table; });
    if (!positions_path.empty()) {
        const std::string pos = length_results_positions_csv(r);
        write_file_atomically(positions_path, [&](std::ostream& os) { os << pos; });
    }
}

}  // namespace attnscope::gui
