// train_options.hpp — everything that decides a training run besides the model's shape (saved in checkpoints so
// --resume continues the same run).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>

namespace attnscope::training {

struct TrainOptions {
    int steps = 2000;          // total optimizer steps
    int batch = 32;            // sequences per step
    int seq_len = 64;          // training length (also ModelConfig::train_len)
    double lr = 3e-3;          // peak learning rate
    double min_lr_ratio = 0.1; // cosine decays to lr * min_lr_ratio
    int warmup = 100;          // linear warm-up steps
    double weight_decay = 0.01;  // AdamW, matrices only (param_layout.cpp decides which)
    double clip = 1.0;         // global gradient-norm clip (<= 0: off)
    double beta1 = 0.9, beta2 = 0.98, adam_eps = 1e-8;
    std::uint64_t seed = 1;    // initialisation and data; batch s is drawn from Rng::stream(seed, s)
    int eval_every = 200;      // test-set evaluation interval in steps (and at the end)
    int test_size = 256;       // sequences in the fixed test set

    // Throws InputError naming the option ("--lr") when out of range.
    void validate() const;
};

nlohmann::json options_to_json(const TrainOptions& o);
TrainOptions options_from_json(const nlohmann::json& j);  // validates; errors name "training.<field>"

// Learning rate at step s (0-based): linear warm-up to lr over `warmup` steps, then cosine to lr * min_lr_ratio.
double learning_rate(const TrainOptions& o, int step);

}  // namespace attnscope::training
