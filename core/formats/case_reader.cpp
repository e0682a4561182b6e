// case_reader.cpp — reading the oracle's case JSON (spec §8.2) strictly, with errors that name the JSON path.
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.hpp"
#include "core/formats/case_io.hpp"
#include "core/formats/json_read.hpp"
#include "core/formats/params_json.hpp"
#include "core/reference/attend.hpp"

namespace attnscope {
namespace {

using nlohmann::json;
using json_read::wrong_type;

std::string variant_choices() {
    std::string s;
    for (VariantKind k : all_variant_kinds()) s += (s.empty() ? "" : ", ") + std::string(variant_name(k));
    return s;
}

}  // namespace

AttentionCase parse_case(const json& j, std::optional<VariantKind> variant_override) {
    if (!j.is_object()) wrong_type("", j, "a JSON object", "a case is {\"variant\": ..., \"Q\": ..., \"K\": ..., \"V\": ...}");
    AttentionCase c;
    static constexpr std::array<std::string_view, 7> kTopLevel{"name", "variant", "Q", "K", "V", "causal", "params"};
    for (const auto& [key, value] : j.items())
        if (std::find(kTopLevel.begin(), kTopLevel.end(), key) == kTopLevel.end()) c.unused_params.push_back(key);
    if (j.contains("name") && j["name"].is_string()) c.name = j["name"].get<std::string>();

    if (variant_override) {
        c.variant = *variant_override;
    } else if (!j.contains("variant")) {
        throw InputError("variant", "is missing", "add \"variant\": \"dpa\" (or another) to the case, or pass --variant");
    } else {
        if (!j["variant"].is_string()) wrong_type("variant", j["variant"], "a string", "choose one of " + variant_choices());
        const auto v = parse_variant(j["variant"].get<std::string>());
        if (!v)
            throw InputError("variant", "is \"" + j["variant"].get<std::string>() + "\", which is not a variant",
                             "choose one of " + variant_choices());
        c.variant = *v;
    }

    for (const char* name : {"Q", "K", "V"})
        if (!j.contains(name))
            throw InputError(name, "is missing", std::string("add \"") + name + "\": a list of rows, one per token");
    c.input.q = json_read::matrix(j["Q"], "Q");
    c.input.k = json_read::matrix(j["K"], "K");
    c.input.v = json_read::matrix(j["V"], "V");
    const auto n = c.input.q.rows();
    for (const auto* name : {"K", "V"}) {
        const MatD& m = name[0] == 'K' ? c.input.k : c.input.v;
        if (m.rows() != n)
            throw InputError(name, "has " + std::to_string(m.rows()) + " rows, but Q has " + std::to_string(n),
                             "Q, K and V need the same number of rows, one per token");
    }
    if (c.input.k.cols() != c.input.q.cols())
        throw InputError("K[0]", "has " + std::to_string(c.input.k.cols()) + " numbers, but Q rows have " +
                                     std::to_string(c.input.q.cols()),
                         "K must have the same width d as Q");
    c.input.causal = j.contains("causal") ? json_read::boolean(j["causal"], "causal") : true;

    if (j.contains("params")) {
        // The one parameter reader (core/formats/params_json.hpp), shared with scene files; unknown names refused.
        const json& params = j["params"];
        c.params = params_from_json(params, "params", nullptr);
        for (const auto& [name, value] : params.items())
            if (!variant_uses_param(c.variant, name)) c.unused_params.push_back("params." + name);
    }
    reference::validate(c.variant, reference::shape_of(c.input), c.params);
    return c;
}

AttentionCase load_case(const std::filesystem::path& path, std::optional<VariantKind> variant_override,
                        std::uintmax_t max_bytes) {
    const std::string file = path.string();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw InputError({file, "", "does not exist", "check the path given to --case"});
    if (std::filesystem::is_directory(status))
        throw InputError({file, "", "is a directory, not a case file", "give the path of a .json case"});
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes)
        throw InputError({file, "", "is " + std::to_string(size >> 20) + " MiB, larger than the " +
                                        std::to_string(max_bytes >> 20) + " MiB a case may have",
                          "a case of n = 4096, d = 64 is about 15 MiB; use a smaller problem"});
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({file, "", "cannot be opened for reading", "check that the file is readable"});
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();

    json j;
    try {
        j = json_read::parse_document(text);  // syntax errors and overflowing numbers, with line and column
    } catch (const InputError& e) {
        throw e.with_file(file);
    }
    try {
        return parse_case(j, variant_override);
    } catch (const InputError& e) {
        throw e.with_file(file);
    }
}

}  // namespace attnscope
