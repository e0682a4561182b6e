// model_session.cpp — see model_session.hpp.
//
// Index: [SECTION] Shipped models · Query and plane maths · Checkpoint and sequence · Undo · Probes (worker)
#include "app/gui/model_session.hpp"

#include <omp.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "app/cli/asset_paths.hpp"
#include "core/errors.hpp"

namespace attnscope::gui {

// =====================================================================================================================
// [SECTION] Shipped models
// =====================================================================================================================

std::vector<ShippedModel> shipped_models() {
    std::vector<ShippedModel> out;
    std::filesystem::path dir;
    try {
        dir = cli::find_asset("models");
    } catch (const InputError&) {
        return out;  // no assets folder: the path field still works
    }
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".safetensors") out.push_back({e.path().filename().string(), e.path().string()});
    std::sort(out.begin(), out.end(), [](const ShippedModel& a, const ShippedModel& b) { return a.name < b.name; });
    return out;
}

std::string default_model_path() {
    const std::vector<ShippedModel> models = shipped_models();
    for (const ShippedModel& m : models)
        if (m.name == "induction_dpa.safetensors") return m.path;
    return models.empty() ? std::string() : models.front().path;
}

// =====================================================================================================================
// [SECTION] Query and plane maths
// =====================================================================================================================

namespace {

bool same_override(const std::optional<model::ProbeOverride>& a, const std::optional<model::ProbeOverride>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    return a->token == b->token && a->is_query == b->is_query && a->vec.size() == b->vec.size() && a->vec == b->vec;
}

// Keys of published images: unique across sessions, so a texture slot never mistakes a new image for an old one.
std::uint64_t next_image_key() {
    static std::atomic<std::uint64_t> counter{0x6D6F64656C000000ull};  // "model" in the high bytes
    return ++counter;
}

std::shared_ptr<const HeatmapImage> weight_image(const MatF& w, const DisplaySpec& base, int px) {
    if (w.rows() == 0) return nullptr;
    const int n = static_cast<int>(w.rows());
    DisplaySpec spec = base;
    // One texel per cell while the panel has a pixel per cell; else max-pooled blocks (spikes stay visible).
    spec.px_w = spec.px_h = std::min(n, px > 0 ? px : 768);
    spec.view = {};
    MapSource src;
    src.full = &w;
    src.n = n;
    src.causal = true;
    return std::make_shared<HeatmapImage>(build_weight_image(src, spec, next_image_key()));
}

}  // namespace

bool same_probe(const ModelQuery& a, const ModelQuery& b) {
    return a.tokens == b.tokens && a.layer == b.layer && a.head == b.head && a.position == b.position &&
           a.variants == b.variants && same_override(a.override_qk, b.override_qk);
}

bool ModelQuery::operator==(const ModelQuery& o) const {
    return same_probe(*this, o) && display == o.display && own_px == o.own_px && card_px == o.card_px &&
           thumb_px == o.thumb_px;
}

model::ProbeRequest make_probe_request(const ModelQuery& q) {
    model::ProbeRequest r;
    r.tokens = q.tokens;
    r.layer = q.layer;
    r.head = q.head;
    r.position = q.position;
    r.variants = q.variants;
    r.override_qk = q.override_qk;
    return r;
}

QkPlane qk_plane(const MatF& q, const MatF& k) {
    const Eigen::Index d = q.cols();
    QkPlane p;
    p.ex = Eigen::VectorXd::Zero(d);
    p.ey = Eigen::VectorXd::Zero(d);
    if (d == 0) return p;
    // M = [Q; K]^T [Q; K] (d, d): its top eigenvectors span the plane that best keeps the rows (and so their dot
    // products). SelfAdjointEigenSolver sorts eigenvalues ascending.
    const Eigen::MatrixXd qd = q.cast<double>(), kd = k.cast<double>();
    const Eigen::MatrixXd m = qd.transpose() * qd + kd.transpose() * kd;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);
    p.ex = es.eigenvectors().col(d - 1);
    if (d > 1) p.ey = es.eigenvectors().col(d - 2);
    // A sign convention so the canvas does not flip between probes: the largest coordinate is positive.
    auto orient = [](Eigen::VectorXd& v) {
        Eigen::Index i = 0;
        v.cwiseAbs().maxCoeff(&i);
        if (v(i) < 0) v = -v;
    };
    orient(p.ex);
    if (d > 1) orient(p.ey);
    return p;
}

