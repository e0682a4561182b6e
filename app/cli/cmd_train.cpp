// cmd_train.cpp — `attnscope train`: trains a small transformer from scratch on a synthetic task (issue 5, part 4).
//
//   attnscope train --task induction --variant dpa --out M.safetensors [--json S.json]
//                   [--layers 2 --heads 4 --dim 64 --seq-len 64 --batch 32 --steps 2000 --lr 3e-3 --seed 1]
//   attnscope train --resume M.safetensors --out M.safetensors [--steps N]
//
// A progress bar on stderr shows step, loss, accuracy, test accuracy, tokens/s and ETA. Ctrl+C finishes the current
// step, saves a resumable checkpoint atomically and exits 130 with the command that resumes it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "app/cli/commands.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/model/attention_ops.hpp"
#include "core/training/trainer.hpp"

namespace attnscope::cli {
namespace {

struct TrainCliOptions {
    std::string task = "induction", variant = "dpa", out, json, resume, positions = "rope";
    int layers = 2, heads = 4, dim = 64, ff = 0, threads = 0;
    bool untied = false, slim = false, quiet = false;
    training::TrainOptions train;
};

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

std::string clock_text(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

// One status line, redrawn in place on a terminal; on a pipe or file, a line every ~5 % (logs stay readable).
class ProgressBar {
public:
    explicit ProgressBar(bool quiet) : m_quiet(quiet), m_tty(isatty(STDERR_FILENO) != 0) {}
    void update(int step, int total, double loss, double acc, double test_acc, double tok_s, double eta, bool force) {
        if (m_quiet) return;
        const auto now = std::chrono::steady_clock::now();
        const bool due_tty = now - m_last > std::chrono::milliseconds(100);
        const bool due_log = step * 20 / std::max(1, total) != m_last_bucket;
        if (!force && !(m_tty ? due_tty : due_log)) return;
        m_last = now;
        m_last_bucket = step * 20 / std::max(1, total);
        const int width = 24, filled = static_cast<int>(static_cast<long long>(width) * step / std::max(1, total));
        const std::string bar = std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '.');
        const std::string test = test_acc >= 0 ? fmt::format(" test {:5.1f}%", 100 * test_acc) : "";
        fmt::print(stderr, "{}step {:>6}/{} [{}] loss {:.4f} acc {:5.1f}%{} | {:.1f}k tok/s | ETA {}{}",
                   m_tty ? "\r" : "", step, total, bar, loss, 100 * acc, test, tok_s / 1000, clock_text(eta),
                   m_tty ? "\x1b[K" : "\n");
        std::fflush(stderr);
    }
    void finish() {
        if (!m_quiet && m_tty) fmt::print(stderr, "\n");
    }

private:
    bool m_quiet, m_tty;
    std::chrono::steady_clock::time_point m_last{};
    int m_last_bucket = -1;
};

// OpenMP barriers spin: on a machine whose cores are already busy (other builds, other runs), two threads that keep
// losing their core run *slower* than one (measured: 974 vs 5316 tokens/s on a 2-core machine at load 9). So by
// default take only the cores the 1-minute load average leaves free, at least one. --threads overrides it.
int default_threads() {
    const int cores = std::max(1, omp_get_num_procs());
    double load[1] = {0.0};
    if (getloadavg(load, 1) != 1) return cores;
    return std::clamp(cores - static_cast<int>(load[0] + 0.25), 1, cores);
}

model::ModelConfig config_from_cli(const TrainCliOptions& o, int vocab) {
    model::ModelConfig c;
    c.vocab = vocab;
    c.n_layers = o.layers;
    c.n_heads = o.heads;
    c.d_model = o.dim;
    c.d_ff = o.ff > 0 ? o.ff : 4 * o.dim;
    c.train_len = o.train.seq_len;
    c.max_positions = o.train.seq_len;
    c.tied = !o.untied;
    if (o.positions == "rope")
        c.positions = model::PositionKind::Rope;
    else if (o.positions == "learned")
        c.positions = model::PositionKind::Learned;
    else
        throw InputError("--positions", "is \"" + o.positions + "\"", "use rope or learned");
    const auto v = parse_variant(o.variant);
    if (!v || !model::variant_trainable(*v))
        throw InputError("--variant", "\"" + o.variant + "\" is not a trainable variant",
                         "use dpa, ssa, selective, lssa, lssar or ea");
    c.variant = *v;
    try {
        c.validate();
    } catch (const InputError& e) {  // name the CLI option, not the config field
        const std::string f = e.info().field;
        const std::string opt = f == "config.d_model" ? "--dim" : f == "config.n_heads" ? "--heads"
                                : f == "config.n_layers" ? "--layers" : f == "config.d_ff" ? "--ff" : f;
        throw InputError(opt, e.info().what, e.info().hint);
    }
    return c;
}

int run_train(TrainCliOptions o, const CLI::App& sub) {
    if (o.out.empty()) throw InputError("--out", "is required", "name the checkpoint to write, e.g. --out model.safetensors");
    check_writable(o.out, "--out");
    if (!o.json.empty()) check_writable(o.json, "--json");
    omp_set_num_threads(o.threads > 0 ? o.threads : default_threads());

    std::unique_ptr<training::Trainer> trainer;
    if (!o.resume.empty()) {
        const training::Checkpoint ck = training::load_checkpoint(o.resume);
        for (const char* opt : {"--task", "--variant", "--layers", "--heads", "--dim", "--ff", "--seq-len", "--batch",
                                "--positions", "--untied"})
            if (sub.count(opt) > 0)
                throw InputError(opt, "cannot change when resuming", "drop it: the checkpoint fixes the model and data");
        trainer = std::make_unique<training::Trainer>(ck);
        if (sub.count("--steps") > 0) {
            if (o.train.steps < ck.step)
                throw InputError("--steps", fmt::format("{} is below the {} steps already done", o.train.steps, ck.step),
                                 "give the new total number of steps");
            trainer->set_total_steps(o.train.steps);
        }
    } else {
        const auto task = tasks::make_task(o.task);
        o.train.validate();
        if (o.train.seq_len < task->min_length())
            throw InputError("--seq-len", fmt::format("{} is too short for {}", o.train.seq_len, task->spec()),
                             fmt::format("use at least {}", task->min_length()));
        const model::ModelConfig config = config_from_cli(o, static_cast<int>(task->vocab().size()));
        trainer = std::make_unique<training::Trainer>(config, task->spec(), o.train);
    }
    training::Trainer& t = *trainer;
    const training::TrainOptions& opt = t.options();
    const model::ModelConfig& cfg = t.model().config();
    if (!o.quiet)
        fmt::print(stderr, "training {} on {}: {} layers, {} heads, d_model {}, {} params, seq {} x batch {}, {} threads{}\n",
                   variant_name(cfg.variant), t.task().spec(), cfg.n_layers, cfg.n_heads, cfg.d_model,
                   t.model().params().size(), opt.seq_len, opt.batch, omp_get_max_threads(),
                   t.steps_done() > 0 ? fmt::format(", resuming at step {}", t.steps_done()) : "");

    g_interrupted.store(false);
    auto previous = std::signal(SIGINT, on_sigint);
    ProgressBar bar(o.quiet);
    const auto start = std::chrono::steady_clock::now();
    const int first_step = t.steps_done();
    long long tokens = 0;
    double last_loss = 0, last_acc = 0, test_acc = -1;
    double seconds_before = t.seconds();
    while (!t.done() && !g_interrupted.load()) {
        const training::StepInfo s = t.step();
        tokens += s.tokens;
        last_loss = s.loss;
        last_acc = s.accuracy;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s.step % opt.eval_every == 0 && !t.done()) test_acc = t.evaluate().accuracy;
        const double rate = tokens / std::max(elapsed, 1e-9);
        const double eta = elapsed / std::max(1, s.step - first_step) * (opt.steps - s.step);
        t.add_seconds(elapsed + seconds_before - t.seconds());
        bar.update(s.step, opt.steps, last_loss, last_acc, test_acc, rate, eta, false);
    }
    std::signal(SIGINT, previous);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.add_seconds(elapsed + seconds_before - t.seconds());

