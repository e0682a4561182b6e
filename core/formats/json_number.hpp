// json_number.hpp — numbers as JSON text: shortest round-trip digits (std::to_chars), null for NaN/Inf.
//
// Spec §8.4: doubles are written with round-trip precision and undefined values as null, never NaN or Infinity.
// A float is written with the shortest digits that round-trip the float, so f32 results do not pretend to more
// precision than they have.
#pragma once

#include <charconv>
#include <cmath>
#include <ostream>
#include <string_view>

namespace attnscope {

template <class T>
void write_json_number(std::ostream& out, T v) {
    if (!std::isfinite(v)) {
        out << "null";
        return;
    }
    if (v == T(0)) v = T(0);  // -0.0 is written as 0 (spec §7)
    char buf[40];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.write(buf, res.ptr - buf);
}

inline void write_json_string(std::ostream& out, std::string_view s) {
    out << '"';
    for (char c : s) {
        switch (c) {
            case '"': out << "\\\""; break;
            case '\\': out << "\\\\"; break;
            case '\n': out << "\\n"; break;
            case '\t': out << "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\u%04x", c);
                    out << esc;
                } else {
                    out << c;
                }
        }
    }
    out << '"';
}

}  // namespace attnscope
