// system_memory.hpp — how much memory this machine can give a computation right now.
#pragma once

#include <cstdint>

namespace attnscope::cli {

// MemAvailable from /proc/meminfo (what can be allocated without swapping), else free physical pages.
std::uint64_t available_memory_bytes();

}  // namespace attnscope::cli
