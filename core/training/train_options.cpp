#include "train_options.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace attnscope::training {

namespace {
void require(bool ok, const char* option, const std::string& what, const char* hint) {
    if (!ok) throw InputError(option, what, hint);
}
}  // namespace

void TrainOptions::validate() const {
    require(steps >= 1 && steps <= 10'000'000, "--steps", "is " + std::to_string(steps), "use 1..10000000");
    require(batch >= 1 && batch <= 4096, "--batch", "is " + std::to_string(batch), "use 1..4096");
    require(seq_len >= 2 && seq_len <= 65536, "--seq-len", "is " + std::to_string(seq_len), "use 2..65536");
    require(std::isfinite(lr) && lr > 0 && lr < 10, "--lr", "is " + std::to_string(lr), "use a value in (0, 10)");
    require(std::isfinite(min_lr_ratio) && min_lr_ratio >= 0 && min_lr_ratio <= 1, "min_lr_ratio", "out of range",
            "use 0..1");
    require(warmup >= 0, "--warmup", "is negative", "use 0 or more steps");
    require(std::isfinite(weight_decay) && weight_decay >= 0 && weight_decay < 1, "--weight-decay", "out of range",
            "use 0..1");
    require(std::isfinite(clip), "--clip", "is not finite", "use a number (<= 0 turns clipping off)");
    require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && adam_eps > 0, "adam", "betas or eps out of range",
            "use betas in [0, 1) and eps > 0");
    require(eval_every >= 1, "--eval-every", "is " + std::to_string(eval_every), "use 1 or more");
    require(test_size >= 1 && test_size <= 100000, "--test-size", "is " + std::to_string(test_size), "use 1..100000");
    require(static_cast<long long>(batch) * seq_len <= (1ll << 24), "--batch", "batch x seq-len is over 16M tokens",
            "lower --batch or --seq-len");
}

nlohmann::json options_to_json(const TrainOptions& o) {
    return {{"steps", o.steps},     {"batch", o.batch},       {"seq_len", o.seq_len},
            {"lr", o.lr},           {"min_lr_ratio", o.min_lr_ratio}, {"warmup", o.warmup},
            {"weight_decay", o.weight_decay}, {"clip", o.clip}, {"beta1", o.beta1},
            {"beta2", o.beta2},     {"adam_eps", o.adam_eps}, {"seed", o.seed},
            {"eval_every", o.eval_every}, {"test_size", o.test_size}};
}

TrainOptions options_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw InputError("training", "is not an object", "re-save the checkpoint");
    TrainOptions o;
    auto num = [&](const char* k, auto& dst) {
        if (!j.contains(k) || !j.at(k).is_number())
            throw InputError(std::string("training.") + k, "is missing or not a number", "re-save the checkpoint");
        using D = std::remove_reference_t<decltype(dst)>;
        if constexpr (std::is_integral_v<D>) {
            if (!j.at(k).is_number_integer())
                throw InputError(std::string("training.") + k, "is not an integer", "re-save the checkpoint");
            const double v = j.at(k).get<double>();
            if (v < 0 || v > static_cast<double>(std::numeric_limits<D>::max()))
                throw InputError(std::string("training.") + k, "is out of range", "re-save the checkpoint");
        }
        dst = j.at(k).get<D>();
    };
    num("steps", o.steps);
    num("batch", o.batch);
    num("seq_len", o.seq_len);
    num("lr", o.lr);
    num("min_lr_ratio", o.min_lr_ratio);
    num("warmup", o.warmup);
    num("weight_decay", o.weight_decay);
    num("clip", o.clip);
    num("beta1", o.beta1);
    num("beta2", o.beta2);
    num("adam_eps", o.adam_eps);
    num("seed", o.seed);
    num("eval_every", o.eval_every);
    num("test_size", o.test_size);
    try {
        o.validate();
    } catch (const InputError& e) {
        throw InputError("training." + e.info().field, e.info().what, "re-save the checkpoint");
    }
    return o;
}

double learning_rate(const TrainOptions& o, int step) {
    if (step < o.warmup) return o.lr * (step + 1) / o.warmup;
    const int decay_steps = std::max(1, o.steps - o.warmup);
    const double t = std::min(1.0, static_cast<double>(step - o.warmup) / decay_steps);
    const double cosine = 0.5 * (1.0 + std::cos(3.141592653589793 * t));
    return o.lr * (o.min_lr_ratio + (1.0 - o.min_lr_ratio) * cosine);
}

}  // namespace attnscope::training
