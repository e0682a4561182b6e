// case_writer.cpp — the result JSON of spec §8.3, streamed in the oracle's field order.
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/formats/case_io.hpp"
#include "core/formats/json_number.hpp"

namespace attnscope {
namespace {

using ojson = nlohmann::ordered_json;

void ssa_side_json(ojson& out, const SsaTemperatureParams& sp, const std::string& side) {
    if (sp.tau) {
        out["tau_" + side] = *sp.tau;
        return;
    }
    if (sp.pos_coef) out["pos_coef_" + side] = *sp.pos_coef;
    else if (sp.beta) out["beta_" + side] = *sp.beta;
    else out["alpha_" + side] = sp.alpha.value_or(0.0);
    if (sp.tok) {
        out["tok_" + side] = *sp.tok;
    } else if (sp.w_tok) {
        out["w_tok_" + side] = *sp.w_tok;
        out["b_tok_" + side] = sp.b_tok;
    }
    out["pos_coef_" + side + "_effective"] = sp.position_coefficient();
}

ojson optional_number(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

// Row-major matrix as a list of rows, one row per line.
template <class M>
void write_matrix(std::ostream& out, const M& m, const char* indent) {
    out << "[";
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        out << (i ? ",\n" : "\n") << indent << " [";
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
            if (j) out << ", ";
            if constexpr (std::is_same_v<typename M::Scalar, std::uint8_t>)
                out << static_cast<int>(m(i, j));
            else
                write_json_number(out, m(i, j));
        }
        out << "]";
    }
    out << "\n" << indent << "]";
}

template <class V>
void write_list(std::ostream& out, const V& values) {
    out << "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out << ", ";
        write_json_number(out, values[i]);
    }
    out << "]";
}

// -1 marks an undefined count (a row whose total weight is 0): written as null.
void write_counts(std::ostream& out, const std::vector<int>& values) {
    out << "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out << ", ";
        if (values[i] < 0) out << "null";
        else out << values[i];
    }
    out << "]";
}

template <class T>
void write_extras(std::ostream& out, VariantKind kind, const VariantExtras<T>& e) {
    out << "{";
    const char* sep = "\n";
    auto key = [&](const char* k) {
        out << sep << "  \"" << k << "\": ";
        sep = ",\n";
    };
    switch (kind) {
        case VariantKind::Ssa:
            key("tau_q"), write_list(out, e.tau_q);
            key("tau_v"), write_list(out, e.tau_v);
            break;
        case VariantKind::Selective:
            key("S"), write_matrix(out, e.sel_s, "  ");
            key("F"), write_matrix(out, e.sel_f, "  ");
            key("pruned"), write_matrix(out, e.pruned, "  ");
            break;
        case VariantKind::Lssa: key("lambda"), write_list(out, e.lambda); break;
        case VariantKind::Lssar:
            key("lambda"), write_list(out, e.lambda);
            key("lssa_weights"), write_matrix(out, e.lssa_weights, "  ");
            break;
        case VariantKind::VaOblivious:
        case VariantKind::VaAware:
            key("exact_weights"), write_matrix(out, e.exact_weights, "  ");
            key("exact_output"), write_matrix(out, e.exact_output, "  ");
            key("error_l2"), write_list(out, e.error_l2);
            break;
        case VariantKind::Dpa:
        case VariantKind::VaExact:
        case VariantKind::Ea: break;
    }
    out << (sep[0] == ',' ? "\n }" : "}");
}

}  // namespace

