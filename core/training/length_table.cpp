#include "length_table.hpp"

#include <cstdio>
#include <sstream>

#include "core/errors.hpp"

namespace attnscope::training {
namespace {

// printf's %g, as `attnscope lengths` wrote with fmt's {:.6g} before this writer was shared (same digits).
std::string g(double x, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    return buf;
}

}  // namespace

std::string length_csv_header() {
    return "model,variant,task,train_len,length,ratio,loss,accuracy,answers,mean_entropy,mean_effective_support\n";
}

std::string length_csv_row(const LengthRow& r) {
    std::string s = r.model + "," + r.variant + "," + r.task + "," + std::to_string(r.train_len) + "," +
                    std::to_string(r.length) + "," + g(r.ratio(), 4) + ",";
    if (!r.available) return s + ",,0,,\n";
    const LengthPoint& p = r.point;
    return s + g(p.loss, 6) + "," + g(p.accuracy, 6) + "," + std::to_string(p.answers) + "," + g(p.mean_entropy(), 6) +
           "," + g(p.mean_effective_support(), 6) + "\n";
}

std::string length_positions_csv_header() { return "model,variant,length,position,entropy,effective_support\n"; }

std::string length_positions_csv_rows(const LengthRow& r) {
    std::string s;
    if (!r.available) return s;
    const std::string prefix = r.model + "," + r.variant + "," + std::to_string(r.length) + ",";
    for (std::size_t t = 0; t < r.point.entropy.size() && t < r.point.effective_support.size(); ++t)
        s += prefix + std::to_string(t) + "," + g(r.point.entropy[t], 6) + "," + g(r.point.effective_support[t], 6) +
             "\n";
    return s;
}

std::vector<int> parse_length_list(const std::string& text, const std::string& field) {
    std::vector<int> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
        item = b == std::string::npos ? std::string() : item.substr(b, e - b + 1);
        std::size_t used = 0;
        int v = 0;
        try {
            v = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || v < 2 || v > 65536)
            throw InputError(field, "\"" + item + "\" is not a length in 2..65536",
                             "write comma-separated integers, e.g. 64,128,256");
        out.push_back(v);
    }
    if (out.empty()) throw InputError(field, "is empty", "write e.g. 64,128,256");
    return out;
}

}  // namespace attnscope::training
