// grad_check.hpp — central finite differences in double, the independent truth for every backward pass.
//
// Tolerance derivation: for a smooth loss, the central difference (L(x+h) - L(x-h)) / 2h has truncation error
// h^2 |L'''| / 6 ~ 1e-12 at h = 1e-6 for the O(1) losses used here, and rounding error ~ eps_64 |L| / h
// ~ 1e-16 * 10 / 1e-6 = 1e-9. A correct analytic gradient therefore agrees to ~1e-8; a wrong term (a missing
// factor, a transposed product) is off by O(|g|). We accept |a - fd| <= 1e-6 + 1e-5 |fd|: 100x above the
// expected error, far below any real mistake.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/matrix.hpp"
#include "core/model/rng.hpp"

namespace attnscope::model::test {

inline constexpr double kFdStep = 1e-6;
inline constexpr double kFdAtol = 1e-6;
inline constexpr double kFdRtol = 1e-5;

// Checks analytic[i] against the central difference of loss() in x[i] for every i (x is perturbed in place and
// restored). Reports the first few mismatches with their index.
inline void expect_gradient(const std::string& what, double* x, std::size_t size, const double* analytic,
                            const std::function<double()>& loss) {
    int failures = 0;
    for (std::size_t i = 0; i < size; ++i) {
        const double x0 = x[i];
        x[i] = x0 + kFdStep;
        const double lp = loss();
        x[i] = x0 - kFdStep;
        const double lm = loss();
        x[i] = x0;
        const double fd = (lp - lm) / (2 * kFdStep);
        if (std::abs(analytic[i] - fd) > kFdAtol + kFdRtol * std::abs(fd)) {
            if (++failures <= 5)
                ADD_FAILURE() << what << "[" << i << "]: analytic " << analytic[i] << " vs finite difference " << fd;
        }
    }
    EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << size << " entries disagree";
}

inline MatD random_mat(Rng& rng, Eigen::Index r, Eigen::Index c, double scale = 1.0) {
    MatD m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = scale * rng.normal();
    return m;
}

}  // namespace attnscope::model::test
