// draw_train.cpp — the Train tab (issue 5, part 7): up to six variants trained side by side on one task, each in its
// own background TrainSession; loss and accuracy curves per variant, and every variant's attention map, per-query
// entropy and temperature on a fixed probe sequence, refreshed while training.
//
// INDEX
//   [SECTION] State      what the tab keeps between frames (the sessions live in TrainPanelState)
//   [SECTION] Setup      task, variants, sizes, optimizer, threads; Start / Pause / Step / Reset / Save
//   [SECTION] Curves     loss and accuracy against step (line_plot.hpp)
//   [SECTION] Probe      maps (texture per session), entropy and temperature strips
//
// Shortcuts while the tab is open (not while typing): Space run / pause, N one step, R reset.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "app/gui/settings.hpp"
#include "app/gui/train_panel_state.hpp"
#include "app/gui/views/line_plot.hpp"
#include "app/gui/views/train_length_tabs.hpp"
#include "app/gui/views/widgets.hpp"
#include "core/errors.hpp"
#include "core/tasks/task.hpp"

namespace attnscope::gui {
namespace {

// =====================================================================================================================
// [SECTION] State
// =====================================================================================================================
struct TrainTab {
    TrainSetup setup;
    TrainPanelState state;
    std::string save_dir = "checkpoints";
    std::string error;  // the last failed action (bad setup, unwritable folder); cleared by the next success
    int layer = 0, head = 0;
    std::unique_ptr<tasks::Task> task;  // of the running sessions: token strings of the probe
    std::string task_for;               // the setup task `task` was made for
};

TrainTab& tab() {
    static TrainTab t;  // destroyed at exit: the sessions' threads are stopped and joined then
    return t;
}

constexpr int kKeySpace = 32, kKeyN = 78, kKeyR = 82;  // GLFW key codes (lab.hpp keys::)

void do_start(ViewContext& ctx, TrainTab& t) {
    try {
        t.state.start(t.setup);
        t.state.run_all(true);
        t.error.clear();
        t.layer = std::min(t.layer, t.setup.layers - 1);
        t.head = std::min(t.head, t.setup.heads - 1);
        ctx.set_status("Training " + std::to_string(t.state.size()) + " variants on " + t.setup.task);
    } catch (const std::exception& e) {
        t.error = e.what();  // the running sessions (if any) go on unchanged
    }
}

void do_save(ViewContext& ctx, TrainTab& t) {
    try {
        const auto paths = t.state.save_all(t.save_dir);
        t.error.clear();
        ctx.set_status("Saving " + std::to_string(paths.size()) + " checkpoints to " +
                       (t.save_dir.empty() ? std::string(".") : t.save_dir));
    } catch (const std::exception& e) {
        t.error = e.what();
    }
}

// =====================================================================================================================
// [SECTION] Setup
// =====================================================================================================================
bool input_int(const char* label, int* v, int lo, int hi, int step, const char* tip) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    const bool changed = ImGui::InputInt(label, v, step, step * 4);
    item_tooltip(tip);
    *v = std::clamp(*v, lo, hi);
    return changed;
}

void draw_setup(ViewContext& ctx, TrainTab& t) {
    TrainSetup& s = t.setup;
    section("Task");
    const auto& names = tasks::task_names();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    if (ImGui::BeginCombo("##task", s.task.c_str())) {
        for (const auto& n : names) {
            if (ImGui::Selectable(n.c_str(), n == s.task)) s.task = n;
            if (ImGui::IsItemHovered()) {
                try {
                    item_tooltip(tasks::make_task(n)->description().c_str());
                } catch (const std::exception&) {
                }
            }
        }
        ImGui::EndCombo();
    }
    item_tooltip("The synthetic task every variant trains on (same data, same seed, same test set)");

    section("Variants (up to 6)");
    const float column = ImGui::GetContentRegionAvail().x / 3.0f;
    int shown = 0;
    for (VariantKind k : trainable_variants()) {
        if (shown % 3) ImGui::SameLine(column * static_cast<float>(shown % 3) + ImGui::GetStyle().WindowPadding.x);
        ++shown;
        auto it = std::find(s.variants.begin(), s.variants.end(), k);
        bool on = it != s.variants.end();
        ImGui::PushStyleColor(ImGuiCol_CheckMark, ImGui::ColorConvertU32ToFloat4(variant_colour(k)));
        if (ImGui::Checkbox(std::string(variant_name(k)).c_str(), &on)) {
            if (on && it == s.variants.end()) s.variants.push_back(k);
            if (!on && it != s.variants.end()) s.variants.erase(it);
        }
        ImGui::PopStyleColor();
        item_tooltip((std::string(variant_title(k)) + ": trains a model whose every attention layer uses this score "
                                                      "function; its curves and maps use this colour")
                         .c_str());
    }

    section("Model");
    input_int("layers", &s.layers, 1, 8, 1, "Transformer blocks (pre-LayerNorm attention + MLP)");
    input_int("heads", &s.heads, 1, 16, 1, "Attention heads per layer; d_model must be a multiple of it");
    input_int("d_model", &s.d_model, 4, 512, 8, "Width of the residual stream (head size = d_model / heads)");
    input_int("seq len", &s.seq_len, 4, 512, 8, "Training length: also the probe sequence's length");
    ImGui::Checkbox("RoPE positions", &s.rope);
    item_tooltip("Rotary positions (can run past the training length); off: a learned position table");

    section("Optimizer");
    input_int("batch", &s.batch, 1, 512, 4, "Sequences per step");
    input_int("steps", &s.steps, 1, 1000000, 100, "Total optimizer steps (warm-up 10 %, then cosine decay)");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputDouble("lr", &s.lr, 0, 0, "%.1e");
    item_tooltip("Peak learning rate of AdamW (1e-3 to 3e-3 suits these tiny models)");
    int seed = static_cast<int>(s.seed);
    if (input_int("seed", &seed, 0, 1 << 30, 1, "Initialisation and data; the same seed gives the same run"))
        s.seed = static_cast<std::uint64_t>(seed);
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    input_int("threads", &s.threads, 0, 64, 1, "CPU threads per variant; 0: the cores shared out between the variants");
    if (s.threads == 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("(%d each)", threads_per_session(s, cores));
    }

    section("Run");
    const bool have = !t.state.empty();
    if (ImGui::Button(have ? "Restart" : "Start")) do_start(ctx, t);
    item_tooltip(have ? "Train new models with the setup above (replaces the current runs)"
                      : "Train one model per ticked variant with the setup above");
    ImGui::SameLine();
    ImGui::BeginDisabled(!have);
    const bool finished = have && t.state.all_finished();
    ImGui::BeginDisabled(finished);
    if (ImGui::Button(finished ? "Done" : t.state.running() ? "Pause" : "Resume")) t.state.run_all(!t.state.running());
    ImGui::EndDisabled();
    item_tooltip(finished ? "Every run reached its last step: Reset or Restart to train again"
                          : "Pause or resume every run (Space)");
    ImGui::SameLine();
    if (ImGui::Button("Step")) t.state.step_all();
    item_tooltip("One optimizer step of every run, then pause (N)");
    ImGui::SameLine();
    if (ImGui::Button("Reset")) t.state.reset_all();
    item_tooltip("Back to step 0 with the same seeds, paused (R)");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s", t.save_dir.c_str());
    if (ImGui::InputText("##savedir", buf, sizeof buf)) t.save_dir = buf;
    item_tooltip("Folder for the checkpoints (created if missing): <task>_<variant>_step<N>.safetensors");
    ImGui::SameLine();
    if (ImGui::Button("Save")) do_save(ctx, t);
    item_tooltip("Save every run's resumable checkpoint (attnscope train --resume continues it; the Model and "
                 "Length views open it)");
    ImGui::EndDisabled();

    if (!t.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(ctx.theme.error));
        ImGui::TextWrapped("%s", t.error.c_str());
        ImGui::PopStyleColor();
    }

