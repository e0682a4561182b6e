// Task generators: every answer re-derived independently from the sequence text, test sets fixed, any length.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/errors.hpp"
#include "core/tasks/task.hpp"

namespace attnscope::tasks {
namespace {

const std::string& tok(const Task& t, int id) { return t.vocab()[static_cast<std::size_t>(id)]; }

// For each scored position t, the answer the task's definition demands, computed from the token strings alone.
std::string expected_answer(const Task& task, const std::vector<int>& s, std::size_t t) {
    const std::string name = task.spec().substr(0, task.spec().find(':'));
    std::vector<std::string> w;
    for (int id : s) w.push_back(tok(task, id));
    if (name == "copy" || name == "sort") {
        const auto sep = std::find(w.begin(), w.end(), "<sep>") - w.begin();
        std::vector<std::string> first(w.begin() + 1, w.begin() + sep);
        if (name == "sort")
            std::sort(first.begin(), first.end(),
                      [](const std::string& a, const std::string& b) { return std::stoi(a.substr(1)) < std::stoi(b.substr(1)); });
        return first[t - static_cast<std::size_t>(sep)];
    }
    if (name == "recall") {  // the value after the queried key's one earlier occurrence
        for (std::size_t i = 1; i + 2 < t; ++i)
            if (w[i] == w[t]) return w[i + 1];
        return "?";
    }
    if (name == "induction") {  // the token after the one earlier occurrence of the current token
        for (std::size_t i = 1; i < t; ++i)
            if (w[i] == w[t]) return w[i + 1];
        return "?";
    }
    if (name == "assign") {  // the last "v = d" before the query
        std::string last = "?";
        for (std::size_t i = 1; i + 3 < t; ++i)
            if (w[i] == w[t] && w[i + 1] == "=") last = w[i + 2];
        return last;
    }
    if (name == "passkey") {  // digit k after <ask> is digit k after <key>
        const auto key = std::find(w.begin(), w.end(), "<key>") - w.begin();
        const auto ask = std::find(w.begin(), w.end(), "<ask>") - w.begin();
        return w[static_cast<std::size_t>(key) + (t - static_cast<std::size_t>(ask)) + 1];
    }
    if (name == "modular") {
        const int N = std::stoi(task.spec().substr(task.spec().find("N=") + 2));
        const int T = std::stoi(task.spec().substr(task.spec().find("T=") + 2));
        return std::to_string((std::stoi(w[t]) + std::stoi(w[t - static_cast<std::size_t>(T)])) % N);
    }
    return "?";
}

class Tasks : public ::testing::TestWithParam<std::string> {};

TEST_P(Tasks, AnswersAreCorrectByConstructionAtEveryLength) {
    const auto task = make_task(GetParam());
    model::Rng rng(7);
    for (int n : {task->min_length(), task->min_length() + 1, 31, 64, 65, 200, 513}) {
        int answers = 0;
        for (int rep = 0; rep < 20; ++rep) {
            const Sample s = task->generate(rng, n);
            ASSERT_EQ(static_cast<int>(s.tokens.size()), n + 1) << "n = " << n;
            ASSERT_EQ(static_cast<int>(s.answer.size()), n);
            EXPECT_EQ(s.tokens[0], 0);
            for (int id : s.tokens) ASSERT_TRUE(id >= 0 && id < static_cast<int>(task->vocab().size()));
            for (std::size_t t = 0; t < s.answer.size(); ++t) {
                if (!s.answer[t]) continue;
                ++answers;
                EXPECT_EQ(tok(*task, s.tokens[t + 1]), expected_answer(*task, s.tokens, t))
                    << task->spec() << " n=" << n << " t=" << t << ": " << detokenize(*task, s.tokens);
            }
        }
        EXPECT_GT(answers, 0) << task->spec() << " has no answers at n = " << n;
    }
}

TEST_P(Tasks, TestSetIsFixedAndIndependentOfOtherDraws) {
    const auto task = make_task(GetParam());
    const TaskBatch a = test_set(*task, 40, 8);
    model::Rng other(123);
    (void)make_batch(*task, other, 3, 40);
    const TaskBatch b = test_set(*make_task(GetParam()), 40, 8);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.mask, b.mask);
    model::Rng train(1);
    EXPECT_NE(make_batch(*task, train, 8, 40).tokens, a.tokens) << "training draws must differ from the test set";
}

TEST_P(Tasks, BatchTargetsAreTheNextTokens) {
    const auto task = make_task(GetParam());
    model::Rng rng(3);
    const TaskBatch b = make_batch(*task, rng, 4, 33);
    ASSERT_EQ(b.tokens.size(), 4u * 33);
    for (int s = 0; s < 4; ++s)
        for (int t = 0; t + 1 < 33; ++t) EXPECT_EQ(b.targets[s * 33 + t], b.tokens[s * 33 + t + 1]);
}

INSTANTIATE_TEST_SUITE_P(All, Tasks,
                         ::testing::Values("copy", "recall", "induction", "assign", "passkey", "sort", "modular",
                                           "modular:N=13,T=5"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                             std::string s = p.param;
                             for (char& c : s)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return s;
                         });

TEST(TaskSpec, BadSpecsAreInputErrors) {
    EXPECT_THROW(make_task("nope"), InputError);
    EXPECT_THROW(make_task("copy:N=3"), InputError);
    EXPECT_THROW(make_task("modular:N=1"), InputError);
    EXPECT_THROW(make_task("modular:X=3"), InputError);
    EXPECT_THROW(make_task("modular:N=3x"), InputError);
    EXPECT_EQ(make_task("modular:T=3,N=5")->spec(), "modular:N=5,T=3");
}

TEST(TaskSpec, TokenizeRoundTripsAndNamesUnknownTokens) {
    const auto task = make_task("assign");
    const auto ids = tokenize(*task, "<bos> a = 3 ; ? a");
    EXPECT_EQ(detokenize(*task, ids), "<bos> a = 3 ; ? a");
    try {
        tokenize(*task, "<bos> zz");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("zz"), std::string::npos);
    }
}

}  // namespace
}  // namespace attnscope::tasks
