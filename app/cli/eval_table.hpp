// eval_table.hpp — a compact per-query table of one result, for `attnscope eval --table` and the run command.
#pragma once

#include <iosfwd>

#include "core/formats/case_io.hpp"

namespace attnscope::cli {

template <class T>
void print_eval_table(std::ostream& out, const AttentionCase& c, const AttentionResult<T>& r);

}  // namespace attnscope::cli