    // Keyboard (the lab's own shortcuts use Ctrl, F-keys, B and Esc).
    const ImGuiIO& io = ImGui::GetIO();
    if (have && !io.WantTextInput && !io.KeyCtrl) {
        if (ImGui::IsKeyPressed(kKeySpace, false)) t.state.run_all(!t.state.running());
        if (ImGui::IsKeyPressed(kKeyN, false)) t.state.step_all();
        if (ImGui::IsKeyPressed(kKeyR, false)) t.state.reset_all();
    }

    // Per-run status.
    if (!have) return;
    section("Runs");
    if (ImGui::BeginTable("runs", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn("variant");
        ImGui::TableSetupColumn("step");
        ImGui::TableSetupColumn("loss");
        ImGui::TableSetupColumn("test acc");
        ImGui::TableHeadersRow();
        for (int i = 0; i < t.state.size(); ++i) {
            const auto snap = t.state.snapshot(i);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(variant_colour(t.state.variant(i))), "%s",
                               std::string(variant_name(t.state.variant(i))).c_str());
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::Text("%.0f tokens/s%s", snap->tokens_per_s, snap->finished ? ", finished" : "");
                if (!snap->message.empty()) ImGui::TextUnformatted(snap->message.c_str());
                if (!snap->error.empty()) ImGui::TextUnformatted(snap->error.c_str());
                ImGui::EndTooltip();
            }
            ImGui::TableNextColumn();
            ImGui::Text("%d/%d", snap->step, snap->total);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(snap->log.empty() ? "-" : fmt_value(snap->log.back().loss, 3).c_str());
            ImGui::TableNextColumn();
            if (!snap->error.empty())
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.error), "error");
            else if (snap->test_accuracy >= 0)
                ImGui::Text("%.1f %%", 100 * snap->test_accuracy);
            else
                ImGui::TextDisabled("-");
        }
        ImGui::EndTable();
    }
    const auto s0 = t.state.snapshot(0);
    if (!s0->message.empty()) ImGui::TextDisabled("%s", s0->message.c_str());
}

