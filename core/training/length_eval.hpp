// length_eval.hpp — a model at growing lengths (issue 5, part 8): loss and exact accuracy on the fixed test set
// of its task at length n, and the mean attention entropy and effective support per query position (averaged
// over layers, heads and test sequences). Used by `attnscope lengths` and the Length view.
#pragma once

#include <vector>

#include "core/model/transformer.hpp"
#include "core/tasks/task.hpp"

namespace attnscope::training {

struct LengthPoint {
    int length = 0;
    double loss = 0.0;
    double accuracy = 0.0;  // exact, on answer tokens
    int answers = 0;
    std::vector<double> entropy;            // (length) mean entropy (nats) of query position t's attention row
    std::vector<double> effective_support;  // (length) mean exp(entropy)
    double mean_entropy() const;
    double mean_effective_support() const;
};

// count test sequences of length n (in chunks of ~32k tokens). with_positions: also the per-position curves
// (costs one pass over every attention row). Throws InputError when the model cannot run at n (learned
// positions shorter than n) or n is below the task's minimum.
LengthPoint evaluate_at_length(model::Transformer<float>& m, const tasks::Task& task, int n, int count,
                               bool with_positions);

}  // namespace attnscope::training
