// draw_column_params.cpp — every parameter of spec §8.2 for one column, each with a tooltip saying what it does.
//
// Every change emits a SetColumn edit; a slider drag reuses one gesture id, so it is one undo step.
#include <imgui.h>
#include <imgui_stdlib.h>  // InputText on std::string (compiled into Debian's libimgui)

#include <cmath>

#include "app/gui/param_lists.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {
namespace {

// Emits the edited column when the last widget changed; starts a new undo step when it was just activated.
class ParamEditor {
  public:
    ParamEditor(ViewContext& ctx, const SceneColumn& column) : m_ctx(ctx), m_col(column) {}
    SceneColumn& col() { return m_col; }
    VariantParams& p() { return m_col.params; }

    // Call right after a widget: `changed` is its return value.
    void after(bool changed, const char* help) {
        if (ImGui::IsItemActivated()) m_ctx.ui.param_gesture = new_gesture_id();
        item_tooltip(help);
        if (changed) m_changed = true;
    }
    ~ParamEditor() {
        if (m_changed)
            m_ctx.emit({edit::SetColumn{m_col}, m_ctx.ui.param_gesture,
                        "Change " + std::string(variant_name(m_col.kind)) + " parameters"});
    }

    // An optional number: a checkbox "set" and the value (default shown when unset).
    void optional_double(const char* label, std::optional<double>& x, double shown_default, float speed, double lo,
                         double hi, const char* help) {
        ImGui::PushID(label);
        bool set = x.has_value();
        bool changed = ImGui::Checkbox("##set", &set);
        after(changed, "Checked: use the value given here. Unchecked: the spec's default.");
        if (changed) x = set ? std::optional<double>(shown_default) : std::nullopt;
        ImGui::SameLine();
        double v = x.value_or(shown_default);
        ImGui::BeginDisabled(!set);
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        const bool moved = ImGui::DragScalar(label, ImGuiDataType_Double, &v, speed, &lo, &hi, "%.4g");
        ImGui::EndDisabled();
        after(moved, help);
        if (moved && set) x = v;
        ImGui::PopID();
    }

    void number(const char* label, double& x, float speed, double lo, double hi, const char* help) {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        after(ImGui::DragScalar(label, ImGuiDataType_Double, &x, speed, &lo, &hi, "%.4g"), help);
    }

    void integer(const char* label, int& x, int lo, int hi, const char* help) {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        after(ImGui::SliderInt(label, &x, lo, hi, "%d", ImGuiSliderFlags_AlwaysClamp), help);
    }

    void boolean(const char* label, bool& x, const char* help) { after(ImGui::Checkbox(label, &x), help); }

    template <class E, std::size_t N>
    void choice(const char* label, E& x, const std::array<std::pair<E, const char*>, N>& options, const char* help) {
        const char* current = "?";
        for (const auto& [e, name] : options)
            if (e == x) current = name;
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        bool changed = false;
        if (ImGui::BeginCombo(label, current)) {
            for (const auto& [e, name] : options)
                if (ImGui::Selectable(name, e == x)) {
                    x = e;
                    changed = true;
                }
            ImGui::EndCombo();
        }
        after(changed, help);
    }

