// `attnscope train` end to end: a tiny run writes a loadable checkpoint and the JSON summary; bad input exits 2
// with nothing overwritten; Ctrl+C (SIGINT) saves a resumable checkpoint and exits 130; --resume finishes the run.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkpoint_fixtures.hpp"
#include "core/training/checkpoint.hpp"

extern char** environ;

namespace attnscope::model::test {
namespace {

namespace fs = std::filesystem;

// ATTNSCOPE_EXE overrides the binary (e.g. a Release build of the same tree).
const std::string kExe = std::getenv("ATTNSCOPE_EXE") ? std::getenv("ATTNSCOPE_EXE")
                                                       : std::string(ATTNSCOPE_BINARY_DIR) + "/app/attnscope";

// Runs the CLI through the shell; returns the exit code, stderr in *err.
int run(const std::string& args, std::string* err = nullptr) {
    // One file per test process: ctest runs these tests in parallel.
    const fs::path errfile = fs::path(ATTNSCOPE_BINARY_DIR) / "tests" / "model" / "scratch" /
                             ("stderr-" + std::to_string(::getpid()) + ".txt");
    fs::create_directories(errfile.parent_path());
    const int status = std::system((kExe + " " + args + " >/dev/null 2>" + errfile.string()).c_str());
    if (err) {
        std::ifstream in(errfile);
        *err = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

const std::string kTiny = "--layers 1 --heads 2 --dim 8 --seq-len 12 --batch 4 --test-size 8 --quiet";

TEST(CliTrain, TinyRunWritesCheckpointAndJson) {
    const fs::path dir = scratch_dir("cli_ok");
    const fs::path out = dir / "m.safetensors", js = dir / "s.json";
    ASSERT_EQ(run("train --task sort --variant lssar --steps 5 " + kTiny + " --out " + out.string() + " --json " + js.string()), 0);
    const training::Checkpoint ck = training::load_checkpoint(out);
    EXPECT_EQ(ck.step, 5);
    EXPECT_EQ(ck.task, "sort");
    EXPECT_EQ(ck.config.variant, VariantKind::Lssar);
    const auto j = nlohmann::json::parse(slurp(js));
    for (const char* k : {"task", "variant", "steps", "final_loss", "test_accuracy", "seconds", "tokens_per_s"})
        EXPECT_TRUE(j.contains(k)) << k;
    EXPECT_EQ(j["steps"], 5);
    EXPECT_EQ(j["variant"], "lssar");
}

TEST(CliTrain, BadInputExitsTwoAndOverwritesNothing) {
    const fs::path dir = scratch_dir("cli_bad");
    const fs::path keep = dir / "keep.safetensors", bad = dir / "bad.safetensors";
    std::ofstream(keep) << "precious";
    std::ofstream(bad) << "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":";  // header length 16, JSON cut short
    std::string err;
    EXPECT_EQ(run("train --resume " + bad.string() + " --out " + keep.string(), &err), 2);
    EXPECT_NE(err.find(bad.string()), std::string::npos) << err;
    EXPECT_EQ(slurp(keep), "precious");
    EXPECT_EQ(run("train --task copy --variant va_aware " + kTiny + " --out " + keep.string(), &err), 2);
    EXPECT_NE(err.find("--variant"), std::string::npos) << err;
    EXPECT_EQ(run("train --task nope " + kTiny + " --out " + keep.string(), &err), 2);
    EXPECT_EQ(run("train --task copy --heads 3 " + kTiny.substr(kTiny.find("--dim")) + " --out " + keep.string(), &err), 2);
    EXPECT_EQ(run("train --task copy --steps 2 " + kTiny + " --out " + (dir / "missing" / "m.safetensors").string(), &err), 2);
    EXPECT_EQ(slurp(keep), "precious");
    for (const auto& e : fs::directory_iterator(dir))  // no temporaries left behind
        EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(CliTrain, InterruptSavesResumableCheckpointAndResumeFinishes) {
    const fs::path dir = scratch_dir("cli_sigint");
    const fs::path out = dir / "m.safetensors";
    std::vector<std::string> args = {kExe, "train", "--task", "copy", "--steps", "200000", "--layers", "1", "--heads",
                                     "2", "--dim", "8", "--seq-len", "12", "--batch", "4", "--test-size", "8",
                                     "--eval-every", "100000", "--quiet", "--out", out.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, kExe.c_str(), nullptr, nullptr, argv.data(), environ), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    const training::Checkpoint ck = training::load_checkpoint(out);
    EXPECT_GT(ck.step, 0);
    EXPECT_LT(ck.step, 200000);
    EXPECT_GT(ck.adam_m.size(), 0);  // resumable
    const int total = ck.step + 3;
    EXPECT_EQ(run("train --resume " + out.string() + " --out " + out.string() + " --steps " + std::to_string(total) + " --quiet"), 0);
    EXPECT_EQ(training::load_checkpoint(out).step, total);
}

}  // namespace
}  // namespace attnscope::model::test