ojson resolved_params_json(VariantKind kind, const VariantParams& p, Eigen::Index n, Eigen::Index d) {
    ojson out = ojson::object();
    const double scale = p.resolved_scale(d);
    switch (kind) {
        case VariantKind::Dpa: out["scale"] = scale; break;
        case VariantKind::Ssa:
            out["scale"] = scale;
            ssa_side_json(out, p.ssa_q, "q");
            out["value_temp"] = p.value_temp;
            if (p.value_temp) ssa_side_json(out, p.ssa_v, "v");
            break;
        case VariantKind::Selective:
            out["scale"] = scale;
            out["sel_scale"] = p.resolved_sel_scale(d);
            out["protect_bos"] = p.protect_bos;
            out["prune_threshold"] = optional_number(p.prune_threshold);
            out["budget"] = p.budget ? ojson(*p.budget) : ojson(nullptr);
            out["separate_selection_head"] = p.sel_q.has_value() || p.sel_k.has_value();
            break;
        case VariantKind::VaExact:
        case VariantKind::VaOblivious:
        case VariantKind::VaAware:
            out["scale"] = scale;
            out["kernel"] = kernel_name(p.kernel);
            if (kind == VariantKind::VaExact) break;
            out["r"] = p.r;
            if (kind == VariantKind::VaOblivious) out["renorm"] = p.renorm;
            else out["solver"] = solver_name(p.solver);
            break;
        case VariantKind::Lssa:
        case VariantKind::Lssar:
            out["normalize_qk"] = p.normalize_qk;
            out["log_d"] = p.resolved_log_d(d);
            out["eps"] = p.eps;
            if (kind == VariantKind::Lssa) break;
            out["p"] = p.p;
            out["offset"] = p.offset;
            out["offset_free_rows"] = p.offset_free_rows;
            out["deadzone"] = p.deadzone;
            break;
        case VariantKind::Ea:
            out["scale"] = scale;
            out["form"] = ea_form_name(p.form);
            out["eps"] = p.eps;
            break;
    }
    out["metrics_k"] = p.metrics_k;
    out["metrics_threshold"] = p.metrics_threshold;
    (void)n;
    return out;
}

template <class T>
void write_result_json(std::ostream& out, const AttentionCase& c, const AttentionResult<T>& r) {
    const auto& in = c.input;
    const RowMetrics& m = r.metrics;
    out << "{\n \"ref_version\": \"1.0\",\n \"variant\": ";
    write_json_string(out, variant_name(r.kind));
    out << ",\n \"n\": " << in.n() << ",\n \"d\": " << in.d() << ",\n \"dv\": " << in.dv()
        << ",\n \"causal\": " << (in.causal ? "true" : "false");
    out << ",\n \"weights\": ", write_matrix(out, r.weights, " ");
    out << ",\n \"output\": ", write_matrix(out, r.output, " ");
    out << ",\n \"entropy\": ", write_list(out, m.entropy);
    out << ",\n \"temperature\": ", write_list(out, r.temperature);
    out << ",\n \"implied_temperature\": ", write_list(out, r.implied_temperature);
    out << ",\n \"implied_temperature_flag\": [";
    for (std::size_t i = 0; i < r.implied_flag.size(); ++i)
        out << (i ? ", " : "") << '"' << implied_flag_name(r.implied_flag[i]) << '"';
    out << "],\n \"metrics\": {";
    out << "\n  \"entropy_normalised\": ", write_list(out, m.entropy_normalised);
    out << ",\n  \"effective_support\": ", write_list(out, m.effective_support);
    out << ",\n  \"participation_ratio\": ", write_list(out, m.participation_ratio);
    out << ",\n  \"spikiness\": ", write_list(out, m.spikiness);
    out << ",\n  \"max_weight\": ", write_list(out, m.max_weight);
    out << ",\n  \"topk_mass\": ", write_list(out, m.topk_mass);
    out << ",\n  \"gini\": ", write_list(out, m.gini);
    out << ",\n  \"count_above\": ", write_counts(out, m.count_above);
    out << ",\n  \"count_above_uniform\": ", write_counts(out, m.count_above_uniform);
    out << ",\n  \"support_size\": ", write_counts(out, m.support_size);
    out << "\n },\n \"extras\": ", write_extras(out, r.kind, r.extras);
    out << ",\n \"params_resolved\": " << resolved_params_json(r.kind, c.params, in.n(), in.d()).dump();
    out << "\n}\n";
}

template void write_result_json<float>(std::ostream&, const AttentionCase&, const AttentionResult<float>&);
template void write_result_json<double>(std::ostream&, const AttentionCase&, const AttentionResult<double>&);

}  // namespace attnscope