    // A list-valued parameter (tau_q, tok_q, w_tok_q, ..., sel_Q, sel_K) as editable text: "1, 0.5, 2", matrix rows
    // separated by ';' or new lines. A text that parses and fits the scene is applied when the field is left (one
    // undo step); one that does not stays as a draft with a red line naming the bad entry.
    void list_field(ListParam which) {
        const ListParamInfo& info = list_param_info(which);
        const Scene& scene = m_ctx.scene;
        const ListShape shape = list_shape(which, scene, m_col.params);
        const std::optional<std::vector<double>> value = list_value(which, m_col.params);
        auto& drafts = m_ctx.ui.param_drafts;
        const std::string key = std::to_string(m_col.id) + "." + info.name;
        ImGui::PushID(info.name);
        const std::string help = std::string(info.help) + "\n\nType numbers separated by commas" +
                                 (shape.matrix ? "; end each row with ';' or a new line." : ".") +
                                 " Pasting a JSON list works too. Applied when you leave the field (Enter, Tab or a "
                                 "click elsewhere); Ctrl+Z then undoes it.";
        if (!value && !drafts.count(key)) {
            ImGui::TextUnformatted(info.name);
            item_tooltip(help.c_str());
            ImGui::SameLine();
            if (ImGui::SmallButton("set")) set_list(which, fitted_list(which, scene, m_col.params), shape);
            item_tooltip(shape.matrix ? "Starts a separate selection head from a copy of the attention vectors."
                                      : "Starts from the values in effect now; then edit them.");
            ImGui::SameLine();
            ImGui::TextDisabled("%s", info.summary);
            ImGui::PopID();
            return;
        }
        constexpr std::size_t kMaxTextEntries = 4096;  // beyond this a text field is no way to edit numbers
        if (value && value->size() > kMaxTextEntries && !drafts.count(key)) {
            ImGui::TextDisabled("%s: %zu numbers (edit them in the scene file)", info.name, value->size());
            item_tooltip(help.c_str());
        } else {
            auto draft = drafts.find(key);
            std::string text = draft != drafts.end() ? draft->second : format_list(*value, shape.cols, shape.matrix);
            bool changed;
            if (shape.matrix) {
                const float lines = static_cast<float>(std::clamp(shape.rows, 2, 6));
                changed = ImGui::InputTextMultiline(info.name, &text,
                                                    ImVec2(ImGui::GetFontSize() * 16, ImGui::GetTextLineHeight() * lines +
                                                                                          ImGui::GetStyle().FramePadding.y * 2));
            } else {
                ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
                changed = ImGui::InputText(info.name, &text);
            }
            item_tooltip(help.c_str());
            // ImGui writes the buffer only when it changes, so what is typed lives in the drafts until the field is
            // left (Enter, Tab, a click elsewhere): then a text that parses and fits is applied as one edit (one
            // undo step); one that does not stays, with its message. Esc restores the text in effect.
            if (changed) drafts[key] = text;
            if (ImGui::IsItemDeactivated() && drafts.count(key)) {
                ListEdit e = edit_list_from_text(scene, m_col, which, drafts[key]);
                if (e.column) {
                    if (list_value(which, e.column->params) != value) set_column(std::move(*e.column));
                    drafts.erase(key);
                }
            }
        }
        const bool misfit =
            value && value->size() != static_cast<std::size_t>(shape.rows) * static_cast<std::size_t>(shape.cols);
        if (!drafts.count(key) && !misfit) ImGui::SameLine();  // nothing to report: "clear" beside the field
        if (auto draft = drafts.find(key); draft != drafts.end()) {
            const ListParse parsed = parse_list(draft->second, shape);
            if (parsed.values) {
                ImGui::TextDisabled("Enter applies it; Esc restores the value in effect");
            } else {
                ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(m_ctx.theme.error));
                ImGui::TextWrapped("%s: %s (not applied)", info.name, parsed.error.c_str());
                ImGui::PopStyleColor();
            }
            if (ImGui::SmallButton("revert")) drafts.erase(key);
            item_tooltip("Drop the text typed here and show the value in effect.");
            ImGui::SameLine();
        } else if (misfit) {
            // The scene changed under the list (a new length or d): the column shows validate's error meanwhile.
            ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(m_ctx.theme.error));
            ImGui::TextWrapped("%s has %zu numbers, but needs %d: %s", info.name, value->size(), shape.rows * shape.cols,
                               shape.cols_name.c_str());
            ImGui::PopStyleColor();
            if (ImGui::SmallButton("fit")) set_list(which, fitted_list(which, scene, m_col.params), shape);
            item_tooltip("Cut the list to the new size, or pad it with entries that change nothing.");
            ImGui::SameLine();
        }
        if (ImGui::SmallButton("clear")) {
            drafts.erase(key);
            if (value) set_list(which, std::nullopt, shape);
        }
        item_tooltip("Remove this list: the spec's default (the formula, or Q and K) applies again.");
        ImGui::PopID();
    }

  private:
    // A list's change (a button, or a text applied on leaving the field): its own undo step.
    void set_list(ListParam which, std::optional<std::vector<double>> values, const ListShape& shape) {
        set_column(with_list(m_col, which, std::move(values), shape));
    }
    void set_column(SceneColumn c) {
        m_col = std::move(c);
        m_ctx.ui.param_gesture = new_gesture_id();
        m_changed = true;
    }

    ViewContext& m_ctx;
    SceneColumn m_col;
    bool m_changed = false;
};