model::ProbeOverride dragged_override(int token, bool is_query, const Eigen::VectorXd& start, const QkPlane& plane,
                                      double dx, double dy) {
    model::ProbeOverride o;
    o.token = token;
    o.is_query = is_query;
    o.vec = start + dx * plane.ex + dy * plane.ey;
    return o;
}

// =====================================================================================================================
// [SECTION] Checkpoint and sequence
// =====================================================================================================================

ModelSession::ModelSession(Mode mode) : m_mode(mode) {
    if (m_mode == Mode::Async) std::thread([shared = m_shared] { worker(shared); }).detach();
}

ModelSession::~ModelSession() {
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->stop = true;
        m_shared->pending.reset();
    }
    m_shared->wake.notify_all();
}

bool ModelSession::open(const std::string& path) {
    if (path.empty()) {
        m_load_error = "No checkpoint path given: type the path of a .safetensors file or pick a shipped model.";
        return false;
    }
    try {
        training::Checkpoint ck = training::load_checkpoint(path);
        std::unique_ptr<tasks::Task> task = tasks::make_task(ck.task);
        if (task->vocab() != ck.vocab)
            throw InputError(InputErrorInfo{path, "vocab",
                                            "the checkpoint's vocabulary differs from task " + ck.task + "'s",
                                            "retrain the model with this version of attnscope"});
        auto m = std::make_shared<model::Transformer<float>>(ck.config);
        m->params() = ck.params;
        // Everything checked: only now replace the current model.
        const int old_n = static_cast<int>(m_query.tokens.size());
        m_checkpoint = std::move(ck);
        m_task = std::move(task);
        m_model = std::move(m);
        m_path = path;
        m_load_error.clear();
        m_input_error.clear();
        m_undo.clear();
        m_redo.clear();
        m_query.override_qk.reset();
        m_query.position = -1;
        clamp_query();
        generate(old_n > 0 ? old_n : m_checkpoint.config.train_len, 1);
        m_undo.clear();  // a new model starts a new history
        return true;
    } catch (const std::exception& e) {
        m_load_error = e.what();
        return false;
    }
}

int ModelSession::max_length() const {
    if (!loaded()) return 0;
    const model::ModelConfig& c = m_checkpoint.config;
    int limit = std::min(1024, 16 * c.train_len);
    if (c.positions == model::PositionKind::Learned) limit = std::min(limit, c.max_positions);
    return std::max(limit, 1);
}

std::string ModelSession::token_name(int id) const {
    if (!m_task || id < 0 || id >= static_cast<int>(m_task->vocab().size())) return "<?>";
    return m_task->vocab()[static_cast<std::size_t>(id)];
}

std::string ModelSession::text() const { return m_task ? tasks::detokenize(*m_task, m_query.tokens) : std::string(); }

bool ModelSession::set_text(std::string_view text) {
    if (!m_task) {
        m_input_error = "Open a checkpoint first: its task defines the tokens.";
        return false;
    }
    try {
        std::vector<int> ids = tasks::tokenize(*m_task, text);
        if (ids.empty()) throw InputError("tokens", "the sequence is empty", "type at least one token");
        if (static_cast<int>(ids.size()) > max_length())
            throw InputError("tokens", std::to_string(ids.size()) + " tokens is too long",
                             "use at most " + std::to_string(max_length()) + " tokens with this model");
        if (ids == m_query.tokens) {
            m_input_error.clear();
            return true;
        }
        begin_edit();
        m_query.tokens = std::move(ids);
        m_expected_next = -1;
        m_query.override_qk.reset();
        clamp_query();
        m_input_error.clear();
        return true;
    } catch (const InputError& e) {
        m_input_error = e.what();
        return false;
    }
}

void ModelSession::generate(int n, std::uint64_t seed) {
    if (!m_task) return;
    n = std::clamp(n, std::max(1, m_task->min_length()), std::max(m_task->min_length(), max_length()));
    begin_edit();
    model::Rng rng(seed);
    const tasks::Sample s = m_task->generate(rng, n);
    m_query.tokens.assign(s.tokens.begin(), s.tokens.begin() + n);
    // The next token is determined by the task only where the sample marks an answer.
    m_expected_next =
        !s.answer.empty() && s.answer[static_cast<std::size_t>(n - 1)] ? s.tokens[static_cast<std::size_t>(n)] : -1;
    m_query.override_qk.reset();
    m_input_error.clear();
    clamp_query();
}

