#include "trainer.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "length_eval.hpp"

namespace attnscope::training {

namespace {
int log_interval(int steps) { return std::max(1, steps / 400); }  // <= ~400 curve points per run
}  // namespace

EvalInfo evaluate_on_test_set(model::Transformer<float>& m, const tasks::Task& task, int n, int count) {
    const LengthPoint p = evaluate_at_length(m, task, n, count, false);
    return {p.loss, p.accuracy, p.answers};
}

Trainer::Trainer(const model::ModelConfig& config, const std::string& task_spec, const TrainOptions& options)
    : m_config(config), m_task(tasks::make_task(task_spec)), m_options(options), m_model(config) {
    m_options.validate();
    if (m_config.vocab != static_cast<int>(m_task->vocab().size()))
        throw InputError("config.vocab", "does not match the task's vocabulary", "build the config from the task");
    if (m_options.seq_len < m_task->min_length())
        throw InputError("--seq-len", std::to_string(m_options.seq_len) + " is too short for " + m_task->spec(),
                         "use at least " + std::to_string(m_task->min_length()));
    m_model.init(m_options.seed);
    const auto N = m_model.params().size();
    m_grad = Vec<float>::Zero(N);
    m_m = Vec<float>::Zero(N);
    m_v = Vec<float>::Zero(N);
    m_decay = Vec<float>::Zero(N);
    for (const auto& p : m_model.layout().tensors())
        if (p.decay) m_decay.segment(static_cast<Eigen::Index>(p.offset), static_cast<Eigen::Index>(p.size)).setOnes();
}

Trainer::Trainer(const Checkpoint& ck) : Trainer(ck.config, ck.task, ck.options) {
    if (ck.adam_m.size() == 0)
        throw InputError("--resume", "the checkpoint has no optimizer state (a shipped or final model)",
                         "resume from a checkpoint saved by an interrupted or finished `attnscope train`");
    m_model.params() = ck.params;
    m_m = ck.adam_m;
    m_v = ck.adam_v;
    m_step = ck.step;
    m_seconds = ck.seconds;
    m_log = ck.log;
}

void Trainer::set_total_steps(int steps) {
    TrainOptions o = m_options;
    o.steps = steps;
    o.validate();
    m_options = o;
}

StepInfo Trainer::step() {
    model::Rng rng = model::Rng::stream(m_options.seed, static_cast<std::uint64_t>(m_step));
    const tasks::TaskBatch b = tasks::make_batch(*m_task, rng, m_options.batch, m_options.seq_len);
    const model::Batch batch{b.tokens, b.targets, b.mask, b.n};
    m_grad.setZero();
    const model::StepStats st = m_model.forward_backward(batch, &m_grad);

    StepInfo info;
    info.grad_norm = static_cast<double>(m_grad.norm());
    if (!std::isfinite(info.grad_norm))
        throw std::runtime_error("training diverged at step " + std::to_string(m_step) +
                                 " (non-finite gradient); lower --lr or raise --warmup");
    if (m_options.clip > 0 && info.grad_norm > m_options.clip)
        m_grad *= static_cast<float>(m_options.clip / info.grad_norm);

    // AdamW (decoupled weight decay on matrices), bias-corrected moments.
    const double lr = learning_rate(m_options, m_step);
    const int t = m_step + 1;
    const float b1 = float(m_options.beta1), b2 = float(m_options.beta2);
    const float c1 = float(1.0 / (1.0 - std::pow(m_options.beta1, t)));
    const float c2 = float(1.0 / (1.0 - std::pow(m_options.beta2, t)));
    const float flr = float(lr), wd = float(m_options.weight_decay), eps = float(m_options.adam_eps);
    float* p = m_model.params().data();
    const Eigen::Index N = m_model.params().size();
    for (Eigen::Index i = 0; i < N; ++i) {
        const float g = m_grad(i);
        m_m(i) = b1 * m_m(i) + (1 - b1) * g;
        m_v(i) = b2 * m_v(i) + (1 - b2) * g * g;
        p[i] -= flr * ((m_m(i) * c1) / (std::sqrt(m_v(i) * c2) + eps) + wd * m_decay(i) * p[i]);
    }
    ++m_step;

    info.step = m_step;
    info.loss = st.mean_loss();
    info.accuracy = st.accuracy();
    info.lr = lr;
    info.tokens = static_cast<long long>(b.tokens.size());
    m_acc_loss += info.loss;
    m_acc_accuracy += info.accuracy;
    ++m_acc_count;
    if (m_step % log_interval(m_options.steps) == 0 || done()) flush_log(-1.0);
    return info;
}

void Trainer::flush_log(double test_accuracy) {
    if (m_acc_count == 0 && test_accuracy < 0) return;
    LogEntry e;
    e.step = m_step;
    e.loss = m_acc_count ? m_acc_loss / m_acc_count : (m_log.empty() ? 0.0 : m_log.back().loss);
    e.accuracy = m_acc_count ? m_acc_accuracy / m_acc_count : (m_log.empty() ? 0.0 : m_log.back().accuracy);
    e.test_accuracy = test_accuracy;
    e.lr = learning_rate(m_options, std::max(0, m_step - 1));
    e.seconds = m_seconds;
    if (!m_log.empty() && m_log.back().step == m_step) {
        if (test_accuracy >= 0) m_log.back().test_accuracy = test_accuracy;
    } else {
        m_log.push_back(e);
    }
    m_acc_loss = m_acc_accuracy = 0;
    m_acc_count = 0;
}

EvalInfo Trainer::evaluate() {
    const EvalInfo e = evaluate_on_test_set(m_model, *m_task, m_options.seq_len, m_options.test_size);
    flush_log(e.accuracy);
    return e;
}

Checkpoint Trainer::checkpoint(bool with_optimizer) const {
    Checkpoint ck;
    ck.config = m_config;
    ck.task = m_task->spec();
    ck.vocab = m_task->vocab();
    ck.options = m_options;
    ck.step = m_step;
    ck.seconds = m_seconds;
    ck.log = m_log;
    ck.params = m_model.params();
    if (with_optimizer) {
        ck.adam_m = m_m;
        ck.adam_v = m_v;
    }
    return ck;
}

}  // namespace attnscope::training
