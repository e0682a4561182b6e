// checkpoint_fixtures.hpp — a tiny, quickly made checkpoint and a scratch directory for the checkpoint and CLI tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/tasks/task.hpp"
#include "core/training/trainer.hpp"

namespace attnscope::model::test {

// A fresh, empty directory under the build tree (tests never write into the source tree). The running test's name
// is part of the path: ctest runs every test as its own process, in parallel, and a fixture that empties a shared
// directory in SetUp would delete a sibling test's files mid-run.
inline std::filesystem::path scratch_dir(const std::string& name) {
    std::string unique = name;
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
        unique += std::string("-") + info->test_suite_name() + "." + info->name();
        std::replace(unique.begin(), unique.end(), '/', '_');  // parameterised names contain '/'
    }
    const auto dir = std::filesystem::path(ATTNSCOPE_BINARY_DIR) / "tests" / "model" / "scratch" / unique;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// The tiny model the fast tests train on `copy`: 1 layer, 2 heads, d_model 8, MLP 16, at sequence length `len`.
inline ModelConfig tiny_copy_config(int len, VariantKind kind = VariantKind::Dpa) {
    ModelConfig cfg;
    cfg.vocab = static_cast<int>(tasks::make_task("copy")->vocab().size());
    cfg.d_model = 8;
    cfg.n_layers = 1;
    cfg.n_heads = 2;
    cfg.d_ff = 16;
    cfg.train_len = len;
    cfg.max_positions = len;
    cfg.variant = kind;
    return cfg;
}

// Three training steps of a 1-layer model on `copy`, with a log entry that has a test accuracy.
inline training::Checkpoint tiny_checkpoint(VariantKind kind) {
    const ModelConfig cfg = tiny_copy_config(8, kind);
    training::TrainOptions o;
    o.steps = 4;
    o.batch = 4;
    o.seq_len = 8;
    o.test_size = 8;
    o.warmup = 1;
    training::Trainer t(cfg, "copy", o);
    t.step();
    t.evaluate();
    t.step();
    t.step();
    return t.checkpoint(true);
}

}  // namespace attnscope::model::test