// =====================================================================================================================
// [SECTION] Curves
// =====================================================================================================================
void draw_curves(ViewContext& ctx, TrainTab& t, float width, float height) {
    const int k = t.state.size();
    std::vector<Curve> loss(static_cast<std::size_t>(k)), acc(static_cast<std::size_t>(k)), test(static_cast<std::size_t>(k));
    int total = 1;
    for (int i = 0; i < k; ++i) {
        const auto snap = t.state.snapshot(i);
        const auto u = static_cast<std::size_t>(i);
        // ~1 bucket per 2 pixels: a long run stays cheap to draw and keeps its spikes.
        const int buckets = std::max(16, static_cast<int>(width / 4));
        loss[u] = decimate_curve(extract_curve(snap->log, CurveMetric::Loss), buckets);
        acc[u] = decimate_curve(extract_curve(snap->log, CurveMetric::Accuracy), buckets);
        test[u] = extract_curve(snap->log, CurveMetric::TestAccuracy);
        total = std::max(total, snap->total);
    }
    std::vector<PlotSeries> ls, as;
    for (int i = 0; i < k; ++i) {
        const auto u = static_cast<std::size_t>(i);
        const ImU32 c = variant_colour(t.state.variant(i));
        const std::string name(variant_name(t.state.variant(i)));
        ls.push_back({&loss[u], c, name});
        as.push_back({&acc[u], c, name + " (train batch)"});
        as.push_back({&test[u], c, name + " (test set)", true, false});
    }
    PlotAxes la;
    la.title = "Training loss (cross-entropy on answer tokens)";
    la.x_label = "step";
    la.range = curve_range(loss);
    la.range.x1 = total;
    la.range.y0 = std::max(0.0, la.range.y0);
    PlotAxes aa;
    aa.title = "Accuracy: line = training batch, dots = test set";
    aa.x_label = "step";
    aa.percent_y = true;
    aa.range = {0, static_cast<double>(total), -0.02, 1.02};
    const float w = (width - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
    draw_line_plot(ctx, "##loss", "train.loss", ImVec2(w, height), la, ls);
    ImGui::SameLine();
    draw_line_plot(ctx, "##acc", "train.accuracy", ImVec2(w, height), aa, as);
}

// =====================================================================================================================
// [SECTION] Probe
// =====================================================================================================================
// A strip of per-query values under a map: bars scaled to `hi` (NaN: a short grey tick).
void draw_query_strip(ViewContext& ctx, const char* id, const std::vector<double>& v, double hi, ImVec2 size,
                      const char* what, const std::vector<std::string>& labels) {
    const Theme& th = ctx.theme;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, size);
    const bool hovered = ImGui::IsItemHovered();
    dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), th.strip_bg);
    const int n = static_cast<int>(v.size());
    if (n == 0) return;
    const float cw = size.x / static_cast<float>(n);
    for (int i = 0; i < n; ++i) {
        const double x = v[static_cast<std::size_t>(i)];
        const float x0 = p0.x + cw * static_cast<float>(i), x1 = std::max(x0 + 1.0f, x0 + cw - 1.0f);
        if (!std::isfinite(x)) {
            dl->AddRectFilled(ImVec2(x0, p0.y + size.y - th.px(3)), ImVec2(x1, p0.y + size.y), th.strip_undefined);
            continue;
        }
        const float h = static_cast<float>(std::clamp(hi > 0 ? x / hi : 0.0, 0.0, 1.0)) * size.y;
        dl->AddRectFilled(ImVec2(x0, p0.y + size.y - h), ImVec2(x1, p0.y + size.y), th.strip_bar);
    }
    if (hovered) {
        const int i = std::clamp(static_cast<int>((ImGui::GetIO().MousePos.x - p0.x) / cw), 0, n - 1);
        ImGui::BeginTooltip();
        ImGui::Text("query %d %s", i, i < static_cast<int>(labels.size()) ? labels[static_cast<std::size_t>(i)].c_str() : "");
        ImGui::Text("%s %s", what, fmt_value(v[static_cast<std::size_t>(i)], 3).c_str());
        ImGui::EndTooltip();
    }
}

