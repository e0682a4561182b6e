#include "train_session.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>

#include "core/implied_temperature.hpp"
#include "core/errors.hpp"
#include "length_eval.hpp"

namespace attnscope::training {

void map_diagnostics(const MatF& w, const MatF& q, const MatF& k, std::vector<double>& entropy,
                     std::vector<double>& temperature) {
    const Eigen::Index n = w.rows();
    const double s = 1.0 / std::sqrt(static_cast<double>(q.cols()));
    const MatD b = s * q.cast<double>() * k.cast<double>().transpose();
    entropy.assign(static_cast<std::size_t>(n), 0.0);
    temperature.assign(static_cast<std::size_t>(n), std::nan(""));
    for (Eigen::Index i = 0; i < n; ++i) {
        double h = 0, total = 0;
        for (Eigen::Index j = 0; j <= i; ++j) total += w(i, j);
        for (Eigen::Index j = 0; j <= i; ++j) {
            const double p = w(i, j) / total;
            if (p > 0) h -= p * std::log(p);
        }
        entropy[static_cast<std::size_t>(i)] = h;
        const auto [t, flag] = implied_temperature(b.row(i).data(), static_cast<long>(i + 1), h);
        if (flag == ImpliedTemperatureFlag::Ok) temperature[static_cast<std::size_t>(i)] = t;
    }
}

TrainSession::TrainSession(model::ModelConfig config, std::string task, TrainOptions options,
                           std::vector<int> probe_tokens)
    : m_config(config), m_task(std::move(task)), m_options(options), m_probe(std::move(probe_tokens)) {
    Trainer check(m_config, m_task, m_options);  // validates everything on the caller's thread (InputError)
    (void)check;
    auto first = std::make_shared<SessionSnapshot>();
    first->total = m_options.steps;
    first->probe_tokens = m_probe;
    m_snapshot = first;
    m_thread = std::thread([this] { run(); });
}

TrainSession::~TrainSession() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void TrainSession::set_paused(bool paused) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_paused = paused;
    }
    m_wake.notify_all();
}

void TrainSession::step_once() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_paused = true;
        ++m_single;
    }
    m_wake.notify_all();
}

void TrainSession::reset() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_reset = true;
        m_paused = true;  // back at step 0, waiting for Start
    }
    m_wake.notify_all();
}

void TrainSession::save(const std::filesystem::path& path) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_saves.push_back(path);
    }
    m_wake.notify_all();
}

std::shared_ptr<const SessionSnapshot> TrainSession::snapshot() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_snapshot;
}

void TrainSession::refresh(Trainer& t, double tokens_per_s, double test_accuracy, const std::string& message) {
    auto s = std::make_shared<SessionSnapshot>();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        s->revision = m_snapshot->revision + 1;
        s->paused = m_paused;
        s->message = message.empty() ? m_snapshot->message : message;
    }
    s->step = t.steps_done();
    s->total = t.options().steps;
    s->finished = t.done();
    s->tokens_per_s = tokens_per_s;
    s->test_accuracy = test_accuracy;
    s->log = t.log();
    s->probe_tokens = m_probe;
    s->layers = m_config.n_layers;
    s->heads = m_config.n_heads;
    const std::size_t maps = static_cast<std::size_t>(s->layers * s->heads);
    s->maps.resize(maps);
    s->entropy.resize(maps);
    s->temperature.resize(maps);
    if (!m_probe.empty()) {
        model::ForwardHooks<float> hooks;
        hooks.observe = [&](int layer, int, const auto& q, const auto& k, const auto&, const model::AttentionCache<float>& c) {
            for (int h = 0; h < s->heads; ++h) {
                const std::size_t idx = static_cast<std::size_t>(layer * s->heads + h);
                s->maps[idx] = c.heads[static_cast<std::size_t>(h)].w;
                map_diagnostics(s->maps[idx], q[static_cast<std::size_t>(h)], k[static_cast<std::size_t>(h)],
                                s->entropy[idx], s->temperature[idx]);
            }
        };
        (void)t.model().logits(m_probe, &hooks);
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    m_snapshot = s;
}

void TrainSession::run() {
    auto trainer = std::make_unique<Trainer>(m_config, m_task, m_options);
    double test_accuracy = -1.0, rate = 0.0;
    long long tokens = 0;
    auto window_start = std::chrono::steady_clock::now();
    auto last_refresh = window_start - std::chrono::seconds(1);
    refresh(*trainer, 0.0, -1.0, "");
    int threads_set = 0;
    for (;;) {
        if (const int t = m_threads.load(); t > 0 && t != threads_set) omp_set_num_threads(threads_set = t);
        std::vector<std::filesystem::path> saves;
        bool do_reset = false, do_step = false;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(50), [&] {
                return m_stop || m_reset || !m_saves.empty() || m_single > 0 || (!m_paused && !trainer->done());
            });
            if (m_stop) return;
            saves.swap(m_saves);
            do_reset = std::exchange(m_reset, false);
            if (m_single > 0) {
                --m_single;
                do_step = true;
            } else {
                do_step = !m_paused;
            }
        }
        std::string message;
        if (do_reset) {
            trainer = std::make_unique<Trainer>(m_config, m_task, m_options);
            test_accuracy = -1.0;
            message = "reset to step 0";
            do_step = false;
        }
        for (const auto& p : saves) {
            try {
                save_checkpoint(p, trainer->checkpoint(true));
                message = "saved " + p.string();
            } catch (const std::exception& e) {
                message = std::string("save failed: ") + e.what();
            }
        }
        if (do_step && !trainer->done()) {
            try {
                const StepInfo s = trainer->step();
                tokens += s.tokens;
                if (s.step % m_options.eval_every == 0 || trainer->done()) test_accuracy = trainer->evaluate().accuracy;
            } catch (const std::exception& e) {
                auto snap = std::make_shared<SessionSnapshot>(*snapshot());
                snap->error = e.what();
                snap->revision++;
                std::lock_guard<std::mutex> lock(m_mutex);
                m_snapshot = snap;
                m_paused = true;
                continue;
            }
        }
        const auto now = std::chrono::steady_clock::now();
        const double window = std::chrono::duration<double>(now - window_start).count();
        if (window > 1.0) {
            rate = tokens / window;
            tokens = 0;
            window_start = now;
        }
        bool paused;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            paused = m_paused;
        }
        // refresh after work (at most every 0.2 s while running), and when the pause state changed
        const bool stepped = do_step || !message.empty();
        const bool state_changed = snapshot()->paused != paused;
        if (state_changed || (stepped && (paused || trainer->done() || !message.empty() ||
                                          now - last_refresh > std::chrono::milliseconds(200)))) {
            if (paused || trainer->done()) rate = 0.0;
            refresh(*trainer, rate, test_accuracy, message);
            last_refresh = now;
        }
    }
}

}  // namespace attnscope::training
