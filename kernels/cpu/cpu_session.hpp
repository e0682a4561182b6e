// cpu_session.hpp — the CPU backend's incremental-edit session (AttentionSession, core/attention_backend.hpp).
//
// What an edit costs, per problem of the session (n keys, d, dv; "rows that see j" = i >= j when causal, all else):
//   dpa, ssa, va_exact, lssa, ea (bounded), selective without pruning  ("rank-one" rows, session_rows.hpp):
//     set_key(j)    O(n d) for the new logit column (+ O(n) for selective's S and F column), then per row that sees
//                   j: O(dv) + the move of one entry in the row's sorted order (Gini, top-k, counts);
//     set_query(i)  row i only: O(n (d + dv)) (selective: rows >= i, whose mask F changes);
//     set_value(j)  O(n dv): the outputs of the rows that see j.
//   lssar, va_oblivious, va_aware, ea plain, selective with pruning: the rows an edit touches are recomputed by the
//     backend's own row sweep (key j: the rows that see j; query i: row i, or rows >= i for pruned selective;
//     value j: the rows that see j), still with no work on rows it cannot change.
// When the session was opened with want_weights, every changed row's weights are rewritten (O(n) per row); a GUI
// that reads single cells should open it without and call weight(). Extras are always kept. Implied temperature,
// when asked for, is recomputed for every changed row (a bisection per row: costly at large n).
#pragma once

#include <memory>
#include <span>

#include "core/attention_backend.hpp"

namespace attnscope::kernels::cpu {

// Throws InputError when the problems do not share one Q, K, V, or for parameters reference::validate rejects.
std::unique_ptr<AttentionSession> open_cpu_session(std::span<const BackendProblem> batch,
                                                   const BackendOptions& options);

}  // namespace attnscope::kernels::cpu