void draw_probe(ViewContext& ctx, TrainTab& t, float width) {
    const int k = t.state.size();
    const TrainSetup& s = t.state.setup();
    if (!t.task || t.task_for != s.task) {
        t.task = tasks::make_task(s.task);  // valid: the sessions were built from it
        t.task_for = s.task;
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt("layer", &t.layer, 0, s.layers - 1);
    item_tooltip("Which layer's attention the maps below show");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt("head", &t.head, 0, s.heads - 1);
    item_tooltip("Which head's attention the maps below show");
    ImGui::SameLine();
    ImGui::TextDisabled("probe: the first test sequence of %s (length %d), causal", s.task.c_str(), s.seq_len);

    const float gap = ImGui::GetFontSize();
    const float strip_h = ImGui::GetFontSize() * 2.0f;
    const float avail_h = ImGui::GetContentRegionAvail().y - 2 * strip_h - 4 * ImGui::GetFontSize();
    const float side = std::max(40.0f, std::min({(width - gap * (k - 1)) / std::max(k, 1) - 2, avail_h,
                                                  ctx.theme.px(320)}));
    for (int i = 0; i < k; ++i) {
        const auto snap = t.state.snapshot(i);
        const VariantKind var = t.state.variant(i);
        if (i > 0) ImGui::SameLine(0, gap);
        ImGui::BeginGroup();
        ImGui::PushID(i);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(variant_colour(var)), "%s  step %d",
                           std::string(variant_name(var)).c_str(), snap->step);
        const std::size_t idx = static_cast<std::size_t>(t.layer * snap->heads + t.head);
        const bool have = idx < snap->maps.size() && snap->maps[idx].rows() > 0;
        std::vector<std::string> labels;
        if (t.task)
            for (int tok : snap->probe_tokens)
                labels.push_back(tok >= 0 && tok < static_cast<int>(t.task->vocab().size())
                                     ? "'" + t.task->vocab()[static_cast<std::size_t>(tok)] + "'"
                                     : "?");
        const ImVec2 p0 = ImGui::GetCursorScreenPos();
        ImGui::InvisibleButton("map", ImVec2(side, side));
        const bool hovered = ImGui::IsItemHovered();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled(p0, ImVec2(p0.x + side, p0.y + side), ctx.theme.map_bg);
        const std::string slot = "train:" + std::to_string(i);
        ctx.layout.panel("train.map." + std::string(variant_name(var)), p0, ImVec2(p0.x + side, p0.y + side));
        if (have) {
            const MatF& w = snap->maps[idx];
            const int n = static_cast<int>(w.rows());
            DisplaySpec spec = base_display(ctx, nullptr);
            spec.px_w = spec.px_h = n;
            const std::uint64_t key =
                (snap->revision * 1315423911ull) ^ (idx * 2654435761ull) ^ (static_cast<std::uint64_t>(i) << 56) ^
                display_spec_hash(spec);
            if (ctx.textures.key(slot) != key) {
                const MapSource src{&w, nullptr, n, true, nullptr};
                ctx.textures.update(slot, std::make_shared<const HeatmapImage>(build_weight_image(src, spec, key)));
            }
            if (const ImTextureID tex = ctx.textures.get(slot)) dl->AddImage(tex, p0, ImVec2(p0.x + side, p0.y + side));
            const float cell = side / static_cast<float>(n);
            draw_mask_hatch(dl, p0, ImVec2(side, side), cell, ctx.theme.mask_hatch, ctx.theme.px(6));
            if (hovered) {
                const ImVec2 m = ImGui::GetIO().MousePos;
                const int r = std::clamp(static_cast<int>((m.y - p0.y) / cell), 0, n - 1);
                const int c = std::clamp(static_cast<int>((m.x - p0.x) / cell), 0, n - 1);
                auto lab = [&](int j) { return j < static_cast<int>(labels.size()) ? labels[static_cast<std::size_t>(j)] : ""; };
                ImGui::BeginTooltip();
                ImGui::Text("query %d %s -> key %d %s", r, lab(r).c_str(), c, lab(c).c_str());
                if (c > r)
                    ImGui::TextDisabled("masked (causal)");
                else
                    ImGui::Text("weight %s", fmt_value(w(r, c)).c_str());
                ImGui::EndTooltip();
            }
            const double hmax = std::log(static_cast<double>(n));
            draw_query_strip(ctx, "entropy", snap->entropy[idx], hmax, ImVec2(side, strip_h), "entropy (nats)", labels);
            item_tooltip("Entropy of each query's row (bar = H / log n; uniform attention over all n keys fills it)");
            double tmax = 0;
            for (double x : snap->temperature[idx])
                if (std::isfinite(x)) tmax = std::max(tmax, x);
            draw_query_strip(ctx, "temperature", snap->temperature[idx], tmax, ImVec2(side, strip_h),
                             "entropy-matched temperature", labels);
        } else {
            ImGui::Dummy(ImVec2(side, 2 * strip_h));
        }
        if (!snap->error.empty()) {
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.error), "%s", snap->error.c_str());
            ImGui::PopTextWrapPos();
        }
        ImGui::PopID();
        ImGui::EndGroup();
    }
    ImGui::TextDisabled("strips under each map: entropy per query, then the temperature that gives softmax "
                        "attention the same entropy (grey: none)");
}

}  // namespace

