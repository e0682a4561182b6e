#include "scene_history.hpp"

namespace attnscope {

std::size_t SceneHistory::bytes_of(const SceneEdit& e) {
    if (const auto* r = std::get_if<edit::RestoreTokens>(&e.op); r && r->tokens) {
        const SceneTokens& t = *r->tokens;
        return sizeof(double) * static_cast<std::size_t>(t.q.size() + t.k.size() + t.v.size()) + 32 * t.labels.size();
    }
    if (const auto* r = std::get_if<edit::ReplaceScene>(&e.op); r && r->scene) {
        const SceneTokens& t = *r->scene->tokens;
        return sizeof(double) * static_cast<std::size_t>(t.q.size() + t.k.size() + t.v.size()) + 32 * t.labels.size();
    }
    return 256;
}

void SceneHistory::apply(Scene& scene, const SceneEdit& e) {
    SceneEdit inverse = apply_edit(scene, e);  // throws before anything is recorded
    m_redo.clear();
    if (e.gesture != 0 && e.gesture == m_open_gesture && !m_undo.empty()) return;  // same drag: keep the first
    m_open_gesture = e.gesture;
    Step step{std::move(inverse), describe_edit(e), 0};
    step.bytes = bytes_of(step.inverse);
    m_bytes += step.bytes;
    m_undo.push_back(std::move(step));
    trim();
}

void SceneHistory::trim() {
    while (m_undo.size() > 1 && (m_undo.size() > m_max_steps || m_bytes > m_max_bytes)) {
        m_bytes -= m_undo.front().bytes;
        m_undo.pop_front();
    }
}

std::string SceneHistory::undo_label() const { return m_undo.empty() ? std::string() : m_undo.back().label; }
std::string SceneHistory::redo_label() const { return m_redo.empty() ? std::string() : m_redo.back().label; }

bool SceneHistory::undo(Scene& scene) {
    if (m_undo.empty()) return false;
    Step step = std::move(m_undo.back());
    m_undo.pop_back();
    m_bytes -= step.bytes;
    SceneEdit redo = apply_edit(scene, step.inverse);
    m_redo.push_back({std::move(redo), step.label, 0});
    m_open_gesture = 0;
    return true;
}

bool SceneHistory::redo(Scene& scene) {
    if (m_redo.empty()) return false;
    Step step = std::move(m_redo.back());
    m_redo.pop_back();
    SceneEdit undo = apply_edit(scene, step.inverse);
    Step back{std::move(undo), step.label, 0};
    back.bytes = bytes_of(back.inverse);
    m_bytes += back.bytes;
    m_undo.push_back(std::move(back));
    m_open_gesture = 0;
    return true;
}

void SceneHistory::clear() {
    m_undo.clear();
    m_redo.clear();
    m_bytes = 0;
    m_open_gesture = 0;
}

}  // namespace attnscope
