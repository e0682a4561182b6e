// gl.hpp — the OpenGL declarations the lab's own GL code uses (textures, framebuffers, read-back).
//
// Prototypes come from libGL (glvnd dispatches them to whichever context is current: GLX under X, EGL headless);
// ImGui's GL3 backend loads its own pointers. Nothing outside app/gui/*_gl.cpp and the shells includes this.
#pragma once

#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/gl.h>
#include <GL/glext.h>
