// lab_session.hpp — incremental recompute for drags at large n, through the backend's AttentionSession (issue 6).
//
// A drag changes one query, key or value per frame. Where the backend offers a session and the map is long enough
// to pay for it (n >= kSessionMinN), the worker keeps one session for the current columns and feeds it the rows that
// changed; what a row edit costs is documented by the backend (kernels/cpu/cpu_session.hpp: about half a full
// recompute for a key at n = 1024, a fifth for a query). Anything else (other columns or parameters, several rows
// changed, a backend without sessions) reopens the session or falls back to compute_columns().
#pragma once

#include <memory>
#include <vector>

#include "app/gui/lab_compute.hpp"
#include "core/attention_backend.hpp"

namespace attnscope::gui {

inline constexpr int kSessionMinN = 512;
inline constexpr int kSessionMaxChangedRows = 4;

class LabSession {
  public:
    // Computes every column of `req` through the session. Returns false (and leaves `out` alone) when a session does
    // not apply: short maps, a column that fails validation, a backend without sessions, or an error.
    bool compute(const ComputeRequest& req, std::vector<std::shared_ptr<const ColumnCompute>>& out);

    // Recomputes everything from the session's current vectors (drops the rounding drift of many updates). Idle time.
    void refresh();
    void reset();

  private:
    std::uint64_t signature(const ComputeRequest& req) const;
    bool open(const ComputeRequest& req);

    std::unique_ptr<AttentionSession> m_session;
    std::uint64_t m_signature = 0;
    std::shared_ptr<const SceneTokens> m_tokens;  // the vectors the session holds now
    std::vector<SceneColumn> m_columns;           // owns the parameters the session's problems point to
    MatF m_q, m_k, m_v;                           // the float copies the problems pointed to when opening
    bool m_dirty = false;                         // updated incrementally since the last open/refresh
};

}  // namespace attnscope::gui
