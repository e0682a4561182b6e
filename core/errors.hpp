// errors.hpp — the typed error that bad input becomes (STYLE.md rule 7: what, where, and how to fix it).
//
// The CLI prints it and exits with code 2; the window shows it in a modal and keeps the current scene.
#pragma once

#include <stdexcept>
#include <string>

namespace attnscope {

struct InputErrorInfo {
    std::string file;   // the file, when the input came from one ("" otherwise)
    std::string field;  // JSON path or parameter, e.g. "Q[3][1]" or "params.r"; "" when not about one field
    std::string what;   // what is wrong, e.g. "is NaN"
    std::string hint;   // how to fix it, e.g. "use a finite number"
};

class InputError : public std::runtime_error {
public:
    explicit InputError(InputErrorInfo info);
    InputError(std::string field, std::string what, std::string hint);

    const InputErrorInfo& info() const { return m_info; }

    // The same error, now knowing which file it came from.
    InputError with_file(std::string file) const;

private:
    static std::string format(const InputErrorInfo& info);
    InputErrorInfo m_info;
};

}  // namespace attnscope
