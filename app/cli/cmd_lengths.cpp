// cmd_lengths.cpp — `attnscope lengths`: models evaluated at growing lengths (issue 5, part 8).
//
//   attnscope lengths --model A.safetensors B.safetensors --lengths 64,128,256,512 --csv L.csv
//                     [--positions-csv P.csv] [--samples 128]
//
// For each model and length: loss and exact accuracy on the fixed test set of the model's task at that length,
// mean attention entropy and effective support; --positions-csv adds the per-position curves. Lengths default to
// 1x, 2x, 4x, 8x, 16x the first model's training length. A model with learned positions cannot run past its
// table; its rows say so instead of failing the whole sweep.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>

#include "app/cli/commands.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/training/checkpoint.hpp"
#include "core/training/length_eval.hpp"
#include "core/training/length_table.hpp"

namespace attnscope::cli {
namespace {

struct LengthsOptions {
    std::vector<std::string> models;
    std::string lengths, csv, positions_csv;
    int samples = 128;
};

int run_lengths(const LengthsOptions& o) {
    if (o.models.empty()) throw InputError("--model", "is required", "name one or more checkpoints");
    if (o.samples < 1 || o.samples > 100000) throw InputError("--samples", "is out of range", "use 1..100000");
    if (!o.csv.empty()) check_writable(o.csv, "--csv");
    if (!o.positions_csv.empty()) check_writable(o.positions_csv, "--positions-csv");
    std::vector<training::Checkpoint> cks;
    for (const auto& m : o.models) cks.push_back(training::load_checkpoint(m));  // all validated before any work
    std::vector<int> lengths;
    if (o.lengths.empty()) {
        for (int f : {1, 2, 4, 8, 16}) lengths.push_back(f * cks.front().config.train_len);
    } else {
        lengths = training::parse_length_list(o.lengths);
    }

    // The Length view writes the same files through the same writer (core/training/length_table.hpp).
    std::string csv = training::length_csv_header();
    std::string pos_csv = training::length_positions_csv_header();
    fmt::print("{:<28} {:<9} {:>6} {:>6} {:>8} {:>9} {:>8} {:>9}\n", "model", "variant", "length", "ratio", "loss",
               "accuracy", "entropy", "support");
    for (std::size_t mi = 0; mi < cks.size(); ++mi) {
        const training::Checkpoint& ck = cks[mi];
        const auto task = tasks::make_task(ck.task);
        model::Transformer<float> m(ck.config);
        m.params() = ck.params;
        const std::string name = std::filesystem::path(o.models[mi]).filename().string();
        const std::string variant(variant_name(ck.config.variant));
        for (int n : lengths) {
            const double ratio = static_cast<double>(n) / ck.config.train_len;
            if (ck.config.positions == model::PositionKind::Learned && n > ck.config.max_positions) {
                fmt::print("{:<28} {:<9} {:>6} {:>6.2f}   n/a: learned positions end at {}\n", name, variant, n, ratio,
                           ck.config.max_positions);
                training::LengthRow row{name, variant, ck.task, ck.config.train_len, n, false, {}};
                csv += training::length_csv_row(row);
                continue;
            }
            const training::LengthPoint p = training::evaluate_at_length(m, *task, n, o.samples, true);
            fmt::print("{:<28} {:<9} {:>6} {:>6.2f} {:>8.4f} {:>8.2f}% {:>8.3f} {:>9.2f}\n", name, variant, n, ratio,
                       p.loss, 100 * p.accuracy, p.mean_entropy(), p.mean_effective_support());
            std::fflush(stdout);
            const training::LengthRow row{name, variant, ck.task, ck.config.train_len, n, true, p};
            csv += training::length_csv_row(row);
            pos_csv += training::length_positions_csv_rows(row);
        }
    }
    if (!o.csv.empty()) write_file_atomically(o.csv, [&](std::ostream& os) { os << csv; });
    if (!o.positions_csv.empty()) write_file_atomically(o.positions_csv, [&](std::ostream& os) { os << pos_csv; });
    return kExitOk;
}

}  // namespace

void add_lengths_command(CLI::App& app, CommandList& commands) {
    auto o = std::make_shared<LengthsOptions>();
    CLI::App* sub = app.add_subcommand("lengths", "Evaluate models at growing lengths (loss, accuracy, entropy by position)");
    sub->add_option("--model", o->models, "Checkpoints from attnscope train")->expected(1, -1);
    sub->add_option("--lengths", o->lengths, "Comma-separated lengths (default: 1x,2x,4x,8x,16x the training length)");
    sub->add_option("--csv", o->csv, "Write the per-length table as CSV");
    sub->add_option("--positions-csv", o->positions_csv, "Write entropy and effective support per position as CSV");
    sub->add_option("--samples", o->samples, "Test sequences per length")->capture_default_str();
    commands.push_back({sub, [o] { return run_lengths(*o); }});
}

}  // namespace attnscope::cli
