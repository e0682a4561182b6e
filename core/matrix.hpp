// matrix.hpp — the matrix aliases that cross module boundaries.
//
// STYLE.md rule 9: T x T and T x d matrices that leave a module are row-major, because CUDA, texture upload
// and file export all walk one query row at a time. Everything outside core/ uses these aliases.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace attnscope {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

using MatD = Mat<double>;
using MatF = Mat<float>;
using MaskMat = Mat<std::uint8_t>;  // 0/1 per cell, e.g. selective attention's pruned keys

}  // namespace attnscope