    if (g_interrupted.load()) {
        bar.finish();
        training::save_checkpoint(o.out, t.checkpoint(true));
        fmt::print(stderr,
                   "interrupted at step {}/{}; saved a resumable checkpoint to {}\n"
                   "resume with: attnscope train --resume {} --out {}\n",
                   t.steps_done(), opt.steps, o.out, o.out, o.out);
        return 130;
    }

    const training::EvalInfo final_eval = t.evaluate();
    bar.update(t.steps_done(), opt.steps, last_loss, last_acc, final_eval.accuracy, tokens / std::max(elapsed, 1e-9), 0, true);
    bar.finish();
    training::save_checkpoint(o.out, t.checkpoint(!o.slim));
    const double tok_s = tokens / std::max(elapsed, 1e-9);
    fmt::print("{}: {} on {} — final loss {:.4f}, test accuracy {:.2f}% ({} answers), {:.1f} s, {:.0f} tokens/s -> {}\n",
               o.out, variant_name(cfg.variant), t.task().spec(), final_eval.loss, 100 * final_eval.accuracy,
               final_eval.answers, t.seconds(), tok_s, o.out);
    if (!o.json.empty()) {
        const nlohmann::json j = {{"task", t.task().spec()},
                                  {"variant", std::string(variant_name(cfg.variant))},
                                  {"steps", t.steps_done()},
                                  {"final_loss", final_eval.loss},
                                  {"test_accuracy", final_eval.accuracy},
                                  {"seconds", t.seconds()},
                                  {"tokens_per_s", tok_s}};
        write_file_atomically(o.json, [&](std::ostream& os) { os << j.dump(2) << "\n"; });
    }
    return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, CommandList& commands) {
    auto o = std::make_shared<TrainCliOptions>();
    CLI::App* sub = app.add_subcommand("train", "Train a small transformer from scratch on a synthetic task");
    std::string tasks_list;
    for (const auto& n : tasks::task_names()) tasks_list += (tasks_list.empty() ? "" : ", ") + n;
    sub->add_option("--task", o->task, "Task: " + tasks_list + " (modular:N=8,T=2 sets the ladder rung)")->capture_default_str();
    sub->add_option("--variant", o->variant, "Attention: dpa, ssa, selective, lssa, lssar, ea")->capture_default_str();
    sub->add_option("--layers", o->layers, "Transformer blocks")->capture_default_str();
    sub->add_option("--heads", o->heads, "Attention heads per block")->capture_default_str();
    sub->add_option("--dim", o->dim, "Model width d_model")->capture_default_str();
    sub->add_option("--ff", o->ff, "MLP hidden width (default 4 x dim)");
    sub->add_option("--positions", o->positions, "rope (extrapolates) or learned")->capture_default_str();
    sub->add_flag("--untied", o->untied, "Separate unembedding matrix (default: tied to the token embedding)");
    sub->add_option("--seq-len", o->train.seq_len, "Training sequence length")->capture_default_str();
    sub->add_option("--batch", o->train.batch, "Sequences per step")->capture_default_str();
    sub->add_option("--steps", o->train.steps, "Optimizer steps (with --resume: the new total)")->capture_default_str();
    sub->add_option("--lr", o->train.lr, "Peak learning rate (AdamW, warm-up then cosine)")->capture_default_str();
    sub->add_option("--warmup", o->train.warmup, "Warm-up steps")->capture_default_str();
    sub->add_option("--weight-decay", o->train.weight_decay, "AdamW weight decay on matrices")->capture_default_str();
    sub->add_option("--clip", o->train.clip, "Gradient-norm clip (<= 0: off)")->capture_default_str();
    sub->add_option("--seed", o->train.seed, "Seed for initialisation and data")->capture_default_str();
    sub->add_option("--eval-every", o->train.eval_every, "Test-set evaluation interval (steps)")->capture_default_str();
    sub->add_option("--test-size", o->train.test_size, "Sequences in the fixed test set")->capture_default_str();
    sub->add_option("--threads", o->threads, "CPU threads (default: the cores the load average leaves free)");
    sub->add_option("--out", o->out, "Checkpoint to write (safetensors, atomic)");
    sub->add_option("--json", o->json, "Also write a summary JSON");
    sub->add_option("--resume", o->resume, "Continue a checkpoint saved by train (e.g. after Ctrl+C)");
    sub->add_flag("--slim", o->slim, "Save without optimizer state (smaller; cannot be resumed)");
    sub->add_flag("--quiet", o->quiet, "No progress bar");
    commands.push_back({sub, [o, sub] { return run_train(*o, *sub); }});
}

}  // namespace attnscope::cli
