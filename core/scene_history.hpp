// scene_history.hpp — undo and redo for every scene edit (Ctrl+Z / Ctrl+Shift+Z in the window).
//
// Each applied edit pushes its inverse (a memento, scene_edit.hpp). Consecutive edits with the same non-zero
// gesture id are one step: the first inverse is kept, the later ones are dropped, so undoing a drag restores the
// state from before the drag. The history is bounded by a step count and by the bytes its token mementos hold,
// dropping the oldest steps first (a step at n = 4096, d = 64 holds about 6 MB).
#pragma once

#include <cstddef>
#include <deque>
#include <string>

#include "scene_edit.hpp"

namespace attnscope {

class SceneHistory {
  public:
    explicit SceneHistory(std::size_t max_steps = 500, std::size_t max_bytes = std::size_t{256} << 20)
        : m_max_steps(max_steps), m_max_bytes(max_bytes) {}

    // Applies `e` to `scene` and records it. Throws InputError (scene unchanged, history unchanged) when the edit
    // does not fit.
    void apply(Scene& scene, const SceneEdit& e);

    bool can_undo() const { return !m_undo.empty(); }
    bool can_redo() const { return !m_redo.empty(); }
    std::string undo_label() const;  // "" when there is nothing to undo
    std::string redo_label() const;

    bool undo(Scene& scene);  // false when there was nothing to undo
    bool redo(Scene& scene);

    // Ends the current gesture: the next edit starts a new undo step even if it reuses the gesture id.
    void close_gesture() { m_open_gesture = 0; }

    void clear();
    std::size_t undo_steps() const { return m_undo.size(); }
    std::size_t redo_steps() const { return m_redo.size(); }

  private:
    struct Step {
        SceneEdit inverse;
        std::string label;
        std::size_t bytes = 0;
    };
    static std::size_t bytes_of(const SceneEdit& e);
    void trim();

    std::deque<Step> m_undo;
    std::deque<Step> m_redo;
    std::uint64_t m_open_gesture = 0;
    std::size_t m_bytes = 0;
    std::size_t m_max_steps;
    std::size_t m_max_bytes;
};

}  // namespace attnscope
