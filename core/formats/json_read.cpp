#include "core/formats/json_read.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace attnscope::json_read {

using nlohmann::json;

std::string type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "a list";
        case json::value_t::object: return "an object";
        case json::value_t::binary: return "binary data";
        case json::value_t::discarded: return "nothing";
        default: return "a number";
    }
}

void wrong_type(const std::string& path, const json& j, const std::string& expected, const std::string& hint) {
    throw InputError(path, "expected " + expected + ", got " + type_name(j), hint);
}

double number(const json& j, const std::string& path) {
    if (!j.is_number()) wrong_type(path, j, "a number", "write a plain JSON number such as 0.5");
    const double v = j.get<double>();
    if (!std::isfinite(v))
        throw InputError(path, "is not a finite number (it overflows a double)", "use a finite number");
    return v;
}

std::int64_t integer(const json& j, const std::string& path, std::int64_t lo, std::int64_t hi,
                     const std::string& range_hint) {
    const double v = number(j, path);
    if (v != std::floor(v))
        throw InputError(path, "is " + j.dump() + ", not an integer", "write a whole number such as 2");
    // Compare as doubles before converting: a double beyond the int64 range converts with undefined behaviour.
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi))
        throw InputError(path, "is " + j.dump() + ", outside the allowed range",
                         range_hint.empty()
                             ? "give a whole number from " + std::to_string(lo) + " to " + std::to_string(hi)
                             : range_hint);
    return static_cast<std::int64_t>(v);
}

bool boolean(const json& j, const std::string& path) {
    if (!j.is_boolean()) wrong_type(path, j, "true or false", "write true or false without quotes");
    return j.get<bool>();
}

std::string string(const json& j, const std::string& path) {
    if (!j.is_string()) wrong_type(path, j, "a string", "write a quoted string");
    return j.get<std::string>();
}

std::vector<double> list(const json& j, const std::string& path) {
    if (!j.is_array()) wrong_type(path, j, "a list of numbers", "write a JSON list such as [1.0, 0.5]");
    std::vector<double> v;
    v.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(number(j[i], path + "[" + std::to_string(i) + "]"));
    return v;
}

MatD matrix(const json& j, const std::string& path, std::int64_t max_rows, std::int64_t max_cols) {
    if (!j.is_array())
        wrong_type(path, j, "a list of rows", "write " + path + " as [[...], [...]], one row of numbers per token");
    if (j.empty()) throw InputError(path, "has no rows", "give at least one token (n >= 1), one row per token");
    if (static_cast<std::uint64_t>(j.size()) > static_cast<std::uint64_t>(max_rows))
        throw InputError(path, "has " + std::to_string(j.size()) + " rows",
                         "use at most " + std::to_string(max_rows) + " tokens");
    const std::size_t n = j.size();
    std::size_t width = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string row = path + "[" + std::to_string(i) + "]";
        if (!j[i].is_array()) wrong_type(row, j[i], "a list of numbers (one row)", "write each row as [x, y, ...]");
        if (i == 0) {
            width = j[0].size();
            if (width == 0) throw InputError(row, "is empty", "rows need at least one number (d >= 1)");
            if (static_cast<std::uint64_t>(width) > static_cast<std::uint64_t>(max_cols))
                throw InputError(row, "has " + std::to_string(width) + " numbers",
                                 "use at most " + std::to_string(max_cols) + " coordinates");
        } else if (j[i].size() != width) {
            throw InputError(row,
                             "has " + std::to_string(j[i].size()) + " numbers, but " + path + "[0] has " +
                                 std::to_string(width),
                             "every row of " + path + " must have the same length");
        }
    }
    MatD m(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(width));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < width; ++c)
            m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) =
                number(j[i][c], path + "[" + std::to_string(i) + "][" + std::to_string(c) + "]");
    return m;
}

json parse_document(const std::string& text) {
    // "line L, column C" of a byte offset, for messages.
    auto where = [&](std::size_t at) {
        at = std::min(at, text.size());
        const std::size_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
        const std::size_t line_start = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
        const std::size_t column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    };
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        std::string detail = e.what();
        if (const auto p = detail.find(": "); p != std::string::npos) detail = detail.substr(p + 2);
        throw InputError({"", where(e.byte == 0 ? 0 : e.byte - 1), "is not valid JSON (" + detail + ")",
                          "fix the syntax there; NaN and Infinity are not JSON numbers, and a truncated file needs "
                          "its closing brackets"});
    } catch (const json::out_of_range& e) {
        // nlohmann reports a literal too large for a double (e.g. 1e999) as out_of_range 406, without a position:
        // find the literal it quotes to say where it is.
        const std::string detail = e.what();
        const auto q1 = detail.find('\''), q2 = detail.rfind('\'');
        const std::string literal = q1 != std::string::npos && q2 > q1 ? detail.substr(q1 + 1, q2 - q1 - 1) : "";
        const std::size_t at = literal.empty() ? std::string::npos : text.find(literal);
        throw InputError({"", at == std::string::npos ? "" : where(at),
                          "has a number too large for a double" + (literal.empty() ? "" : " (" + literal + ")"),
                          "use finite numbers within about 1e308"});
    } catch (const json::exception& e) {
        // Any other refusal of the parser is still bad input, never a crash (e.g. a future nlohmann error kind).
        throw InputError({"", "", std::string("is not valid JSON (") + e.what() + ")", "fix the file's JSON"});
    }
    return j;
}

json rows_json(const MatD& m) {
    json rows = json::array();
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        json row = json::array();
        for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace attnscope::json_read
