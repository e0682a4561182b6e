#include "tests/cli/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace attnscope::test {

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

std::string ProcessResult::describe() const {
    std::string s;
    if (timed_out)
        s = "timed out (killed)";
    else if (!exited)
        s = "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    else
        s = "exit " + std::to_string(exit_code);
    return s + "\n--- stderr ---\n" + err + "--- stdout (first 2000 chars) ---\n" + out.substr(0, 2000);
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::seconds limit) {
    static std::atomic<int> counter{0};
    const auto base = std::filesystem::temp_directory_path() /
                      ("attnscope_proc_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    const std::string out_path = base.string() + ".out", err_path = base.string() + ".err";

    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    ProcessResult r;
    const pid_t pid = fork();
    if (pid < 0) {
        r.err = "fork failed";
        return r;
    }
    if (pid == 0) {
        const int fo = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int fe = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int fi = open("/dev/null", O_RDONLY);
        if (fo < 0 || fe < 0 || fi < 0) _exit(127);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(args[0], args.data());
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    struct rusage usage {};
    for (;;) {
        const pid_t w = wait4(pid, &status, WNOHANG, &usage);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &usage);
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    r.max_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
    if (!r.timed_out) {
        if (WIFEXITED(status)) {
            r.exited = true;
            r.exit_code = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            r.signal = WTERMSIG(status);
        }
    }
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    std::error_code ec;
    std::filesystem::remove(out_path, ec);
    std::filesystem::remove(err_path, ec);
    return r;
}

std::filesystem::path attnscope_binary() { return std::filesystem::path(ATTNSCOPE_BINARY_DIR) / "app" / "attnscope"; }

ProcessResult run_attnscope(const std::vector<std::string>& args, std::chrono::seconds limit) {
    std::vector<std::string> argv{attnscope_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, limit);
}

TempDir::TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("attnscope_test_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ec;
    // Restore permissions a test may have removed, then delete.
    std::filesystem::permissions(m_path, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(m_path, ec);
}

std::vector<std::string> TempDir::entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(m_path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace attnscope::test
