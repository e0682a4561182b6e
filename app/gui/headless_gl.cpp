#include "app/gui/headless_gl.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <cstdlib>

#include "app/gui/gl.hpp"
#include "core/errors.hpp"

namespace attnscope::gui {

struct HeadlessGl::Impl {
    EGLDisplay display = EGL_NO_DISPLAY;
    EGLContext context = EGL_NO_CONTEXT;
    GLFWwindow* window = nullptr;

    // Returns "" on success, else why EGL could not give a context.
    std::string try_egl() {
        auto get_platform_display =
            reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
        if (!get_platform_display) return "eglGetPlatformDisplayEXT is missing (no EGL_EXT_platform_base)";
        display = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
        if (display == EGL_NO_DISPLAY) return "no surfaceless EGL display (Mesa's EGL_MESA_platform_surfaceless)";
        EGLint major = 0, minor = 0;
        if (!eglInitialize(display, &major, &minor)) {
            display = EGL_NO_DISPLAY;
            return "eglInitialize failed (error 0x" + hex(eglGetError()) + ")";
        }
        if (!eglBindAPI(EGL_OPENGL_API)) return "eglBindAPI(EGL_OPENGL_API) failed";
        const EGLint config_attribs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
        EGLConfig config = nullptr;
        EGLint count = 0;
        eglChooseConfig(display, config_attribs, &config, 1, &count);
        const EGLint ctx_attribs[] = {
            EGL_CONTEXT_MAJOR_VERSION,           3,       EGL_CONTEXT_MINOR_VERSION, 3, EGL_CONTEXT_OPENGL_PROFILE_MASK,
            EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
        context = eglCreateContext(display, count > 0 ? config : EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, ctx_attribs);
        if (context == EGL_NO_CONTEXT)
            return "eglCreateContext (OpenGL 3.3 core) failed (error 0x" + hex(eglGetError()) + ")";
        if (!eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context))
            return "eglMakeCurrent without a surface failed";
        return "";
    }

    std::string try_glfw() {
        const char* x = std::getenv("DISPLAY");
        if (!x || !*x) return "DISPLAY is not set";
        if (!glfwInit()) return "glfwInit failed";
        glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        window = glfwCreateWindow(64, 64, "attnscope render", nullptr, nullptr);
        if (!window) return "glfwCreateWindow failed";
        glfwMakeContextCurrent(window);
        return "";
    }

    static std::string hex(EGLint e) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(e));
        return buf;
    }

    ~Impl() {
        if (display != EGL_NO_DISPLAY) {
            eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
            if (context != EGL_NO_CONTEXT) eglDestroyContext(display, context);
            eglTerminate(display);
        }
        if (window) {
            glfwDestroyWindow(window);
            glfwTerminate();
        }
    }
};

HeadlessGl::HeadlessGl(int width, int height) : m_impl(std::make_unique<Impl>()), m_width(width), m_height(height) {
    const std::string egl_problem = m_impl->try_egl();
    if (egl_problem.empty()) {
        m_description = "EGL surfaceless";
    } else {
        const std::string x_problem = m_impl->try_glfw();
        if (!x_problem.empty())
            throw InputError("display",
                             "no OpenGL context without a window: EGL surfaceless (Mesa) failed: " + egl_problem +
                                 "; X: " + x_problem,
                             "install Mesa's EGL (libegl-mesa0, libgl1-mesa-dri) or run under Xvfb: "
                             "xvfb-run -a -s '-screen 0 1600x900x24 -noreset' attnscope render ...");
        m_description = "GLX (hidden window)";
    }
    m_description += std::string(": ") + reinterpret_cast<const char*>(glGetString(GL_RENDERER)) + ", OpenGL " +
                     reinterpret_cast<const char*>(glGetString(GL_VERSION));
    GLint max_size = 0;
    glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &max_size);
    if (width > max_size || height > max_size)
        throw InputError("--size",
                         std::to_string(width) + "x" + std::to_string(height) + " is larger than this GL allows",
                         "use at most " + std::to_string(max_size) + " pixels per side");
    glGenFramebuffers(1, &m_fbo);
    glGenRenderbuffers(1, &m_color);
    glBindRenderbuffer(GL_RENDERBUFFER, m_color);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, m_color);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
        throw std::runtime_error("the offscreen framebuffer is incomplete (" + m_description + ")");
    bind();
}

HeadlessGl::~HeadlessGl() {
    if (m_fbo) glDeleteFramebuffers(1, &m_fbo);
    if (m_color) glDeleteRenderbuffers(1, &m_color);
}

void HeadlessGl::bind() {
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo);
    glViewport(0, 0, m_width, m_height);
}

}  // namespace attnscope::gui
