#include "errors.hpp"

#include <utility>

namespace attnscope {

InputError::InputError(InputErrorInfo info) : std::runtime_error(format(info)), m_info(std::move(info)) {}

InputError::InputError(std::string field, std::string what, std::string hint)
    : InputError(InputErrorInfo{"", std::move(field), std::move(what), std::move(hint)}) {}

InputError InputError::with_file(std::string file) const {
    InputErrorInfo copy = m_info;
    copy.file = std::move(file);
    return InputError(std::move(copy));
}

// "case.json: Q[3][1]: is NaN; use a finite number"
std::string InputError::format(const InputErrorInfo& info) {
    std::string s;
    if (!info.file.empty()) s += info.file + ": ";
    if (!info.field.empty()) s += info.field + ": ";
    s += info.what;
    if (!info.hint.empty()) s += "; " + info.hint;
    return s;
}

}  // namespace attnscope
