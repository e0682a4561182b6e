#include "scene.hpp"

#include <cstdio>

namespace attnscope {

std::string_view map_scale_name(MapScale s) { return s == MapScale::Log ? "log" : "linear"; }

const SceneColumn* Scene::find_column(int id) const {
    for (const SceneColumn& c : columns)
        if (c.id == id) return &c;
    return nullptr;
}

int Scene::column_index(int id) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].id == id) return static_cast<int>(i);
    return -1;
}

std::vector<SceneColumn> default_columns() {
    std::vector<SceneColumn> cols;
    for (VariantKind k : {VariantKind::Dpa, VariantKind::Ssa, VariantKind::Selective, VariantKind::Lssar,
                          VariantKind::Ea, VariantKind::VaAware}) {
        SceneColumn c;
        c.kind = k;
        if (k == VariantKind::VaAware) {
            // The exact solver enumerates subsets (C(n, 4) per row at r = 4); greedy is the spec's GUI choice.
            c.params.r = 4;
            c.params.solver = Solver::Greedy;
        }
        cols.push_back(std::move(c));
    }
    return cols;
}

void assign_column_ids(Scene& scene, std::vector<SceneColumn>& columns) {
    for (SceneColumn& c : columns) c.id = scene.next_column_id++;
}

namespace {

std::string fmt_num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

void add(std::string& s, const std::string& part) {
    if (!s.empty()) s += ", ";
    s += part;
}

}  // namespace

std::string column_param_summary(const SceneColumn& column) {
    const VariantParams& p = column.params;
    const VariantParams def;
    std::string s;
    const VariantKind k = column.kind;
    if (p.scale && k != VariantKind::Lssa && k != VariantKind::Lssar) add(s, "scale=" + fmt_num(*p.scale));
    switch (k) {
        case VariantKind::Ssa:
            if (p.ssa_q.tau) add(s, "tau_q given");
            if (p.ssa_q.pos_coef)
                add(s, "c_q=" + fmt_num(*p.ssa_q.pos_coef));
            else if (p.ssa_q.beta)
                add(s, "beta_q=" + fmt_num(*p.ssa_q.beta));
            else if (p.ssa_q.alpha && *p.ssa_q.alpha != 0.0)
                add(s, "alpha_q=" + fmt_num(*p.ssa_q.alpha));
            if (!p.value_temp) add(s, "no value temp");
            break;
        case VariantKind::Selective:
            if (p.prune_threshold) add(s, "prune>" + fmt_num(*p.prune_threshold));
            if (p.budget) add(s, "budget=" + std::to_string(*p.budget));
            if (!p.protect_bos) add(s, "BOS maskable");
            if (p.sel_q || p.sel_k) add(s, "own selection head");
            break;
        case VariantKind::VaExact:
        case VariantKind::VaOblivious:
        case VariantKind::VaAware:
            if (p.kernel != def.kernel) add(s, std::string(kernel_name(p.kernel)));
            if (k != VariantKind::VaExact) add(s, "r=" + std::to_string(p.r));
            if (k == VariantKind::VaAware && p.solver != def.solver) add(s, std::string(solver_name(p.solver)));
            if (k == VariantKind::VaOblivious && !p.renorm) add(s, "no renorm");
            break;
        case VariantKind::Lssa:
        case VariantKind::Lssar:
            if (!p.normalize_qk) add(s, "raw q.k");
            if (p.log_d) add(s, "log_d=" + fmt_num(*p.log_d));
            if (k == VariantKind::Lssar && p.p != def.p) add(s, "p=" + fmt_num(p.p));
            if (k == VariantKind::Lssar && p.offset != def.offset) add(s, "O=" + fmt_num(p.offset));
            break;
        case VariantKind::Ea:
            if (p.form != def.form) add(s, std::string(ea_form_name(p.form)));
            break;
        case VariantKind::Dpa:
            break;
    }
    return s;
}

std::string column_title(const Scene& scene, const SceneColumn& column) {
    if (!column.label.empty()) return column.label;
    std::string title(variant_title(column.kind));
    int same = 0;
    for (const SceneColumn& c : scene.columns) same += c.kind == column.kind ? 1 : 0;
    const std::string summary = column_param_summary(column);
    // Kernel-attention columns always show r and a non-default kernel: those tell their story.
    const bool kernel_family = column.kind == VariantKind::VaAware || column.kind == VariantKind::VaOblivious ||
                               column.kind == VariantKind::VaExact;
    if (!summary.empty() && (same > 1 || kernel_family)) title += " (" + summary + ")";
    return title;
}

std::string column_slug(const Scene& scene, const SceneColumn& column) {
    int index = 0;
    for (const SceneColumn& c : scene.columns) {
        if (c.kind == column.kind) ++index;
        if (c.id == column.id) break;
    }
    std::string slug(variant_name(column.kind));
    if (index > 1) slug += "-" + std::to_string(index);
    return slug;
}

}  // namespace attnscope