void ModelSession::set_token(int pos, int id) {
    if (!m_task || pos < 0 || pos >= static_cast<int>(m_query.tokens.size())) return;
    if (id < 0 || id >= static_cast<int>(m_task->vocab().size())) return;
    if (m_query.tokens[static_cast<std::size_t>(pos)] == id) return;
    begin_edit();
    m_query.tokens[static_cast<std::size_t>(pos)] = id;
    m_expected_next = -1;
}

void ModelSession::erase_token(int pos) {
    if (pos < 0 || pos >= static_cast<int>(m_query.tokens.size()) || m_query.tokens.size() <= 1) return;
    begin_edit();
    m_query.tokens.erase(m_query.tokens.begin() + pos);
    m_expected_next = -1;
    if (m_query.override_qk && m_query.override_qk->token >= static_cast<int>(m_query.tokens.size()))
        m_query.override_qk.reset();
    clamp_query();
}

void ModelSession::append_token(int id) {
    if (!m_task || id < 0 || id >= static_cast<int>(m_task->vocab().size())) return;
    if (static_cast<int>(m_query.tokens.size()) >= max_length()) return;
    begin_edit();
    m_query.tokens.push_back(id);
    m_expected_next = -1;
    clamp_query();
}

void ModelSession::clamp_query() {
    const model::ModelConfig& c = m_checkpoint.config;
    m_query.layer = std::clamp(m_query.layer, 0, std::max(0, c.n_layers - 1));
    m_query.head = std::clamp(m_query.head, 0, std::max(0, c.n_heads - 1));
    const int n = static_cast<int>(m_query.tokens.size());
    if (m_query.position >= n) m_query.position = -1;
}

void ModelSession::set_layer(int layer) {
    layer = std::clamp(layer, 0, std::max(0, m_checkpoint.config.n_layers - 1));
    if (layer == m_query.layer) return;
    if (m_query.override_qk) begin_edit();
    m_query.layer = layer;
    m_query.override_qk.reset();
}

void ModelSession::set_head(int head) {
    head = std::clamp(head, 0, std::max(0, m_checkpoint.config.n_heads - 1));
    if (head == m_query.head) return;
    if (m_query.override_qk) begin_edit();
    m_query.head = head;
    m_query.override_qk.reset();
}

void ModelSession::set_position(int position) {
    const int n = static_cast<int>(m_query.tokens.size());
    m_query.position = position < 0 || position >= n - 1 ? -1 : position;
}

int ModelSession::read_position() const {
    const int n = static_cast<int>(m_query.tokens.size());
    return m_query.position < 0 ? n - 1 : m_query.position;
}

void ModelSession::set_variants(std::vector<VariantKind> variants) { m_query.variants = std::move(variants); }

void ModelSession::set_display(const DisplaySpec& display) {
    DisplaySpec d = display;
    d.px_w = d.px_h = 0;  // set per image
    d.view = {};
    m_query.display = d;
}

void ModelSession::set_image_sizes(int own_px, int card_px, int thumb_px) {
    m_query.own_px = std::max(own_px, 0);
    m_query.card_px = std::max(card_px, 0);
    m_query.thumb_px = std::max(thumb_px, 0);
}

void ModelSession::set_override(model::ProbeOverride o, std::uint64_t gesture) {
    if (o.token < 0 || o.token >= static_cast<int>(m_query.tokens.size())) return;
    begin_edit(gesture);
    m_query.override_qk = std::move(o);
}

void ModelSession::clear_override() {
    if (!m_query.override_qk) return;
    begin_edit();
    m_query.override_qk.reset();
}

// =====================================================================================================================
// [SECTION] Undo
// =====================================================================================================================

void ModelSession::remember() {
    m_undo.push_back({m_query.tokens, m_query.override_qk, m_expected_next});
    if (m_undo.size() > 200) m_undo.erase(m_undo.begin());
    m_redo.clear();
}

void ModelSession::begin_edit(std::uint64_t gesture) {
    if (gesture != 0 && gesture == m_gesture) return;  // the rest of a drag: same undo step
    m_gesture = gesture;
    if (!m_query.tokens.empty()) remember();
}

// Moves the current state onto `to` and the newest state of `from` into the session (undo: from = undo, to = redo).
bool ModelSession::step(std::vector<Snapshot>& from, std::vector<Snapshot>& to) {
    if (from.empty()) return false;
    to.push_back({m_query.tokens, m_query.override_qk, m_expected_next});
    Snapshot s = std::move(from.back());
    from.pop_back();
    m_query.tokens = std::move(s.tokens);
    m_query.override_qk = std::move(s.override_qk);
    m_expected_next = s.expected_next;
    m_gesture = 0;
    clamp_query();
    return true;
}

