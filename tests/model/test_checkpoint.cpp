// Checkpoints: save -> load -> identical outputs; malformed files (truncated, wrong offsets, huge header length,
// wrong dtype or shape, non-finite weights, inconsistent metadata) rejected with InputError naming the file and
// field. The CLI half (exit code 2, nothing overwritten) is in test_cli_train.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "checkpoint_fixtures.hpp"
#include "core/errors.hpp"
#include "core/formats/safetensors.hpp"
#include "core/training/checkpoint.hpp"

namespace attnscope::training::test {
namespace {

namespace fs = std::filesystem;
using attnscope::model::test::tiny_checkpoint;
using attnscope::model::test::scratch_dir;

std::vector<std::uint8_t> bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& b) {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Splits a file into its JSON header and data section, and rebuilds one from (possibly edited) parts.
struct Parts {
    nlohmann::json header;
    std::vector<std::uint8_t> data;
};
Parts split(const std::vector<std::uint8_t>& b) {
    std::uint64_t len = 0;
    std::memcpy(&len, b.data(), 8);
    Parts p;
    p.header = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(len));
    p.data.assign(b.begin() + 8 + static_cast<std::ptrdiff_t>(len), b.end());
    return p;
}
std::vector<std::uint8_t> join(const Parts& p) {
    const std::string h = p.header.dump();
    std::vector<std::uint8_t> out(8 + h.size());
    const std::uint64_t len = h.size();
    std::memcpy(out.data(), &len, 8);
    std::memcpy(out.data() + 8, h.data(), h.size());
    out.insert(out.end(), p.data.begin(), p.data.end());
    return out;
}

class CheckpointFiles : public ::testing::Test {
protected:
    void SetUp() override {
        dir = scratch_dir("checkpoint");
        good = dir / "good.safetensors";
        ck = tiny_checkpoint(VariantKind::Ssa);
        save_checkpoint(good, ck);
        raw = bytes_of(good);
    }
    // Expects load_checkpoint to refuse `b` with a message containing every fragment.
    void expect_rejected(const std::vector<std::uint8_t>& b, std::vector<std::string> fragments) {
        const fs::path p = dir / "bad.safetensors";
        write_bytes(p, b);
        try {
            load_checkpoint(p);
            ADD_FAILURE() << "accepted a malformed file; expected: " << fragments.front();
        } catch (const InputError& e) {
            EXPECT_EQ(e.info().file, p.string());
            for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
        }
    }
    fs::path dir, good;
    Checkpoint ck;
    std::vector<std::uint8_t> raw;
};

TEST_F(CheckpointFiles, SaveLoadGivesIdenticalOutputs) {
    const Checkpoint back = load_checkpoint(good);
    EXPECT_EQ(back.params, ck.params);
    EXPECT_EQ(back.adam_m, ck.adam_m);
    EXPECT_EQ(back.adam_v, ck.adam_v);
    EXPECT_EQ(back.task, ck.task);
    EXPECT_EQ(back.vocab, ck.vocab);
    EXPECT_EQ(back.step, ck.step);
    ASSERT_EQ(back.log.size(), ck.log.size());
    EXPECT_EQ(back.log[0].test_accuracy, ck.log[0].test_accuracy);  // evaluated after step 1
    EXPECT_GE(back.log[0].test_accuracy, 0.0);
    EXPECT_EQ(back.log[1].test_accuracy, -1.0);  // not evaluated: null in the file
    model::Transformer<float> a(ck.config), b(back.config);
    a.params() = ck.params;
    b.params() = back.params;
    const std::vector<int> tokens = {0, 3, 2, 5, 1, 4};
    EXPECT_EQ(a.logits(tokens), b.logits(tokens));
}

TEST_F(CheckpointFiles, TruncatedAnywhereIsRejected) {
    for (std::size_t keep : {std::size_t(0), std::size_t(5), std::size_t(8), std::size_t(40), raw.size() / 2,
                             raw.size() - 1}) {
        std::vector<std::uint8_t> b(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(keep));
        expect_rejected(b, {keep < 8 ? "fewer than the 8-byte" : keep < 100 ? "truncated" : ""});
    }
}

TEST_F(CheckpointFiles, HugeOrOverlongHeaderLengthIsRejected) {
    std::vector<std::uint8_t> b = raw;
    const std::uint64_t huge = 1ull << 62;
    std::memcpy(b.data(), &huge, 8);
    expect_rejected(b, {"header length", "100 MB"});
    const std::uint64_t past = raw.size();
    std::memcpy(b.data(), &past, 8);
    expect_rejected(b, {"header length", "truncated"});
}

TEST_F(CheckpointFiles, WrongOffsetsAreRejected) {
    Parts p = split(raw);
    p.header["tok_emb"]["data_offsets"][1] = p.header["tok_emb"]["data_offsets"][1].get<std::uint64_t>() + 4;
    expect_rejected(join(p), {"tok_emb", "data_offsets"});
    p = split(raw);
    p.header["tok_emb"]["data_offsets"] = {0, p.data.size() + 100};
    expect_rejected(join(p), {"outside"});
    p = split(raw);
    p.header["lnf.b"]["data_offsets"] = p.header["lnf.g"]["data_offsets"];  // two tensors on the same bytes
    expect_rejected(join(p), {"data_offsets"});
    p = split(raw);
    p.data.resize(p.data.size() + 4);  // bytes that belong to no tensor
    expect_rejected(join(p), {"trailing bytes"});
}

TEST_F(CheckpointFiles, WrongDtypeOrShapeIsRejected) {
    Parts p = split(raw);
    p.header["lnf.g"]["dtype"] = "F16";
    expect_rejected(join(p), {"lnf.g", "dtype", "F16"});
    p = split(raw);
    p.header["lnf.g"]["shape"] = {1u << 30, 1u << 30};
    expect_rejected(join(p), {"lnf.g", "shape"});
    p = split(raw);
    p.header["lnf.g"]["shape"] = {-1};
    expect_rejected(join(p), {"lnf.g", "shape"});
    // a consistent file whose tensor shape disagrees with its own config: re-serialise with a transposed shape
    formats::StFile f = formats::read_safetensors(good);
    for (auto& t : f.tensors)
        if (t.name == "layers.0.attn.wqkv") std::swap(t.shape[0], t.shape[1]);
    expect_rejected(formats::serialize_safetensors(f), {"layers.0.attn.wqkv", "shape", "config needs"});
}

TEST_F(CheckpointFiles, NonFiniteWeightsAndBadMetadataAreRejected) {
    formats::StFile f = formats::read_safetensors(good);
    f.tensors[3].values[0] = std::numeric_limits<float>::quiet_NaN();
    expect_rejected(formats::serialize_safetensors(f), {"not finite"});

    f = formats::read_safetensors(good);
    auto cfg = nlohmann::json::parse(f.metadata["config"]);
    cfg["n_heads"] = 3;
    f.metadata["config"] = cfg.dump();
    expect_rejected(formats::serialize_safetensors(f), {"config.n_heads"});

    f = formats::read_safetensors(good);
    f.metadata["task"] = "nosuchtask";
    expect_rejected(formats::serialize_safetensors(f), {"__metadata__.task"});

    f = formats::read_safetensors(good);
    f.metadata.erase("config");
    expect_rejected(formats::serialize_safetensors(f), {"__metadata__.config", "missing"});

    f = formats::read_safetensors(good);
    f.metadata["log"] = "[[1, 2]]";
    expect_rejected(formats::serialize_safetensors(f), {"__metadata__.log"});

    Parts p = split(raw);
    std::vector<std::uint8_t> b = join(p);
    b[9] = '!';  // break the JSON
    expect_rejected(b, {"header", "JSON"});
}

TEST_F(CheckpointFiles, MissingFileIsAnInputError) {
    EXPECT_THROW(load_checkpoint(dir / "nope.safetensors"), InputError);
    EXPECT_THROW(load_checkpoint(dir), InputError);
}

}  // namespace
}  // namespace attnscope::training::test

namespace attnscope::training::test {
namespace {

// Every input the fuzzer ever tripped on (tests/model/fuzz_regressions/) and the fuzzer's seed corpus must load or
// be refused with an InputError; under the asan preset this also catches memory errors.
TEST(CheckpointFuzzRegressions, ReplayedInputsLoadOrAreRefused) {
    int files = 0;
    for (const char* sub : {"fuzz_regressions", "fuzz_corpus"}) {
        const std::filesystem::path dir = std::filesystem::path(ATTNSCOPE_SOURCE_DIR) / "tests" / "model" / sub;
        if (!std::filesystem::exists(dir)) continue;
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            ++files;
            try {
                (void)load_checkpoint(e.path());
            } catch (const InputError& err) {
                EXPECT_EQ(err.info().file, e.path().string());
            }
        }
    }
    EXPECT_GT(files, 0) << "the seed corpus tests/model/fuzz_corpus is missing";
}

}  // namespace
}  // namespace attnscope::training::test
