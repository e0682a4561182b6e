// headless_gl.hpp — an OpenGL 3.3 core context with no window, rendering into a framebuffer object.
//
// First choice: EGL on Mesa's surfaceless platform (EGL_PLATFORM_SURFACELESS_MESA through eglGetPlatformDisplay):
// works with no X server at all, as in CI. Fallback, when EGL cannot give a context and an X display is there
// (Xvfb): an invisible GLFW window's context. If neither works the constructor throws InputError whose message
// names Xvfb (GLFW 3.3 itself needs X; OSMesa cannot drive ImGui's GL3 loader).
#pragma once

#include <memory>
#include <string>

namespace attnscope::gui {

class HeadlessGl {
  public:
    HeadlessGl(int width, int height);  // makes the context current and binds the FBO
    ~HeadlessGl();
    HeadlessGl(const HeadlessGl&) = delete;
    HeadlessGl& operator=(const HeadlessGl&) = delete;

    int width() const { return m_width; }
    int height() const { return m_height; }
    const std::string& description() const { return m_description; }  // "EGL surfaceless: llvmpipe ..."
    void bind();                                                      // the FBO as draw and read framebuffer

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int m_width, m_height;
    std::string m_description;
    unsigned int m_fbo = 0, m_color = 0;
};

}  // namespace attnscope::gui
