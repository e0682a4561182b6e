#include "core/formats/atomic_write.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "core/errors.hpp"

namespace attnscope {
namespace {

std::filesystem::path temp_sibling(const std::filesystem::path& path) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string suffix = ".tmp-";
    for (int i = 0; i < 8; ++i) suffix += alphabet[rng() % 36];
    std::filesystem::path tmp = path;
    tmp += suffix;
    return tmp;
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
    const auto dir = path.parent_path();
    return dir.empty() ? std::filesystem::path(".") : dir;
}

}  // namespace

void check_writable(const std::filesystem::path& path, const std::string& option) {
    const std::string file = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw InputError({file, option, "is a directory", "give a file name, e.g. " + (path / "result.json").string()});
    const auto dir = directory_of(path);
    if (!std::filesystem::is_directory(dir, ec))
        throw InputError({file, option, "cannot be written: its directory " + dir.string() + " does not exist",
                          "create the directory or choose another path"});
    const auto probe = temp_sibling(path);
    std::ofstream out(probe, std::ios::binary);
    if (!out) {
        const std::string why = std::strerror(errno);
        throw InputError({file, option, "cannot be written (" + why + ")", "choose a path in a writable directory"});
    }
    out.close();
    std::filesystem::remove(probe, ec);
}

void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write,
                           bool binary) {
    const auto tmp = temp_sibling(path);
    std::error_code ec;
    try {
        std::ofstream out(tmp, binary ? std::ios::binary | std::ios::trunc : std::ios::trunc);
        if (!out) throw std::runtime_error(tmp.string() + ": cannot create (" + std::strerror(errno) + ")");
        write(out);
        out.flush();
        if (!out) throw std::runtime_error(path.string() + ": writing failed (disk full?)");
        out.close();
        std::filesystem::rename(tmp, path);
    } catch (...) {
        std::filesystem::remove(tmp, ec);
        throw;
    }
}

}  // namespace attnscope
