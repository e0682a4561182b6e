// serial_exec.hpp — the executor of row_programs.hpp as one plain CPU thread: every reduction is the identity and
// every barrier a no-op. Used by tests/gpu/row_math_test.cpp to run the GPU path's row maths on any machine.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cuda/row_programs.hpp"

namespace attnscope::rowmath {

class SerialExec {
  public:
    // n: longest row; dv: value width (va_aware's target vector).
    SerialExec(int n, int dv)
        : m_row(static_cast<std::size_t>(n) + 1),
          m_keys(static_cast<std::size_t>(n) + 1),
          m_dvec(static_cast<std::size_t>(dv) + 1),
          m_ints(static_cast<std::size_t>(n) + 2) {}

    int first() const { return 0; }
    int step() const { return 1; }
    bool leader() const { return true; }
    void sync() {}

    float max_f(float v) { return v; }
    float min_f(float v) { return v; }
    double sum_d(double v) { return v; }
    double min_d(double v) { return v; }
    int sum_i(int v) { return v; }
    int min_i(int v) { return v; }
    unsigned long long min_u64(unsigned long long v) { return v; }
    void sum_d2(double&, double&) {}
    void sum_d4(double (&)[4]) {}
    Best best(float v, int j) { return {v, j}; }

    void sort_u32(std::uint32_t* k, int m) { std::sort(k, k + m); }
    void sort_u64(std::uint64_t* k, int m) { std::sort(k, k + m); }

    void atomic_max(std::uint32_t* p, std::uint32_t v) { *p = std::max(*p, v); }

    float* row() { return m_row.data(); }
    std::uint64_t* keys64() { return m_keys.data(); }
    double* dvec() { return m_dvec.data(); }
    int* ints() { return m_ints.data(); }

  private:
    std::vector<float> m_row;
    std::vector<std::uint64_t> m_keys;
    std::vector<double> m_dvec;
    std::vector<int> m_ints;
};

}  // namespace attnscope::rowmath
