// atomic_write.hpp — files are written to a temporary sibling and renamed over the target only on success, so a
// failure (bad input found late, a full disk, a crash) never leaves a half-written or clobbered file.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

namespace attnscope {

// Throws InputError (field = `option`, e.g. "--out") when `path` cannot be written: its directory is missing or
// not writable, or it names a directory. Creates and removes a probe file; never touches `path` itself.
void check_writable(const std::filesystem::path& path, const std::string& option);

// Calls `write` on a stream to "<path>.tmp-XXXXXX" in the same directory, flushes, then renames it over `path`.
// If `write` throws or the stream fails, the temporary is removed, `path` is untouched, and the error propagates
// (a stream failure becomes std::runtime_error naming the path).
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write,
                           bool binary = false);

}  // namespace attnscope