bool ModelSession::undo() { return step(m_undo, m_redo); }
bool ModelSession::redo() { return step(m_redo, m_undo); }

// =====================================================================================================================
// [SECTION] Probes (worker)
// =====================================================================================================================

std::shared_ptr<const ModelProbe> ModelSession::run_job(const Job& job, Shared& shared) {
    const auto t0 = std::chrono::steady_clock::now();
    auto p = std::make_shared<ModelProbe>();
    p->request_id = job.id;
    p->tokens = job.query.tokens;
    p->layer = job.query.layer;
    p->head = job.query.head;
    // One sequence gives the model's OpenMP loops (over the batch) one iteration: a team would only add its start and
    // barrier, which on a busy 2-core machine cost up to ~400 ms a probe (measured: n = 64, 15 ms with one thread).
    const int saved_threads = omp_get_max_threads();
    omp_set_num_threads(1);
    bool reused = false;
    try {
        // Only the panels' sizes or colours changed (a resize, a colour map): reuse the numbers, redo the images.
        reused = shared.computed && shared.computed->error.empty() && shared.computed_query &&
                 shared.computed_model == job.model && same_probe(*shared.computed_query, job.query);
        if (reused)
            p->result = shared.computed->result;
        else
            p->result = model::probe(*job.model, make_probe_request(job.query));
        const ModelQuery& q = job.query;
        p->own_image = weight_image(p->result.own_weights, q.display, q.own_px);
        for (const MatF& w : p->result.all_heads) p->head_images.push_back(weight_image(w, q.display, q.thumb_px));
        for (const model::VariantProbe& v : p->result.variants)
            p->variant_images.push_back(v.error.empty() ? weight_image(v.weights, q.display, q.card_px) : nullptr);
    } catch (const std::exception& e) {
        p->error = e.what();
        p->result = {};
        p->own_image.reset();
        p->head_images.clear();
        p->variant_images.clear();
    }
    omp_set_num_threads(saved_threads);
    p->ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (reused) p->ms += shared.computed->ms;  // what the numbers cost, not only the new images
    shared.computed_query = job.query;
    shared.computed = p;
    shared.computed_model = job.model;
    return p;
}

void ModelSession::update() {
    if (!m_model || m_query.tokens.empty()) return;
    if (m_submitted_query && *m_submitted_query == m_query) return;
    m_submitted_query = m_query;
    Job job{++m_submitted_id, m_model, m_query};
    if (m_mode == Mode::Sync) {
        publish(*m_shared, run_job(job, *m_shared));
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->pending = std::move(job);  // replaces an older queued request: stale work is dropped
    }
    m_shared->wake.notify_one();
}

void ModelSession::worker(std::shared_ptr<Shared> shared) {
    for (;;) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(shared->mutex);
            shared->wake.wait(lock, [&] { return shared->stop || shared->pending; });
            if (shared->stop) return;
            job = std::move(*shared->pending);
            shared->pending.reset();
            shared->running = true;
        }
        publish(*shared, run_job(job, *shared));
    }
}

void ModelSession::publish(Shared& shared, std::shared_ptr<const ModelProbe> p) {
    {
        std::lock_guard<std::mutex> lock(shared.mutex);
        shared.last_ms = p->ms;
        if (!shared.latest || p->request_id > shared.latest->request_id) shared.latest = std::move(p);
        shared.running = false;
    }
    shared.done.notify_all();
}

std::shared_ptr<const ModelProbe> ModelSession::latest() const {
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    return m_shared->latest;
}

bool ModelSession::busy() const {
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    const Shared& sh = *m_shared;
    return sh.pending.has_value() || sh.running ||
           (m_submitted_id > 0 && (!sh.latest || sh.latest->request_id < m_submitted_id));
}

bool ModelSession::wait(double timeout_ms) const {
    std::unique_lock<std::mutex> lock(m_shared->mutex);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(timeout_ms);
    return m_shared->done.wait_until(
        lock, deadline, [this] { return m_shared->latest && m_shared->latest->request_id >= m_submitted_id; });
}

double ModelSession::last_probe_ms() const {
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    return m_shared->last_ms;
}

}  // namespace attnscope::gui