constexpr std::array<std::pair<Kernel, const char*>, 6> kKernels{{{Kernel::Exp, "exp"},
                                                                  {Kernel::Relu, "relu"},
                                                                  {Kernel::Relu2, "relu2"},
                                                                  {Kernel::Softplus, "softplus"},
                                                                  {Kernel::Elu1, "elu1"},
                                                                  {Kernel::Square, "square"}}};
constexpr std::array<std::pair<Solver, const char*>, 2> kSolvers{
    {{Solver::Exact, "exact"}, {Solver::Greedy, "greedy"}}};
constexpr std::array<std::pair<EaForm, const char*>, 2> kForms{
    {{EaForm::Bounded, "bounded"}, {EaForm::Plain, "plain"}}};

void ssa_side(ParamEditor& e, SsaTemperatureParams& t, const char* side, int d) {
    section(side[0] == 'q' ? "query temperature \xCF\x84_q" : "value temperature \xCF\x84_v");
    ImGui::PushID(side);
    e.list_field(side[0] == 'q' ? ListParam::TauQ : ListParam::TauV);
    if (t.tau) ImGui::TextDisabled("(the explicit list replaces the formula below)");
    // Position coefficient c: pos_coef > beta > alpha (spec §2.3). Show the one in effect.
    int which = t.pos_coef ? 2 : t.beta ? 1 : 0;
    const char* names[] = {"alpha (paper: c = \xCF\x83(\xCE\xB1))",
                           "beta (official code: c = exp(\xE2\x88\x92"
                           "exp \xCE\xB2))",
                           "pos_coef (c directly)"};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    const bool changed = ImGui::Combo("position coefficient", &which, names, 3);
    e.after(changed,
            "How the position term c\xC2\xB7ln(i+1) of the temperature gets its coefficient c. The paper's "
            "alpha = 0 gives c = 0.5; the official code's beta = 2 gives c = 6e-4 (almost plain softmax).");
    if (changed) {
        const double c = t.position_coefficient();
        t.pos_coef.reset();
        t.beta.reset();
        t.alpha.reset();
        if (which == 0) t.alpha = std::log(c / (1.0 - std::min(c, 0.999999)));
        if (which == 1) t.beta = std::log(-std::log(std::clamp(c, 1e-12, 0.999999)));
        if (which == 2) t.pos_coef = c;
    }
    if (t.pos_coef)
        e.number("c", *t.pos_coef, 0.01f, -10, 10, "pos_coef: the coefficient c of ln(position) directly.");
    else if (t.beta)
        e.number("beta", *t.beta, 0.01f, -10, 10,
                 "beta: c = exp(-exp(beta)) (the official code's parametrisation; 2.0 at init).");
    else {
        double a = t.alpha.value_or(0.0);
        ParamEditor* pe = &e;
        pe->number("alpha", a, 0.01f, -20, 20,
                   "alpha: c = sigmoid(alpha) (the paper's parametrisation; default 0 gives c = 0.5).");
        if (a != t.alpha.value_or(0.0)) t.alpha = a;
    }
    ImGui::TextDisabled("c = %.4g", t.position_coefficient());
    e.list_field(side[0] == 'q' ? ListParam::TokQ : ListParam::TokV);
    e.list_field(side[0] == 'q' ? ListParam::WTokQ : ListParam::WTokV);
    if (t.w_tok && static_cast<int>(t.w_tok->size()) == d && d <= 16) {
        // Small heads also get one drag per weight: scrub a weight and watch the temperatures follow.
        for (std::size_t c = 0; c < t.w_tok->size(); ++c) {
            ImGui::PushID(static_cast<int>(c));
            if (c % 4) ImGui::SameLine();
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 3.5f);
            e.after(ImGui::DragScalar("##w", ImGuiDataType_Double, &(*t.w_tok)[c], 0.01f, nullptr, nullptr, "%.2f"),
                    "A weight of the token-aware temperature head u = w_tok \xC2\xB7 x + b_tok (x = the query or value "
                    "vector).");
            ImGui::PopID();
        }
    }
    e.number("b_tok", t.b_tok, 0.01f, -10, 10,
             "b_tok: bias of the token-aware part u = w_tok\xC2\xB7x + b_tok; tanh(u) is added to the temperature. "
             "Used only with w_tok (tok, when set, gives u directly).");
    ImGui::PopID();
}

}  // namespace

