// process.hpp — runs the attnscope binary as a child process for the end-to-end tests: exit code, stdout, stderr,
// and a wall-clock limit so that a hang becomes a test failure instead of a stuck CI job (this is a hang guard,
// not a timing assertion: the limit is minutes where the work takes milliseconds).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace attnscope::test {

struct ProcessResult {
    int exit_code = -1;     // valid when exited
    bool exited = false;    // false: killed by a signal (a crash) or by the time limit
    int signal = 0;
    bool timed_out = false;
    std::uint64_t max_rss_bytes = 0;  // peak resident memory of the child (wait4)
    std::string out, err;
    std::string describe() const;  // "exit 2" / "signal 11" / "timed out", plus stderr
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::seconds limit = std::chrono::seconds(300));

std::filesystem::path attnscope_binary();  // ATTNSCOPE_BINARY_DIR/app/attnscope

// ["attnscope", args...] with the binary path filled in.
ProcessResult run_attnscope(const std::vector<std::string>& args,
                            std::chrono::seconds limit = std::chrono::seconds(300));

// A fresh, empty directory for one test, removed by the destructor.
class TempDir {
public:
    explicit TempDir(const std::string& tag);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }
    std::vector<std::string> entries() const;  // file names in the directory, sorted

private:
    std::filesystem::path m_path;
};

}  // namespace attnscope::test
