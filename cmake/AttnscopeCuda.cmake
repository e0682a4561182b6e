# CUDA is optional: the backend is compiled whenever nvcc is found (it is on our machines), and at run
# time it reports itself unavailable with the CUDA error text when there is no GPU or driver.
set(ATTNSCOPE_HAVE_CUDA OFF)
if(ATTNSCOPE_BUILD_CUDA)
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # check_language clobbers CMAKE_CUDA_HOST_COMPILER (DESIGN.md): pass a host compiler via CUDAHOSTCXX.
    # Never "native": the build machines have no GPU. 80-real covers A100, 90 (SASS + PTX) covers H100/H200.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
    endif()
    enable_language(CUDA)
    # CMake 3.25 has no nvcc flag for C++20 (generation fails), so CUDA code is C++17; host code stays C++20.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    find_package(CUDAToolkit REQUIRED)
    set(ATTNSCOPE_HAVE_CUDA ON)
    message(STATUS "attnscope: CUDA backend enabled (${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
  else()
    message(STATUS "attnscope: nvcc not found, CUDA backend not built")
  endif()
endif()
