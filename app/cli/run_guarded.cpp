#include "run_guarded.hpp"

#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "command.hpp"
#include "core/errors.hpp"

namespace attnscope::cli {

int run_guarded(std::string_view command_name, const std::function<int()>& action) {
    const std::string who = command_name.empty() ? std::string("attnscope") : "attnscope " + std::string(command_name);
    try {
        return action();
    } catch (const InputError& e) {
        std::fprintf(stderr, "%s: error: %s\n", who.c_str(), e.what());
        return kExitBadInput;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: error: out of memory; try a smaller problem\n", who.c_str());
        return kExitFailure;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", who.c_str(), e.what());
        return kExitFailure;
    }
}

}  // namespace attnscope::cli
