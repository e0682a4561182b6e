// attention_input.hpp — one single-head attention problem: Q, K, V and the mask.
#pragma once

#include "matrix.hpp"

namespace attnscope {

// q: (n, d) row i = query i; k: (n, d) row j = key j; v: (n, dv). causal => query i sees keys 0..i.
template <class T>
struct AttentionInput {
    Mat<T> q;
    Mat<T> k;
    Mat<T> v;
    bool causal = true;

    Eigen::Index n() const { return q.rows(); }
    Eigen::Index d() const { return q.cols(); }
    Eigen::Index dv() const { return v.cols(); }

    // Keys query i may attend: [0, support_end(i)).
    Eigen::Index support_end(Eigen::Index i) const { return causal ? i + 1 : n(); }

    template <class U>
    AttentionInput<U> cast() const {
        return {q.template cast<U>(), k.template cast<U>(), v.template cast<U>(), causal};
    }
};

}  // namespace attnscope
