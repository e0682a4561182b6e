// task.hpp — synthetic tasks with answers correct by construction, generable at any length (issue 5, part 3).
//
// A sample is n input tokens plus the one that follows (n + 1 in all); position t predicts tokens[t + 1], and
// answer[t] marks the positions whose prediction is scored (loss and exact accuracy use only those). The test set
// of a task at a length is fixed: its seed comes from the task's name and the length, never from the training
// seed, so every model trained on a task is judged on the same sequences.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/rng.hpp"

namespace attnscope::tasks {

struct Sample {
    std::vector<int> tokens;           // n + 1 ids
    std::vector<std::uint8_t> answer;  // n flags: 1 when tokens[t + 1] is an answer token
};

class Task {
public:
    virtual ~Task() = default;
    // Canonical spec, e.g. "induction" or "modular:N=8,T=2"; make_task(spec()) remakes the same task.
    virtual std::string spec() const = 0;
    // One line for --help and the GUI.
    virtual std::string description() const = 0;
    // Token strings, index = id. Every task has "<bos>" at 0.
    virtual const std::vector<std::string>& vocab() const = 0;
    // Shortest n (input tokens) at which a sample has at least one answer.
    virtual int min_length() const = 0;
    // A sample of n input tokens, n >= min_length().
    virtual Sample generate(model::Rng& rng, int n) const = 0;
};

// "copy", "recall", "induction", "assign", "passkey", "sort", "modular[:N=..,T=..]". Throws InputError(field
// "--task") naming the known tasks for an unknown name or a bad argument.
std::unique_ptr<Task> make_task(std::string_view spec);
const std::vector<std::string>& task_names();

// B samples of length n as a model batch (row-major B*n tokens, targets and answer mask).
struct TaskBatch {
    int n = 0;
    std::vector<int> tokens, targets;
    std::vector<std::uint8_t> mask;
    int batch() const { return n ? static_cast<int>(tokens.size()) / n : 0; }
};
TaskBatch make_batch(const Task& task, model::Rng& rng, int batch, int n);

// The fixed test set of `task` at length n (count samples; same sequences on every call and machine).
TaskBatch test_set(const Task& task, int n, int count);

// Space-separated token strings -> ids; throws InputError naming the unknown token and listing a few valid ones.
std::vector<int> tokenize(const Task& task, std::string_view text);
std::string detokenize(const Task& task, const std::vector<int>& ids);

}  // namespace attnscope::tasks
