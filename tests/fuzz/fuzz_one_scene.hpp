// fuzz_one_scene.hpp — the body of the scene-loader fuzz target (fuzz_scene_loader.cpp), shared with the replay
// test tests/gui/scene_fuzz_replay_test.cpp so a stored finding is replayed exactly as the fuzzer ran it.
//
// Contract (issue 4, "a scene that fails to load shows a message naming the problem"):
//   - load_scene_file either returns a scene or throws InputError, and the message names the file;
//   - a scene that loads is saved and loaded back without error, and the second save equals the first (what the
//     window saves, it must be able to open again);
//   - every column either validates against the scene's shape or is refused with an InputError (the column then
//     shows that message), and a small valid column evaluates without incident.
// Anything else (another exception, a crash, a hang, a sanitizer report) is a finding: fuzz_one_scene aborts or
// lets the exception escape.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "core/scene_io.hpp"

namespace attnscope::fuzz {

[[noreturn]] inline void scene_finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_one_scene: %s\n%s\n", what, detail.c_str());
    std::abort();
}

// Reads the scene from `path` (the caller has written the bytes there).
inline void fuzz_one_scene_file(const std::string& path) {
    Scene s;
    try {
        s = load_scene_file(path);
    } catch (const InputError& e) {
        if (e.info().file != path) scene_finding("refusal does not name the file", e.what());
        return;
    }
    const nlohmann::json saved = scene_to_json(s);
    Scene back;
    try {
        back = scene_from_json(saved);
    } catch (const InputError& e) {
        scene_finding("a loaded scene, saved, does not load again", std::string(e.what()) + "\n" + saved.dump());
    }
    const nlohmann::json saved_again = scene_to_json(back);
    if (saved_again != saved) scene_finding("save -> load -> save changed the file", saved.dump() + "\n" + saved_again.dump());

    // The window computes every column: a column must validate or be refused with a message, never crash. Small
    // problems are evaluated too (n^2 work; the exact value-aware solver capped as in fuzz_one_case.hpp).
    const reference::ProblemShape shape{s.n(), s.d(), s.dv(), s.causal};
    AttentionInput<double> in{s.tokens->q, s.tokens->k, s.tokens->v, s.causal};
    for (SceneColumn c : s.columns) {
        if (c.kind == VariantKind::VaAware && c.params.max_subsets > 5000) c.params.max_subsets = 5000;
        try {
            reference::validate(c.kind, shape, c.params);
            if (s.n() <= 24 && s.d() + s.dv() <= 64) (void)reference::evaluate<double>(c.kind, in, c.params);
        } catch (const InputError&) {
        }
    }
}

}  // namespace attnscope::fuzz
