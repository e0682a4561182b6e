// cmd_eval.cpp — `attnscope eval`: one attention problem in the oracle's case format (spec §8), checked against
// the oracle with `python3 ../shared/reference/attn_ref.py --in C --out E` and ../shared/tools/golden_cmp.py.
//
//   attnscope eval --case C.json --out R.json [--variant V] [--precision f64|f32] [--backend cpu]
//   attnscope eval --case C.json --variant all --table      (a per-query table for every variant)
//   attnscope eval --list                                    (variants and their parameters)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "app/cli/commands.hpp"
#include "app/cli/eval_table.hpp"
#include "app/cli/system_memory.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/formats/case_io.hpp"
#include "core/reference/attend.hpp"
#include "core/size_limits.hpp"
#include "kernels/registry.hpp"

namespace attnscope::cli {
namespace {

struct EvalOptions {
    std::string case_path;
    std::string out_path;
    std::string variant;
    std::string precision = "f64";
    std::string backend = "cpu";
    bool list = false;
    bool table = false;
};

void print_list() {
    for (VariantKind k : all_variant_kinds())
        fmt::print("{:<13} {}\n", variant_name(k), variant_parameter_doc(k));
    fmt::print("{:<13} {}\n", "(every)", "metrics_k=4; metrics_threshold=0.01");
}

// Refuses problems that cannot fit in memory before allocating anything (issue 3, absurd sizes).
void check_memory(const std::string& case_path, const AttentionCase& c, VariantKind kind, std::uint64_t scalar_bytes) {
    const auto n = static_cast<std::uint64_t>(c.input.n());
    const auto d = static_cast<std::uint64_t>(c.input.d());
    const auto dv = static_cast<std::uint64_t>(c.input.dv());
    // Leave a fifth of what is available to the rest of the system.
    const std::uint64_t available = available_memory_bytes() / 5 * 4;
    try {
        require_memory("Q", reference_bytes_needed(kind, n, d, dv, scalar_bytes), available, n, kind, d, dv,
                       scalar_bytes);
    } catch (const InputError& e) {
        throw e.with_file(case_path);
    }
}

std::vector<VariantKind> chosen_variants(const EvalOptions& o) {
    if (o.variant == "all") {
        std::vector<VariantKind> all(all_variant_kinds().begin(), all_variant_kinds().end());
        return all;
    }
    const auto v = parse_variant(o.variant);
    if (!v) {
        std::string choices;
        for (VariantKind k : all_variant_kinds()) choices += std::string(variant_name(k)) + ", ";
        throw InputError("--variant", "\"" + o.variant + "\" is not a variant", "choose one of " + choices + "or all");
    }
    return {*v};
}

// Which implementation computes the result: the core reference (the truth, f64 or f32) or a float backend from
// the registry. "cpu" means the reference in f64 and the fast CPU kernels in f32 (falling back to the reference
// float path for parameters the kernels do not support).
struct Engine {
    AttentionBackend* backend = nullptr;  // null: the core reference
};

Engine choose_engine(const EvalOptions& o) {
    if (o.backend == "reference") return {};
    AttentionBackend& b = kernels::get_backend(o.backend);  // InputError (exit 2) with the reason if unavailable
    if (o.precision == "f64") {
        if (o.backend == "cpu") return {};
        throw InputError("--precision", "f64 is computed by the CPU's double-precision reference; the " + o.backend +
                                            " backend computes in float",
                         "use --precision f32 with --backend " + o.backend + ", or --backend cpu");
    }
    return {&b};
}

template <class T>
AttentionResult<T> compute(const AttentionCase& c, const Engine& engine) {
    if constexpr (std::is_same_v<T, float>) {
        if (engine.backend && engine.backend->supports(c.variant, c.params)) {
            const MatF q = c.input.q.cast<float>(), k = c.input.k.cast<float>(), v = c.input.v.cast<float>();
            const BackendProblem problem{c.variant, &c.params, &q, &k, &v, c.input.causal};
            BackendOptions options;
            options.want_implied = true;
            std::vector<BackendResult> results(1);
            engine.backend->run({&problem, 1}, options, results);
            return std::move(results[0].result);
        }
        if (engine.backend && engine.backend->name() != "cpu")
            throw InputError("--backend", std::string(engine.backend->name()) + " does not support " +
                                              std::string(variant_name(c.variant)) + " with these parameters",
                             "use --backend cpu");
    }
    return reference::evaluate<T>(c.variant, c.input.template cast<T>(), c.params, true);
}

int run_eval(const EvalOptions& o) {
    if (o.list) {
        print_list();
        return kExitOk;
    }
    if (o.case_path.empty())
        throw InputError("--case", "is missing", "give a case file: attnscope eval --case C.json --out R.json");
    if (o.precision != "f64" && o.precision != "f32")
        throw InputError("--precision", "is \"" + o.precision + "\"", "choose f64 or f32");
    const bool f32 = o.precision == "f32";
    const Engine engine = choose_engine(o);

    std::optional<VariantKind> override_kind;
    std::vector<VariantKind> kinds;
    if (!o.variant.empty()) {
        kinds = chosen_variants(o);
        if (kinds.size() == 1) override_kind = kinds[0];
    }
    if (kinds.size() > 1 && !o.table)
        throw InputError("--variant", "all needs --table", "add --table, or pick one variant for a JSON result");

    std::filesystem::path out_path(o.out_path);
    if (!o.out_path.empty() && o.out_path != "-") {
        std::error_code ec;
        if (std::filesystem::equivalent(out_path, o.case_path, ec))
            throw InputError({o.out_path, "--out", "is the case file itself", "write the result to another file"});
        check_writable(out_path, "--out");
    }

    // With --variant all, load once with the case's own variant (or dpa) and run every variant that applies.
    AttentionCase c = load_case(o.case_path, kinds.size() > 1 ? std::optional(VariantKind::Dpa) : override_kind);
    for (const std::string& name : c.unused_params)
        if (kinds.size() <= 1)
            fmt::print(stderr, "attnscope eval: note: {}: {} is not used by {} (ignored)\n", o.case_path, name,
                       variant_name(c.variant));

    if (o.table) {
        if (kinds.empty()) kinds = {c.variant};
        for (VariantKind k : kinds) {
            AttentionCase ck = c;
            ck.variant = k;
            try {
                reference::validate(k, reference::shape_of(ck.input), ck.params);
            } catch (const InputError& e) {
                if (kinds.size() == 1) throw e.with_file(o.case_path);
                fmt::print("{:<13} skipped: {}\n\n", variant_name(k), e.what());
                continue;
            }
            check_memory(o.case_path, ck, k, f32 ? 4 : 8);
            if (f32) print_eval_table(std::cout, ck, compute<float>(ck, engine));
            else print_eval_table(std::cout, ck, compute<double>(ck, engine));
        }
        return kExitOk;
    }

    check_memory(o.case_path, c, c.variant, f32 ? 4 : 8);
    auto write = [&](std::ostream& os) {
        if (f32) write_result_json(os, c, compute<float>(c, engine));
        else write_result_json(os, c, compute<double>(c, engine));
    };
    if (o.out_path.empty() || o.out_path == "-") {
        write(std::cout);
    } else {
        try {
            write_file_atomically(out_path, write);
        } catch (const InputError& e) {
            throw e.with_file(o.case_path);
        }
    }
    return kExitOk;
}

}  // namespace

void add_eval_command(CLI::App& app, CommandList& commands) {
    auto opts = std::make_shared<EvalOptions>();
    CLI::App* sub = app.add_subcommand("eval", "Evaluate one attention problem in the oracle's case format (spec §8)");
    sub->add_option("--case", opts->case_path, "Case JSON: {variant, Q, K, V, causal, params}");
    sub->add_option("--out", opts->out_path, "Result JSON (written atomically); default: standard output");
    sub->add_option("--variant", opts->variant, "Variant id (overrides the case's), or 'all' with --table");
    sub->add_option("--precision", opts->precision, "f64 (default) or f32");
    sub->add_option("--backend", opts->backend,
                    "cpu (default: f64 reference, f32 fast kernels), cuda (f32), or reference (the core in either precision)");
    sub->add_flag("--table", opts->table, "Print a per-query table (entropy, temperatures, max weight)");
    sub->add_flag("--list", opts->list, "List the variants and their parameters");
    commands.push_back({sub, [opts] { return run_eval(*opts); }});
}

}  // namespace attnscope::cli
