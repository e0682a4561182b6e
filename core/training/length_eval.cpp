#include "length_eval.hpp"

#include <cmath>
#include <numeric>

#include "core/errors.hpp"

namespace attnscope::training {

double LengthPoint::mean_entropy() const {
    return entropy.empty() ? 0.0 : std::accumulate(entropy.begin(), entropy.end(), 0.0) / entropy.size();
}
double LengthPoint::mean_effective_support() const {
    return effective_support.empty()
               ? 0.0
               : std::accumulate(effective_support.begin(), effective_support.end(), 0.0) / effective_support.size();
}

LengthPoint evaluate_at_length(model::Transformer<float>& m, const tasks::Task& task, int n, int count,
                               bool with_positions) {
    if (n < task.min_length())
        throw InputError("--lengths", std::to_string(n) + " is shorter than " + task.spec() + " allows",
                         "use lengths of at least " + std::to_string(task.min_length()));
    const tasks::TaskBatch all = tasks::test_set(task, n, count);
    const int chunk = std::max(1, std::min(count, 32768 / n));
    const int L = m.config().n_layers;
    LengthPoint p;
    p.length = n;
    std::vector<double> H(static_cast<std::size_t>(n), 0.0), S(static_cast<std::size_t>(n), 0.0);
    // per sequence of the chunk, per position: sums over layers and heads (each sequence writes only its own row,
    // so the hook is safe on worker threads)
    std::vector<double> hsum, ssum;
    model::ForwardHooks<float> hooks;
    hooks.observe = [&](int, int b, const auto&, const auto&, const auto&, const model::AttentionCache<float>& c) {
        double* hr = hsum.data() + static_cast<std::size_t>(b) * n;
        double* sr = ssum.data() + static_cast<std::size_t>(b) * n;
        for (const auto& head : c.heads)
            for (int i = 0; i < n; ++i) {
                double h = 0;
                for (int j = 0; j <= i; ++j) {
                    const double w = head.w(i, j);
                    if (w > 0) h -= w * std::log(w);
                }
                hr[i] += h;
                sr[i] += std::exp(h);
            }
    };
    double loss = 0;
    long long correct = 0, answers = 0;
    for (int s0 = 0; s0 < count; s0 += chunk) {
        const int b = std::min(chunk, count - s0);
        const std::size_t off = static_cast<std::size_t>(s0) * n, len = static_cast<std::size_t>(b) * n;
        hsum.assign(len, 0.0);
        ssum.assign(len, 0.0);
        const model::Batch batch{{all.tokens.data() + off, len}, {all.targets.data() + off, len},
                                 {all.mask.data() + off, len}, n};
        const model::StepStats st = m.forward_backward(batch, nullptr, with_positions ? &hooks : nullptr);
        loss += st.loss_sum;
        correct += st.correct;
        answers += st.scored;
        for (std::size_t r = 0; r < len; ++r) {
            H[r % static_cast<std::size_t>(n)] += hsum[r];
            S[r % static_cast<std::size_t>(n)] += ssum[r];
        }
    }
    p.answers = static_cast<int>(answers);
    p.loss = answers ? loss / static_cast<double>(answers) : 0.0;
    p.accuracy = answers ? static_cast<double>(correct) / static_cast<double>(answers) : 0.0;
    if (with_positions) {
        const double rows = static_cast<double>(count) * L * m.config().n_heads;
        for (int i = 0; i < n; ++i) {
            p.entropy.push_back(H[static_cast<std::size_t>(i)] / rows);
            p.effective_support.push_back(S[static_cast<std::size_t>(i)] / rows);
        }
    }
    return p;
}

}  // namespace attnscope::training
