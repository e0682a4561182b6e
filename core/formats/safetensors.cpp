#include "safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "atomic_write.hpp"
#include "core/errors.hpp"

namespace attnscope::formats {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; add byte swapping");

const StTensor* StFile::find(const std::string& name) const {
    for (const auto& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& what,
                       const std::string& hint) {
    throw InputError(InputErrorInfo{file, field, what, hint});
}

constexpr const char* kRemake = "the file is damaged or not an attnscope checkpoint; re-save or retrain it";

std::uint64_t as_offset(const nlohmann::json& v, const std::string& file, const std::string& field) {
    if (!v.is_number_unsigned()) fail(file, field, "is not a non-negative integer", kRemake);
    return v.get<std::uint64_t>();
}

struct Entry {
    std::string name;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0, end = 0;
};

}  // namespace

StFile parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& file) {
    const std::uint64_t size = bytes.size();
    if (size < 8)
        fail(file, "header length", "file has " + std::to_string(size) + " bytes, fewer than the 8-byte header length",
             "the file is truncated or empty; re-save it");
    std::uint64_t header_len = 0;
    std::memcpy(&header_len, bytes.data(), 8);
    if (header_len > kMaxHeaderBytes)
        fail(file, "header length", "is " + std::to_string(header_len) + " bytes, more than the 100 MB limit", kRemake);
    if (header_len > size - 8)
        fail(file, "header length",
             "says " + std::to_string(header_len) + " header bytes but only " + std::to_string(size - 8) + " follow",
             "the file is truncated; re-save it");
    if (header_len < 2) fail(file, "header", "is empty", kRemake);

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_len));
    } catch (const nlohmann::json::exception& e) {
        fail(file, "header", std::string("is not valid JSON (") + e.what() + ")", kRemake);
    }
    if (!header.is_object()) fail(file, "header", "is not a JSON object", kRemake);

    const std::uint64_t data_size = size - 8 - header_len;
    StFile out;
    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& key = it.key();
        if (key == "__metadata__") {
            if (!it->is_object()) fail(file, "__metadata__", "is not an object", kRemake);
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string()) fail(file, "__metadata__." + m.key(), "is not a string", kRemake);
                out.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        const std::string f = "tensor \"" + key + "\"";
        if (!it->is_object()) fail(file, f, "is not an object", kRemake);
        for (auto fld = it->begin(); fld != it->end(); ++fld)
            if (fld.key() != "dtype" && fld.key() != "shape" && fld.key() != "data_offsets")
                fail(file, f + "." + fld.key(), "is not a safetensors tensor field", kRemake);
        if (!it->contains("dtype") || !(*it)["dtype"].is_string()) fail(file, f + ".dtype", "is missing", kRemake);
        const std::string dtype = (*it)["dtype"].get<std::string>();
        if (dtype != "F32")
            fail(file, f + ".dtype", "is " + dtype + "; attnscope checkpoints hold F32 tensors only",
                 "convert the tensor to float32");
        if (!it->contains("shape") || !(*it)["shape"].is_array()) fail(file, f + ".shape", "is missing", kRemake);
        const auto& shape = (*it)["shape"];
        if (shape.size() > static_cast<std::size_t>(kMaxRank))
            fail(file, f + ".shape", "has rank " + std::to_string(shape.size()), "tensors have rank <= 8");
        Entry e;
        e.name = key;
        std::uint64_t count = 1;
        for (std::size_t d = 0; d < shape.size(); ++d) {
            const std::uint64_t dim = as_offset(shape[d], file, f + ".shape[" + std::to_string(d) + "]");
            // a dimension or running product past the data size cannot be real (and must not overflow)
            if (dim > data_size || (dim != 0 && count > data_size / dim))
                fail(file, f + ".shape", "describes more values than the file holds", kRemake);
            count *= dim;
            e.shape.push_back(static_cast<std::int64_t>(dim));
        }
        if (!it->contains("data_offsets") || !(*it)["data_offsets"].is_array() || (*it)["data_offsets"].size() != 2)
            fail(file, f + ".data_offsets", "is not a [begin, end] pair", kRemake);
        e.begin = as_offset((*it)["data_offsets"][0], file, f + ".data_offsets[0]");
        e.end = as_offset((*it)["data_offsets"][1], file, f + ".data_offsets[1]");
        if (e.begin > e.end || e.end > data_size)
            fail(file, f + ".data_offsets",
                 "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] lies outside the " +
                     std::to_string(data_size) + "-byte data section",
                 "the file is truncated or damaged; re-save it");
        if (e.end - e.begin != count * 4)
            fail(file, f + ".data_offsets",
                 "span " + std::to_string(e.end - e.begin) + " bytes but the shape needs " + std::to_string(count * 4),
                 kRemake);
        entries.push_back(std::move(e));
    }

    // Tensors must tile [0, data_size): sorted by offset, each begins where the previous ended.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t expect = 0;
    for (const Entry& e : entries) {
        if (e.begin != expect)
            fail(file, "tensor \"" + e.name + "\".data_offsets",
                 e.begin < expect ? "overlaps the previous tensor" : "leaves a hole before it", kRemake);
        expect = e.end;
    }
    if (expect != data_size)
        fail(file, "data", std::to_string(data_size - expect) + " trailing bytes belong to no tensor", kRemake);

    const std::uint8_t* data = bytes.data() + 8 + header_len;
    for (const Entry& e : entries) {
        StTensor t;
        t.name = e.name;
        t.shape = e.shape;
        t.values.resize((e.end - e.begin) / 4);
        if (!t.values.empty()) std::memcpy(t.values.data(), data + e.begin, e.end - e.begin);
        out.tensors.push_back(std::move(t));
    }
    return out;
}

StFile read_safetensors(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        fail(file, "", std::filesystem::exists(path, ec) ? "is not a regular file" : "does not exist",
             "check the path");
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) fail(file, "", "cannot be read (" + ec.message() + ")", "check the permissions");
    if (size > kMaxFileBytes)
        fail(file, "", "is " + std::to_string(size) + " bytes, more than a 2 GiB checkpoint", "check the path");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(file, "", "cannot be opened", "check the path and permissions");
    std::vector<std::uint8_t> bytes(size);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size) fail(file, "", "could not be read completely", "retry");
    return parse_safetensors(bytes, file);
}

std::vector<std::uint8_t> serialize_safetensors(const StFile& f) {
    nlohmann::json header = nlohmann::json::object();
    if (!f.metadata.empty()) header["__metadata__"] = f.metadata;
    std::uint64_t offset = 0;
    for (const StTensor& t : f.tensors) {
        const std::uint64_t bytes = t.values.size() * 4;
        header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::vector<std::uint8_t> out(8 + text.size() + offset);
    const std::uint64_t len = text.size();
    std::memcpy(out.data(), &len, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::uint8_t* p = out.data() + 8 + text.size();
    for (const StTensor& t : f.tensors) {
        if (!t.values.empty()) std::memcpy(p, t.values.data(), t.values.size() * 4);
        p += t.values.size() * 4;
    }
    return out;
}

void write_safetensors(const std::filesystem::path& path, const StFile& file) {
    const std::vector<std::uint8_t> bytes = serialize_safetensors(file);
    write_file_atomically(
        path, [&](std::ostream& os) { os.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())); },
        true);
}

}  // namespace attnscope::formats
