# Every dependency is a Debian 12 package installed by scripts/bootstrap.sh; nothing is downloaded at build time.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(fmt REQUIRED)
if(ATTNSCOPE_BUILD_GUI)
  find_package(PkgConfig REQUIRED)
  # libimgui-dev 1.86 ships one static library with the GLFW and OpenGL3 backends; its .pc also pulls
  # in libstb (stb after imgui is the link order that works, DESIGN.md toolchain facts).
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  find_package(glfw3 3.3 REQUIRED)
  find_package(OpenGL REQUIRED COMPONENTS OpenGL EGL)
endif()
if(ATTNSCOPE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
