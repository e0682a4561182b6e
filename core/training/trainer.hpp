// trainer.hpp — training a model from scratch on a synthetic task: AdamW, warm-up + cosine, gradient clipping,
// deterministic seeds, OpenMP threads (issue 5, part 2). Used by `attnscope train` and the Train view.
//
// Determinism: parameters come from Rng(seed), the batch of step s from Rng::stream(seed, s); so a run resumed
// from a checkpoint at step s sees exactly the batches an uninterrupted run would have seen, and two runs with the
// same seed and thread count produce the same bits (per-thread partial sums are reduced in a fixed order).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkpoint.hpp"
#include "core/model/transformer.hpp"
#include "core/tasks/task.hpp"

namespace attnscope::training {

struct StepInfo {
    int step = 0;  // steps done after this one
    double loss = 0.0;
    double accuracy = 0.0;  // on this batch's answer tokens
    double lr = 0.0;
    double grad_norm = 0.0;  // before clipping
    long long tokens = 0;    // input tokens processed
};

struct EvalInfo {
    double loss = 0.0;
    double accuracy = 0.0;  // exact, on answer tokens of the fixed test set
    int answers = 0;
};

// Loss and accuracy of a model on the fixed test set of `task` at length n (count sequences, in chunks).
EvalInfo evaluate_on_test_set(model::Transformer<float>& m, const tasks::Task& task, int n, int count);

class Trainer {
public:
    // A fresh run: the model is initialised from options.seed.
    Trainer(const model::ModelConfig& config, const std::string& task_spec, const TrainOptions& options);
    // Resumes a checkpoint that carries optimizer state; throws InputError (field "--resume") otherwise.
    explicit Trainer(const Checkpoint& ck);

    StepInfo step();
    EvalInfo evaluate();  // on the fixed test set at the training length
    bool done() const { return m_step >= m_options.steps; }
    int steps_done() const { return m_step; }

    // Extends or shortens the run (e.g. --steps on resume); the cosine schedule follows the new total.
    void set_total_steps(int steps);
    void add_seconds(double s) { m_seconds += s; }
    double seconds() const { return m_seconds; }

    // Appends to the training curve; called by step() (every log interval) and by evaluate().
    const std::vector<LogEntry>& log() const { return m_log; }
    Checkpoint checkpoint(bool with_optimizer) const;

    model::Transformer<float>& model() { return m_model; }
    const tasks::Task& task() const { return *m_task; }
    const TrainOptions& options() const { return m_options; }

private:
    void flush_log(double test_accuracy);

    model::ModelConfig m_config;
    std::unique_ptr<tasks::Task> m_task;
    TrainOptions m_options;
    model::Transformer<float> m_model;
    Vec<float> m_grad, m_m, m_v, m_decay;  // flat, ParamLayout order; m_decay is 1 where weight decay applies
    int m_step = 0;
    double m_seconds = 0.0;
    std::vector<LogEntry> m_log;
    double m_acc_loss = 0, m_acc_accuracy = 0;  // running sums since the last log entry
    int m_acc_count = 0;
};

}  // namespace attnscope::training
