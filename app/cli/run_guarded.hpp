// run_guarded.hpp — runs a command's action and turns what it throws into an exit code and one message.
#pragma once

#include <functional>
#include <string_view>

namespace attnscope::cli {

// InputError -> message on stderr, exit 2 (bad input); any other exception -> exit 1 (runtime failure).
int run_guarded(std::string_view command_name, const std::function<int()>& action);

}  // namespace attnscope::cli
