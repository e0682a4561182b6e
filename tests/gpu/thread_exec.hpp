// thread_exec.hpp — the executor of row_programs.hpp as T CPU threads sharing one row, a stand-in for a CUDA thread
// block on machines without a GPU. Thread t owns keys t, t + T, ... exactly as on the GPU; sync() is a barrier;
// every reduction is a barrier, a shared slot per thread and a second barrier; sorts run the GPU's bitonic network.
// A missing barrier or a write outside a thread's own keys shows up here as a wrong or unstable result.
#pragma once

#include <atomic>
#include <barrier>
#include <climits>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "kernels/cuda/row_programs.hpp"

namespace attnscope::gputest {

class ThreadExec {
  public:
    struct Shared {
        explicit Shared(int threads, int n, int dv)
            : bar(threads),
              t(threads),
              row(static_cast<std::size_t>(n) + 1),
              keys(row.size()),
              dvec(static_cast<std::size_t>(dv) + 1),
              ints(static_cast<std::size_t>(n) + 2),
              slot_d(static_cast<std::size_t>(threads) * 4),
              slot_f(threads),
              slot_i(threads),
              slot_u(threads) {
            // room for the bitonic padding to the next power of two
            std::size_t np = 1;
            while (np < row.size()) np <<= 1;
            row.resize(np);
            keys.resize(np);
        }
        std::barrier<> bar;
        int t;
        std::vector<float> row;
        std::vector<std::uint64_t> keys;
        std::vector<double> dvec;
        std::vector<int> ints;
        std::vector<double> slot_d;
        std::vector<float> slot_f;
        std::vector<int> slot_i;
        std::vector<unsigned long long> slot_u;
    };

    ThreadExec(Shared& s, int tid) : m_s(s), m_tid(tid) {}

    int first() const { return m_tid; }
    int step() const { return m_s.t; }
    bool leader() const { return m_tid == 0; }
    void sync() { m_s.bar.arrive_and_wait(); }

    float max_f(float v) {
        return reduce_f(v, [](float a, float b) { return a > b ? a : b; });
    }
    float min_f(float v) {
        return reduce_f(v, [](float a, float b) { return a < b ? a : b; });
    }
    double sum_d(double v) {
        double a[4] = {v, 0, 0, 0};
        reduce_d<1>(a, true);
        return a[0];
    }
    double min_d(double v) {
        double a[4] = {v, 0, 0, 0};
        reduce_d<1>(a, false);
        return a[0];
    }
    void sum_d2(double& x, double& y) {
        double a[4] = {x, y, 0, 0};
        reduce_d<2>(a, true);
        x = a[0], y = a[1];
    }
    void sum_d4(double (&v)[4]) { reduce_d<4>(v, true); }
    int sum_i(int v) {
        return reduce_i(v, [](int a, int b) { return a + b; });
    }
    int min_i(int v) {
        return reduce_i(v, [](int a, int b) { return a < b ? a : b; });
    }
    unsigned long long min_u64(unsigned long long v) {
        sync();
        m_s.slot_u[m_tid] = v;
        sync();
        unsigned long long r = ULLONG_MAX;
        for (int t = 0; t < m_s.t; ++t) r = std::min(r, m_s.slot_u[t]);
        return r;
    }
    rowmath::Best best(float v, int j) {
        sync();
        m_s.slot_f[m_tid] = v;
        m_s.slot_i[m_tid] = j;
        sync();
        rowmath::Best b{-FLT_MAX, INT_MAX};
        for (int t = 0; t < m_s.t; ++t)
            if (rowmath::ranks_before(m_s.slot_f[t], m_s.slot_i[t], b.v, b.j)) b = {m_s.slot_f[t], m_s.slot_i[t]};
        return b;
    }

    void sort_u32(std::uint32_t* k, int m) { rowmath::bitonic_sort(*this, k, m, ~std::uint32_t{0}); }
    void sort_u64(std::uint64_t* k, int m) { rowmath::bitonic_sort(*this, k, m, ~std::uint64_t{0}); }
    void atomic_max(std::uint32_t* p, std::uint32_t v) {
        std::atomic_ref<std::uint32_t> a(*p);
        std::uint32_t cur = a.load();
        while (cur < v && !a.compare_exchange_weak(cur, v)) {
        }
    }

    float* row() { return m_s.row.data(); }
    std::uint64_t* keys64() { return m_s.keys.data(); }
    double* dvec() { return m_s.dvec.data(); }
    int* ints() { return m_s.ints.data(); }

  private:
    // The leading barrier keeps a fast thread from overwriting a slot that a slow one is still reading from the
    // previous reduction (the GPU's two-level reduction has the same ordering).
    template <class Op>
    float reduce_f(float v, Op op) {
        sync();
        m_s.slot_f[m_tid] = v;
        sync();
        float r = m_s.slot_f[0];
        for (int t = 1; t < m_s.t; ++t) r = op(r, m_s.slot_f[t]);
        return r;
    }
    template <class Op>
    int reduce_i(int v, Op op) {
        sync();
        m_s.slot_i[m_tid] = v;
        sync();
        int r = m_s.slot_i[0];
        for (int t = 1; t < m_s.t; ++t) r = op(r, m_s.slot_i[t]);
        return r;
    }
    template <int K>
    void reduce_d(double (&a)[4], bool is_sum) {
        sync();
        for (int c = 0; c < K; ++c) m_s.slot_d[m_tid * 4 + c] = a[c];
        sync();
        for (int c = 0; c < K; ++c) {
            double r = m_s.slot_d[c];
            for (int t = 1; t < m_s.t; ++t) {
                const double x = m_s.slot_d[t * 4 + c];
                r = is_sum ? r + x : std::min(r, x);
            }
            a[c] = r;
        }
    }

    Shared& m_s;
    int m_tid;
};

// Runs fn(ex, i) for rows i = 0..rows-1 with `threads` threads cooperating on each row (a block walking the rows).
inline void run_rows_threaded(int threads, int n, int dv, int rows, const std::function<void(ThreadExec&, int)>& fn) {
    ThreadExec::Shared shared(threads, n, dv);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            ThreadExec ex(shared, t);
            for (int i = 0; i < rows; ++i) {
                fn(ex, i);
                ex.sync();
            }
        });
    for (auto& th : pool) th.join();
}

}  // namespace attnscope::gputest
