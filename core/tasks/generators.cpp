// generators.cpp — the seven synthetic tasks. Each generate() builds the sequence and marks its answers in one
// pass, so an answer is correct by construction (tests/model/test_tasks.cpp re-derives each answer independently).
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/errors.hpp"
#include "task.hpp"

namespace attnscope::tasks {
namespace {

using model::Rng;

std::vector<std::string> symbols(const std::string& prefix, int count) {
    std::vector<std::string> v;
    for (int i = 0; i < count; ++i) v.push_back(prefix + std::to_string(i));
    return v;
}

// Builder: appends tokens and answer flags (the flag of token t sits at answer[t - 1]).
struct Builder {
    Sample s;
    void push(int tok, bool is_answer = false) {
        if (!s.tokens.empty()) s.answer.push_back(is_answer ? 1 : 0);
        s.tokens.push_back(tok);
    }
};

// Random draw of m ids in [0, V): distinct while m <= V (a shuffled prefix), with replacement beyond.
std::vector<int> draw_symbols(Rng& rng, int m, int V, bool distinct) {
    std::vector<int> out(static_cast<std::size_t>(m));
    if (distinct && m <= V) {
        std::vector<int> pool(static_cast<std::size_t>(V));
        std::iota(pool.begin(), pool.end(), 0);
        for (int i = 0; i < m; ++i) {
            const int j = i + rng.below(V - i);
            std::swap(pool[i], pool[j]);
            out[i] = pool[i];
        }
    } else {
        for (int& x : out) x = rng.below(V);
    }
    return out;
}

class TaskBase : public Task {
public:
    const std::vector<std::string>& vocab() const override { return m_vocab; }

protected:
    int id(const std::string& tok) const {
        for (std::size_t i = 0; i < m_vocab.size(); ++i)
            if (m_vocab[i] == tok) return static_cast<int>(i);
        throw std::logic_error("task vocabulary lacks " + tok);
    }
    std::vector<std::string> m_vocab{"<bos>", "<pad>"};
    static constexpr int kBos = 0, kPad = 1;
};

// ---- copy: <bos> a1..am <sep> a1..am ---------------------------------------------------------------------------
class CopyTask : public TaskBase {
public:
    static constexpr int kSymbols = 16;
    CopyTask() {
        m_vocab.push_back("<sep>");
        for (auto& s : symbols("s", kSymbols)) m_vocab.push_back(s);
    }
    std::string spec() const override { return "copy"; }
    std::string description() const override { return "copy: <bos> a1..am <sep> -> a1..am (16 symbols)"; }
    int min_length() const override { return 3; }
    Sample generate(Rng& rng, int n) const override {
        const int m = (n - 1) / 2, sep = id("<sep>");
        Builder b;
        b.push(kBos);
        const std::vector<int> a = draw_symbols(rng, m, kSymbols, false);
        for (int x : a) b.push(3 + x);
        b.push(sep);
        for (int x : a) b.push(3 + x, true);
        while (static_cast<int>(b.s.tokens.size()) < n + 1) b.push(kPad);
        return b.s;
    }
};

// ---- recall: <bos> (k v)*m <q> kq -> vq; the queried key occurs exactly once ------------------------------------
class RecallTask : public TaskBase {
public:
    static constexpr int kKeys = 16, kValues = 16;
    RecallTask() {
        m_vocab.push_back("<q>");
        for (auto& s : symbols("k", kKeys)) m_vocab.push_back(s);
        for (auto& s : symbols("v", kValues)) m_vocab.push_back(s);
    }
    std::string spec() const override { return "recall"; }
    std::string description() const override {
        return "associative recall: <bos> (key value)*m <q> key -> its value (16 keys, 16 values)";
    }
    int min_length() const override { return 5; }
    Sample generate(Rng& rng, int n) const override {
        const int m = (n - 3) / 2, key0 = 3, val0 = 3 + kKeys;
        Builder b;
        b.push(kBos);
        while (static_cast<int>(b.s.tokens.size()) + 2 * m + 3 < n + 1) b.push(kPad);
        const int qkey = rng.below(kKeys), where = rng.below(m);
        int qval = 0;
        for (int p = 0; p < m; ++p) {
            int key = qkey;
            if (p != where) {  // any other key: the queried one stays unique, so the answer is unambiguous
                key = rng.below(kKeys - 1);
                if (key >= qkey) ++key;
            }
            const int val = rng.below(kValues);
            if (p == where) qval = val;
            b.push(key0 + key);
            b.push(val0 + val);
        }
        b.push(id("<q>"));
        b.push(key0 + qkey);
        b.push(val0 + qval, true);
        return b.s;
    }
};

// ---- induction: <bos> then a random sequence of period m repeated to the end; m varies per sample --------------
// The period is drawn from [n/4, n/2] so no fixed attention offset solves the task: the model has to find the
// earlier occurrence of the current token and copy its successor (an induction head). Scored where the current
// token occurs exactly once in the first period (then that lookup is unambiguous).
class InductionTask : public TaskBase {
public:
    static constexpr int kSymbols = 64;
    InductionTask() {
        for (auto& s : symbols("t", kSymbols)) m_vocab.push_back(s);
    }
    std::string spec() const override { return "induction"; }
    std::string description() const override {
        return "induction: <bos> s1..sm repeated (period m in [n/4, n/2], 64 symbols), predict the repeats";
    }
    int min_length() const override { return 4; }
    Sample generate(Rng& rng, int n) const override {
        const int lo = std::max(2, n / 4), hi = std::max(lo, n / 2);
        const int m = lo + rng.below(hi - lo + 1);
        const std::vector<int> s = draw_symbols(rng, m, kSymbols, true);
        std::vector<int> count(kSymbols, 0);
        for (int x : s) ++count[x];
        Builder b;
        b.push(kBos);
        for (int x : s) b.push(2 + x);
        // token at index m + k (k >= 1) is predicted from s[(k - 1) % m], whose one occurrence in the first period
        // is followed by s[k % m]
        for (int k = 0; static_cast<int>(b.s.tokens.size()) < n + 1; ++k)
            b.push(2 + s[k % m], k >= 1 && count[s[(k - 1) % m]] == 1);
        return b.s;
    }
};

// ---- assign: <bos> (v = d ;)*M ? v -> last digit assigned to v (superseded assignments) ------------------------
class AssignTask : public TaskBase {
public:
    static constexpr int kVars = 8;
    AssignTask() {
        for (char c = 'a'; c < 'a' + kVars; ++c) m_vocab.push_back(std::string(1, c));
        for (int d = 0; d < 10; ++d) m_vocab.push_back(std::to_string(d));
        for (const char* t : {"=", ";", "?"}) m_vocab.push_back(t);
    }
    std::string spec() const override { return "assign"; }
    std::string description() const override {
        return "variable assignment: <bos> (v = d ;)*M ? v -> the last digit assigned to v (8 variables)";
    }
    int min_length() const override { return 7; }
    Sample generate(Rng& rng, int n) const override {
        const int M = (n - 3) / 4, var0 = 2, dig0 = 2 + kVars;
        Builder b;
        b.push(kBos);
        while (static_cast<int>(b.s.tokens.size()) + 4 * M + 3 < n + 1) b.push(kPad);
        std::vector<int> last(kVars, -1);
        for (int a = 0; a < M; ++a) {
            const int v = rng.below(kVars), d = rng.below(10);
            last[v] = d;
            b.push(var0 + v);
            b.push(id("="));
            b.push(dig0 + d);
            b.push(id(";"));
        }
        std::vector<int> assigned;
        for (int v = 0; v < kVars; ++v)
            if (last[v] >= 0) assigned.push_back(v);
        const int qv = assigned[static_cast<std::size_t>(rng.below(static_cast<int>(assigned.size())))];
        b.push(id("?"));
        b.push(var0 + qv);
        b.push(dig0 + last[qv], true);
        return b.s;
    }
};

// ---- passkey: <bos> filler <key> d d d d filler <ask> -> d d d d -----------------------------------------------
class PasskeyTask : public TaskBase {
public:
    static constexpr int kDigits = 4, kFiller = 8;
    PasskeyTask() {
        for (int d = 0; d < 10; ++d) m_vocab.push_back(std::to_string(d));
        m_vocab.push_back("<key>");
        m_vocab.push_back("<ask>");
        for (auto& s : symbols("f", kFiller)) m_vocab.push_back(s);
    }
    std::string spec() const override { return "passkey"; }
    std::string description() const override {
        return "passkey: a 4-digit key hidden in random filler, asked for at the end";
    }
    int min_length() const override { return 2 * kDigits + 2; }
    Sample generate(Rng& rng, int n) const override {
        const int filler = n + 1 - (2 * kDigits + 3), dig0 = 2, fil0 = 14;
        const int before = rng.below(filler + 1);
        std::vector<int> key(kDigits);
        for (int& d : key) d = rng.below(10);
        Builder b;
        b.push(kBos);
        for (int i = 0; i < before; ++i) b.push(fil0 + rng.below(kFiller));
        b.push(id("<key>"));
        for (int d : key) b.push(dig0 + d);
        for (int i = before; i < filler; ++i) b.push(fil0 + rng.below(kFiller));
        b.push(id("<ask>"));
        for (int d : key) b.push(dig0 + d, true);
        return b.s;
    }
};

// ---- sort: <bos> x1..xm <sep> sorted(x) ------------------------------------------------------------------------
class SortTask : public TaskBase {
public:
    static constexpr int kValues = 16;
    SortTask() {
        m_vocab.push_back("<sep>");
        for (auto& s : symbols("n", kValues)) m_vocab.push_back(s);
    }
    std::string spec() const override { return "sort"; }
    std::string description() const override { return "sorting: <bos> x1..xm <sep> -> x sorted ascending (16 values)"; }
    int min_length() const override { return 3; }
    Sample generate(Rng& rng, int n) const override {
        const int m = (n - 1) / 2;
        std::vector<int> x = draw_symbols(rng, m, kValues, false);
        Builder b;
        b.push(kBos);
        for (int v : x) b.push(3 + v);
        b.push(id("<sep>"));
        std::sort(x.begin(), x.end());
        for (int v : x) b.push(3 + v, true);
        while (static_cast<int>(b.s.tokens.size()) < n + 1) b.push(kPad);
        return b.s;
    }
};

// ---- modular: x[t+1] = (x[t] + x[t-T]) mod N from a random seed prefix of T + 1 values -------------------------
class ModularTask : public TaskBase {
public:
    ModularTask(int N, int T) : m_N(N), m_T(T) {
        for (int i = 0; i < N; ++i) m_vocab.push_back(std::to_string(i));
    }
    std::string spec() const override { return "modular:N=" + std::to_string(m_N) + ",T=" + std::to_string(m_T); }
    std::string description() const override {
        return "modular recurrence x[t+1] = (x[t] + x[t-T]) mod N (N=" + std::to_string(m_N) +
               ", T=" + std::to_string(m_T) + "): a complexity ladder";
    }
    int min_length() const override { return m_T + 3; }
    Sample generate(Rng& rng, int n) const override {
        std::vector<int> x;
        for (int i = 0; i <= m_T; ++i) x.push_back(rng.below(m_N));
        Builder b;
        b.push(kBos);
        for (int v : x) b.push(2 + v);
        while (static_cast<int>(b.s.tokens.size()) < n + 1) {
            const std::size_t t = x.size() - 1;
            x.push_back((x[t] + x[t - static_cast<std::size_t>(m_T)]) % m_N);
            b.push(2 + x.back(), true);
        }
        return b.s;
    }

private:
    int m_N, m_T;
};

}  // namespace

const std::vector<std::string>& task_names() {
    static const std::vector<std::string> names{"copy", "recall", "induction", "assign", "passkey", "sort", "modular"};
    return names;
}

std::unique_ptr<Task> make_task(std::string_view spec) {
    const std::size_t colon = spec.find(':');
    const std::string name(spec.substr(0, colon));
    const std::string args = colon == std::string_view::npos ? "" : std::string(spec.substr(colon + 1));
    std::string known;
    for (const auto& n : task_names()) known += (known.empty() ? "" : ", ") + n;
    if (name == "modular") {
        int N = 8, T = 2;
        std::size_t pos = 0;
        while (pos < args.size()) {
            std::size_t end = args.find(',', pos);
            if (end == std::string::npos) end = args.size();
            const std::string kv = args.substr(pos, end - pos);
            const std::size_t eq = kv.find('=');
            int value = 0;
            try {
                std::size_t used = 0;
                value = std::stoi(kv.substr(eq == std::string::npos ? kv.size() : eq + 1), &used);
                if (eq == std::string::npos || eq + 1 + used != kv.size()) throw std::invalid_argument(kv);
            } catch (const std::exception&) {
                throw InputError("--task", "bad argument \"" + kv + "\" in \"" + std::string(spec) + "\"",
                                 "write e.g. modular:N=8,T=2");
            }
            const std::string key = kv.substr(0, eq);
            if (key == "N")
                N = value;
            else if (key == "T")
                T = value;
            else
                throw InputError("--task", "unknown argument \"" + key + "\"", "modular takes N and T");
            pos = end + 1;
        }
        if (N < 2 || N > 256) throw InputError("--task", "N = " + std::to_string(N) + " is out of range", "use 2..256");
        if (T < 1 || T > 64) throw InputError("--task", "T = " + std::to_string(T) + " is out of range", "use 1..64");
        return std::make_unique<ModularTask>(N, T);
    }
    if (!args.empty())
        throw InputError("--task", "task \"" + name + "\" takes no arguments", "write just --task " + name);
    if (name == "copy") return std::make_unique<CopyTask>();
    if (name == "recall") return std::make_unique<RecallTask>();
    if (name == "induction") return std::make_unique<InductionTask>();
    if (name == "assign") return std::make_unique<AssignTask>();
    if (name == "passkey") return std::make_unique<PasskeyTask>();
    if (name == "sort") return std::make_unique<SortTask>();
    throw InputError("--task", "unknown task \"" + std::string(spec) + "\"", "use one of " + known);
}

}  // namespace attnscope::tasks