TrainPanelState& train_tab_sessions() { return tab().state; }
TrainSetup& train_tab_setup() { return tab().setup; }

void draw_train(ViewContext& ctx) {
    TrainTab& t = tab();
    if (t.state.running()) ctx.ui.wake_interval_s = std::min(ctx.ui.wake_interval_s, 0.2);  // the snapshot rate
    const float fs = ImGui::GetFontSize();
    ImGui::BeginChild("train.setup", ImVec2(fs * 19, 0), true);
    draw_setup(ctx, t);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("train.main", ImVec2(0, 0), false);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    if (t.state.empty()) {
        ImGui::TextWrapped("Pick a task and up to six variants on the left, then Start: each variant trains its own "
                           "small transformer in the background, and the curves and attention maps here follow "
                           "the training live. The defaults learn the copy task in about a minute on two cores.");
    } else {
        const ImVec2 c0 = ImGui::GetCursorScreenPos();
        draw_curves(ctx, t, avail.x, std::max(fs * 10, avail.y * 0.36f));
        std::vector<std::pair<ImU32, std::string>> legend;
        for (int i = 0; i < t.state.size(); ++i)
            legend.emplace_back(variant_colour(t.state.variant(i)), std::string(variant_name(t.state.variant(i))));
        draw_legend(legend);
        ctx.layout.panel("train.curves", c0, ImVec2(c0.x + avail.x, ImGui::GetCursorScreenPos().y));
        ImGui::Separator();
        draw_probe(ctx, t, avail.x);
    }
    ImGui::EndChild();
}

}  // namespace attnscope::gui
