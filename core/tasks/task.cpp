#include "task.hpp"

#include <sstream>

#include "core/errors.hpp"

namespace attnscope::tasks {

TaskBatch make_batch(const Task& task, model::Rng& rng, int batch, int n) {
    if (n < task.min_length())
        throw InputError("--seq-len", "length " + std::to_string(n) + " is too short for " + task.spec(),
                         "use at least " + std::to_string(task.min_length()));
    TaskBatch b;
    b.n = n;
    b.tokens.reserve(static_cast<std::size_t>(batch) * n);
    b.targets.reserve(b.tokens.capacity());
    b.mask.reserve(b.tokens.capacity());
    for (int s = 0; s < batch; ++s) {
        const Sample x = task.generate(rng, n);
        b.tokens.insert(b.tokens.end(), x.tokens.begin(), x.tokens.end() - 1);
        b.targets.insert(b.targets.end(), x.tokens.begin() + 1, x.tokens.end());
        b.mask.insert(b.mask.end(), x.answer.begin(), x.answer.end());
    }
    return b;
}

namespace {
// FNV-1a: the test-set seed depends only on the task's spec (and the length), not on any training option.
std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}
}  // namespace

TaskBatch test_set(const Task& task, int n, int count) {
    model::Rng rng = model::Rng::stream(fnv1a("attnscope-test:" + task.spec()), static_cast<std::uint64_t>(n));
    return make_batch(task, rng, count, n);
}

std::vector<int> tokenize(const Task& task, std::string_view text) {
    std::istringstream in{std::string(text)};
    std::vector<int> ids;
    std::string tok;
    const auto& vocab = task.vocab();
    while (in >> tok) {
        int found = -1;
        for (std::size_t i = 0; i < vocab.size(); ++i)
            if (vocab[i] == tok) found = static_cast<int>(i);
        if (found < 0) {
            std::string some;
            for (std::size_t i = 0; i < vocab.size() && i < 12; ++i) some += (i ? " " : "") + vocab[i];
            throw InputError("tokens", "\"" + tok + "\" is not a token of " + task.spec(),
                             "use space-separated tokens such as: " + some + (vocab.size() > 12 ? " ..." : ""));
        }
        ids.push_back(found);
    }
    return ids;
}

std::string detokenize(const Task& task, const std::vector<int>& ids) {
    std::string s;
    for (int id : ids) {
        if (!s.empty()) s += ' ';
        s += (id >= 0 && id < static_cast<int>(task.vocab().size())) ? task.vocab()[static_cast<std::size_t>(id)]
                                                                      : "<?>";
    }
    return s;
}

}  // namespace attnscope::tasks
