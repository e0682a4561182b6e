#include "app/gui/profile_drag.hpp"

#include <algorithm>
#include <cmath>

#include "app/gui/lab.hpp"

namespace attnscope::gui {
namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t i =
        std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
    return v[i];
}

}  // namespace

void DragProfiler::before_frame(Lab& lab, int frame) {
    if (frame < 3 || m_done_frames >= m_frames) return;  // let the first result and the layout settle first
    const Scene& s = lab.scene();
    const int key = std::min(1, s.n() - 1);
    if (m_start.empty()) {
        m_gesture = new_gesture_id();
        m_start.assign(s.tokens->k.row(key).data(), s.tokens->k.row(key).data() + s.d());
    }
    std::vector<double> v = m_start;
    const double a = 0.15 * static_cast<double>(frame);
    v[0] += 0.6 * std::cos(a);
    if (v.size() > 1) v[1] += 0.6 * std::sin(a);
    lab.inject({edit::SetRow{TokenField::K, key, v}, m_gesture, "profile drag"});
}

void DragProfiler::after_frame(Lab& lab, int frame, double frame_ms, double ui_ms) {
    const auto now = Clock::now();
    if (frame >= 3 && m_done_frames < m_frames) {
        m_frame_ms.push_back(frame_ms);
        m_ui_ms.push_back(ui_ms);
        m_pass_ms.push_back(lab.scheduler().last_pass_ms());
        m_pending.push_back({lab.scene().data_revision, now, frame});
        ++m_done_frames;
    }
    const ResultSet* r = lab.results();
    if (!r) return;
    // An edit is on screen once a frame was drawn from results at least as new as the scene it produced.
    auto it = m_pending.begin();
    while (it != m_pending.end() && r->data_revision >= it->data_revision) {
        m_latency_ms.push_back(std::chrono::duration<double, std::milli>(now - it->at).count() + frame_ms);
        m_latency_frames.push_back(frame - it->frame + 1);
        it = m_pending.erase(it);
    }
}

void DragProfiler::print(std::FILE* out, const std::string& where, const Scene& scene) const {
    std::vector<double> lf(m_latency_frames.begin(), m_latency_frames.end());
    std::fprintf(
        out,
        "profile-drag: %s\n"
        "  scene n = %d, d = %d, dv = %d, %zu columns, %d frames\n"
        "  frame time   median %.2f ms   p95 %.2f ms   max %.2f ms   (UI work alone: median %.2f ms, p95 %.2f ms)\n"
        "  compute pass median %.2f ms   p95 %.2f ms\n"
        "  edit -> shown median %.2f ms (%.0f frames)   p95 %.2f ms (%.0f frames)   (%zu of %d edits shown)\n",
        where.c_str(), scene.n(), scene.d(), scene.dv(), scene.columns.size(), m_done_frames,
        percentile(m_frame_ms, 0.5), percentile(m_frame_ms, 0.95), percentile(m_frame_ms, 1.0),
        percentile(m_ui_ms, 0.5), percentile(m_ui_ms, 0.95), percentile(m_pass_ms, 0.5), percentile(m_pass_ms, 0.95),
        percentile(m_latency_ms, 0.5), percentile(lf, 0.5), percentile(m_latency_ms, 0.95), percentile(lf, 0.95),
        m_latency_ms.size(), m_done_frames);
}

}  // namespace attnscope::gui