void draw_column_params(ViewContext& ctx, const SceneColumn& column) {
    ParamEditor e(ctx, column);
    VariantParams& p = e.p();
    const int d = ctx.scene.d();
    const double def_scale = 1.0 / std::sqrt(static_cast<double>(d));
    using K = VariantKind;
    const K k = column.kind;
    ImGui::TextUnformatted(std::string(variant_title(k)).c_str());
    ImGui::TextDisabled("%s", std::string(variant_parameter_doc(k)).c_str());
    ImGui::Separator();
    char label_buf[64];
    std::snprintf(label_buf, sizeof label_buf, "%s", e.col().label.c_str());
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::InputTextWithHint("label", variant_title(k).data(), label_buf, sizeof label_buf)) {
        e.col().label = label_buf;
        e.after(true, "");
    } else {
        e.after(false, "The column's header; empty shows the variant's name.");
    }
    if (k != K::Lssa && k != K::Lssar)
        e.optional_double("scale", p.scale, def_scale, 0.005f, 1e-6, 100.0,
                          "Logit scale s in s\xC2\xB7q\xC2\xB7k. Default 1/\xE2\x88\x9A"
                          "d. A larger scale sharpens the rows (a lower temperature).");
    switch (k) {
        case K::Dpa:
            break;
        case K::Ssa:
            ssa_side(e, p.ssa_q, "q", d);
            e.boolean("value temperature", p.value_temp,
                      "value_temp: also scale each value v_j by its own temperature \xCF\x84_v(j). Off: values are "
                      "used as they are.");
            if (p.value_temp) ssa_side(e, p.ssa_v, "v", ctx.scene.dv());
            break;
        case K::Selective: {
            e.boolean("protect BOS", p.protect_bos, "protect_bos: token 0 is never masked (the paper's default).");
            e.optional_double("sel_scale", p.sel_scale, p.resolved_scale(d), 0.005f, 1e-6, 100.0,
                              "Scale of the selection logits that build the mask S (default: the logit scale).");
            e.optional_double("prune threshold", p.prune_threshold, 1.0, 0.01f, 0.0, 1e6,
                              "prune_threshold \xCE\xB8: key j becomes invisible to query i once its accumulated mask "
                              "F_ij exceeds \xCE\xB8 (pruned cells are drawn in the pruned colour).");
            bool has_budget = p.budget.has_value();
            int budget = static_cast<int>(p.budget.value_or(std::max(1, ctx.scene.n() / 2)));
            const bool toggled = ImGui::Checkbox("##budget_set", &has_budget);
            e.after(toggled, "Checked: keep at most `budget` tokens in the KV buffer, evicting the most masked first.");
            ImGui::SameLine();
            ImGui::BeginDisabled(!has_budget);
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
            const bool moved = ImGui::SliderInt("budget", &budget, 1, std::max(1, ctx.scene.n()));
            ImGui::EndDisabled();
            e.after(moved,
                    "budget B: the KV buffer size. While it holds more than B tokens, the non-current, non-BOS token "
                    "with the largest F is evicted for good.");
            if (toggled || moved) p.budget = has_budget ? std::optional<std::int64_t>(budget) : std::nullopt;
            section("separate selection head");
            e.list_field(ListParam::SelQ);
            e.list_field(ListParam::SelK);
            break;
        }
        case K::VaExact:
        case K::VaOblivious:
        case K::VaAware:
            e.choice("kernel", p.kernel, kKernels,
                     "Kernel \xCE\xBA applied to s\xC2\xB7q\xC2\xB7k before normalising each row: exp is softmax; "
                     "relu, relu2, softplus, elu+1 and square are less skewed, so values matter more.");
            if (k != K::VaExact)
                e.integer("r", p.r, 1, std::max(1, std::min(ctx.scene.n(), 32)),
                          "r: how many keys each row may keep. value-oblivious: the r largest kernel weights; "
                          "value-aware: the best convex mix of r values.");
            if (k == K::VaOblivious)
                e.boolean("renormalise", p.renorm,
                          "renorm: rescale the kept r weights to sum to 1 (off: keep the raw weights; rows then sum to "
                          "less than 1).");
            if (k == K::VaAware) {
                e.choice("solver", p.solver, kSolvers,
                         "exact enumerates every support of size <= r (fails past max_subsets); greedy adds the best "
                         "key one at a time (fast; the GUI default).");
                double ms = static_cast<double>(p.max_subsets);
                e.number("max_subsets", ms, 1000.0f, 1, 1e9,
                         "The exact solver's limit on supports per row, counted as sum C(m, t) for t <= r.");
                p.max_subsets = static_cast<std::int64_t>(ms);
            }
            break;
        case K::Lssa:
        case K::Lssar:
            e.boolean("cosine (normalize q, k)", p.normalize_qk,
                      "normalize_qk: use the cosine q\xCC\x82\xC2\xB7k\xCC\x82 (default). Off: the raw dot product "
                      "q\xC2\xB7k.");
            e.optional_double(
                "log_d", p.log_d, static_cast<double>(d), 0.1f, 1.0001, 1e6,
                "The number whose log enters the length scale \xCE\xBB = ln(log_d)\xC2\xB7ln N (default d).");
            e.number("eps", p.eps, 1e-4f, 0.0, 1.0, "eps: added to the l1 normaliser (default 0).");
            if (k == K::Lssar) {
                e.number("p", p.p, 0.1f, 0.1, 100.0,
                         "p: the re-weighting power; larger p sharpens towards the arg-max (paper default 15).");
                e.number("offset O", p.offset, 0.01f, 0.0, 10.0,
                         "offset O in x = N\xC2\xB7"
                         "A \xE2\x88\x92 O: keys below the uniform share O/N are dropped (default 1).");
                e.integer("offset-free rows", p.offset_free_rows, 0, 16, "The first rows use O = 0 (default 3).");
                e.number("deadzone", p.deadzone, 1e-10f, 0.0, 1e-3,
                         "x <= deadzone counts as 0 (makes float and double agree on near-uniform rows).");
            }
            break;
        case K::Ea:
            e.choice("form", p.form, kForms,
                     "bounded: e = s\xC2\xB2/(1+s\xC2\xB2), saturating at 1 for |s| > 3; plain: e = s\xC2\xB2. Both "
                     "weigh parallel and antiparallel keys alike.");
            e.number("eps", p.eps, 1e-4f, 0.0, 1.0, "eps: added to the row sum before normalising (default 0).");
            break;
    }
    section("metrics");
    e.integer("metrics_k", p.metrics_k, 1, 64, "k of the top-k mass strip (default 4).");
    e.number("threshold", p.metrics_threshold, 0.001f, 0.0, 1.0,
             "metrics_threshold: the weight above which a key counts in count_above (default 0.01).");
    ImGui::Spacing();
    if (ImGui::Button("Reset to defaults")) {
        e.col().params = VariantParams{};
        e.after(true, "");
    }
}

}  // namespace attnscope::gui
