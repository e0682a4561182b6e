// safetensors.hpp — the checkpoint container: 8-byte little-endian header length, a JSON header, raw tensors.
//
// The reader trusts nothing: every size and offset is checked against the file before a byte of tensor data is
// read, so a truncated or hostile file becomes an InputError naming the file, the field and the fix (exit code 2
// in the CLI), never a crash, a hang or a huge allocation. Only F32 tensors are accepted (our checkpoints are
// float); tensors must tile the data section exactly (no overlap, no holes), as the safetensors format requires.
// tests/model/test_safetensors.cpp and the libFuzzer target tests/model/fuzz_safetensors.cpp exercise it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace attnscope::formats {

struct StTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    std::vector<float> values;  // row-major, product(shape) values
};

struct StFile {
    std::map<std::string, std::string> metadata;  // "__metadata__": string -> string
    std::vector<StTensor> tensors;                 // in file order (sorted by offset)
    const StTensor* find(const std::string& name) const;
};

// Limits: the safetensors reference implementation refuses headers over 100 MB; a checkpoint of ours is a few MB.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
inline constexpr std::uint64_t kMaxFileBytes = 1ull << 31;  // 2 GiB
inline constexpr int kMaxRank = 8;

// Parses bytes already in memory; `file` only names the source in messages. Throws InputError.
StFile parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& file);
// Reads and parses a file (refusing files over kMaxFileBytes before reading them).
StFile read_safetensors(const std::filesystem::path& path);

// The exact bytes of a file: header keys sorted, data offsets contiguous in the given order, header padded with
// spaces to a multiple of 8 so tensor data is aligned.
std::vector<std::uint8_t> serialize_safetensors(const StFile& file);
// Writes atomically (temporary sibling + rename): an existing file is replaced only by a complete new one.
void write_safetensors(const std::filesystem::path& path, const StFile& file);

}  // namespace attnscope::formats
