// length_table.hpp — the rows of a length sweep as text (issue 5, part 8): the CSV that `attnscope lengths --csv`
// and the Length view's export write (one writer, so the two files have the same columns and digits), and the
// parser of a comma-separated length list.
#pragma once

#include <string>
#include <vector>

#include "length_eval.hpp"

namespace attnscope::training {

// One model at one length. available = false: the model cannot run there (learned positions end before n);
// the CSV row then has empty numbers and answers 0.
struct LengthRow {
    std::string model;    // file name of the checkpoint
    std::string variant;  // spec id
    std::string task;
    int train_len = 0;
    int length = 0;
    bool available = true;
    LengthPoint point;  // valid when available
    double ratio() const { return train_len > 0 ? static_cast<double>(length) / train_len : 0.0; }
};

// "model,variant,task,train_len,length,ratio,loss,accuracy,answers,mean_entropy,mean_effective_support\n"
std::string length_csv_header();
std::string length_csv_row(const LengthRow& r);  // one line, with its newline
// "model,variant,length,position,entropy,effective_support\n" and one line per position of an available row.
std::string length_positions_csv_header();
std::string length_positions_csv_rows(const LengthRow& r);

// "64,128,256" -> {64, 128, 256}; throws InputError(field = `field`) for an empty list or an item outside 2..65536.
std::vector<int> parse_length_list(const std::string& text, const std::string& field = "--lengths");

}  // namespace attnscope::training
