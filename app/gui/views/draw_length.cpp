// draw_length.cpp — the Length tab (issue 5, part 8): checkpoints evaluated at 1x to 16x their training length on a
// worker thread (LengthJob, with progress and cancel); accuracy and loss against length per model, mean entropy and
// effective support against query position at a chosen length; CSV (the columns of `attnscope lengths --csv`) and
// PNG export.
//
// Shortcuts while the tab is open (not while typing): F5 run, Shift+F5 cancel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "app/cli/asset_paths.hpp"
#include "app/gui/length_panel_state.hpp"
#include "app/gui/views/line_plot.hpp"
#include "app/gui/views/train_length_tabs.hpp"
#include "app/gui/views/widgets.hpp"
#include "core/errors.hpp"

namespace attnscope::gui {
namespace {

constexpr int kFactors[] = {1, 2, 4, 8, 16};
constexpr int kKeyF5 = 294;  // GLFW

struct ModelChoice {
    std::string path;
    bool on = false;
};

struct LengthTab {
    LengthJob job;
    bool scanned = false;
    std::vector<ModelChoice> models;  // shipped ones first, then added files
    std::string add_path;
    bool factor_on[5] = {true, true, true, true, true};
    std::string explicit_lengths;
    int samples = 32;
    std::string csv_path = "lengths.csv";
    bool positions_csv = false;
    std::string error;
    int position_length = 0;  // the length whose per-position curves are shown (0: the first)
};

LengthTab& tab() {
    static LengthTab t;  // destroyed at exit: a running evaluation is cancelled and joined
    return t;
}

void scan_shipped(LengthTab& t) {
    t.scanned = true;
    try {
        const auto dir = cli::find_asset("models");
        std::vector<std::string> files;
        for (const auto& e : std::filesystem::directory_iterator(dir))
            if (e.path().extension() == ".safetensors") files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const std::string name = std::filesystem::path(f).filename().string();
            // Default: the passkey story of the README (softmax vs the softplus-with-length-scale family).
            t.models.push_back({f, name == "passkey_dpa.safetensors" || name == "passkey_lssar.safetensors"});
        }
    } catch (const std::exception& e) {
        t.error = std::string("No shipped models: ") + e.what();
    }
}

void do_run(ViewContext& ctx, LengthTab& t) {
    try {
        LengthJobSpec spec;
        for (const auto& m : t.models)
            if (m.on) spec.model_paths.push_back(m.path);
        spec.factors.clear();
        for (int i = 0; i < 5; ++i)
            if (t.factor_on[i]) spec.factors.push_back(kFactors[i]);
        if (!t.explicit_lengths.empty()) spec.lengths = training::parse_length_list(t.explicit_lengths, "Lengths");
        spec.samples = t.samples;
        t.job.start(spec);
        t.error.clear();
        t.position_length = 0;
        ctx.set_status("Evaluating " + std::to_string(spec.model_paths.size()) + " models at growing lengths");
    } catch (const std::exception& e) {
        t.error = e.what();  // the previous results stay
    }
}

void do_export(ViewContext& ctx, LengthTab& t, const LengthResults& r) {
    try {
        std::filesystem::path p = t.csv_path, pos;
        if (t.positions_csv) pos = p.parent_path() / (p.stem().string() + "_positions" + p.extension().string());
        export_length_csv(r, p, pos);
        t.error.clear();
        ctx.set_status("Saved " + p.string() + (pos.empty() ? "" : " and " + pos.string()));
    } catch (const std::exception& e) {
        t.error = e.what();
    }
}

void draw_controls(ViewContext& ctx, LengthTab& t, const LengthResults& r) {
    section("Models");
    if (!t.scanned) scan_shipped(t);
    ImGui::BeginChild("models", ImVec2(0, ImGui::GetFontSize() * 12), true);
    for (std::size_t i = 0; i < t.models.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        ImGui::Checkbox(std::filesystem::path(t.models[i].path).filename().string().c_str(), &t.models[i].on);
        item_tooltip(t.models[i].path.c_str());
        ImGui::PopID();
    }
    ImGui::EndChild();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%s", t.add_path.c_str());
    const bool enter =
        ImGui::InputTextWithHint("##add", "path/to/model.safetensors", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
    t.add_path = buf;
    item_tooltip("A checkpoint from attnscope train or the Train tab's Save (a .safetensors path), or a folder of them");
    ImGui::SameLine();
    if ((ImGui::Button("Add") || enter) && !t.add_path.empty()) {
        try {
            // A folder adds every checkpoint in it (e.g. the Train tab's save folder).
            std::vector<std::string> files;
            std::error_code ec;
            if (std::filesystem::is_directory(t.add_path, ec)) {
                for (const auto& e : std::filesystem::directory_iterator(t.add_path, ec))
                    if (e.path().extension() == ".safetensors") files.push_back(e.path().string());
                std::sort(files.begin(), files.end());
                if (files.empty())
                    throw InputError({t.add_path, "Add", "holds no .safetensors file", "name a checkpoint or a folder of them"});
            } else {
                files.push_back(t.add_path);
            }
            for (const auto& f : files) (void)training::load_checkpoint(f);  // refuse bad files now, with the reason
            for (const auto& f : files) t.models.push_back({f, true});
            t.add_path.clear();
            t.error.clear();
        } catch (const std::exception& e) {
            t.error = e.what();
        }
    }
    item_tooltip("Add the checkpoint, or every checkpoint in a folder, to the list (checked first: a damaged file "
                 "is refused with the reason and nothing is added)");

    section("Lengths (x training length)");
    for (int i = 0; i < 5; ++i) {
        if (i) ImGui::SameLine();
        char label[8];
        std::snprintf(label, sizeof label, "%dx", kFactors[i]);
        ImGui::Checkbox(label, &t.factor_on[i]);
        item_tooltip("Evaluate at this multiple of the length the model was trained at");
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    std::snprintf(buf, sizeof buf, "%s", t.explicit_lengths.c_str());
    if (ImGui::InputTextWithHint("##lengths", "or lengths: 64,128,256", buf, sizeof buf)) t.explicit_lengths = buf;
    item_tooltip("Comma-separated lengths; when given they replace the multiples above (as attnscope lengths "
                 "--lengths)");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputInt("samples", &t.samples, 8, 32);
    t.samples = std::clamp(t.samples, 1, 4096);
    item_tooltip("Test sequences per point (the task's fixed test set); more is smoother and slower");

    section("Run");
    const bool running = t.job.running();
    ImGui::BeginDisabled(running);
    if (ImGui::Button("Run")) do_run(ctx, t);
    item_tooltip("Evaluate every ticked model at every length on a background thread (F5)");
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!running);
    if (ImGui::Button("Cancel")) t.job.cancel();
    item_tooltip("Stop after the point being evaluated; the points done so far stay (Shift+F5)");
    ImGui::EndDisabled();
    const float frac = r.total > 0 ? static_cast<float>(r.done) / static_cast<float>(r.total) : 0.0f;
    char prog[96];
    std::snprintf(prog, sizeof prog, "%d/%d points, %.0f s%s", r.done, r.total, r.seconds,
                  r.cancelled ? " (cancelled)" : "");
    ImGui::ProgressBar(frac, ImVec2(-1, 0), r.total ? prog : "not run yet");
    item_tooltip("Points done: one point is one model evaluated at one length");

    section("Export");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    std::snprintf(buf, sizeof buf, "%s", t.csv_path.c_str());
    if (ImGui::InputText("##csv", buf, sizeof buf)) t.csv_path = buf;
    item_tooltip("Where the CSV goes (the columns of attnscope lengths --csv); written atomically");
    ImGui::SameLine();
    ImGui::BeginDisabled(r.entries.empty());
    if (ImGui::Button("CSV")) do_export(ctx, t, r);
    item_tooltip("Write the table: model, variant, task, train_len, length, ratio, loss, accuracy, answers, "
                 "mean_entropy, mean_effective_support");
    ImGui::EndDisabled();
    ImGui::Checkbox("also per position", &t.positions_csv);
    item_tooltip("Also write <name>_positions.csv: entropy and effective support per query position (as "
                 "--positions-csv)");
    ImGui::BeginDisabled(r.entries.empty());
    // No tooltip in the frame of the click: the panel is captured from that frame, and the tooltip would be in it.
    if (ImGui::Button("Save plots as PNG"))
        ctx.ui.want_panel_png = "length.plots";
    else
        item_tooltip("The four plots as a PNG in the figures folder (Settings), as F12 saves the window");
    ImGui::EndDisabled();

    if (!t.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(ctx.theme.error));
        ImGui::TextWrapped("%s", t.error.c_str());
        ImGui::PopStyleColor();
    }

    const ImGuiIO& io = ImGui::GetIO();
    if (!io.WantTextInput && ImGui::IsKeyPressed(kKeyF5, false)) {
        if (io.KeyShift)
            t.job.cancel();
        else if (!running)
            do_run(ctx, t);
    }

    // Per-point table, the numbers behind the plots.
    if (r.entries.empty()) return;
    section("Points");
    if (ImGui::BeginTable("points", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg |
                                           ImGuiTableFlags_ScrollY, ImVec2(0, ImGui::GetFontSize() * 14))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("model");
        ImGui::TableSetupColumn("length");
        ImGui::TableSetupColumn("acc");
        ImGui::TableSetupColumn("loss");
        ImGui::TableHeadersRow();
        for (const LengthEntry& e : r.entries) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(std::filesystem::path(e.row.model).stem().string().c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%d", e.row.length);
            ImGui::TableNextColumn();
            if (e.row.available) {
                ImGui::Text("%.1f %%", 100 * e.row.point.accuracy);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(fmt_value(e.row.point.loss, 3).c_str());
            } else {
                ImGui::TextDisabled("n/a");
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", e.note.c_str());
                ImGui::TableNextColumn();
            }
        }
        ImGui::EndTable();
    }
}

// Series of one model: y(entry) against length over its available entries.
template <typename F>
Curve length_curve(const LengthResults& r, int model, F value) {
    Curve c;
    for (const LengthEntry& e : r.entries)
        if (e.model == model && e.row.available) {
            c.x.push_back(e.row.length);
            c.y.push_back(value(e.row.point));
        }
    return c;
}

void draw_plots(ViewContext& ctx, LengthTab& t, const LengthResults& r, ImVec2 avail) {
    const int m = static_cast<int>(r.models.size());
    std::vector<Curve> acc(static_cast<std::size_t>(m)), loss(acc.size()), ent(acc.size()), sup(acc.size());
    double xmin = 1e300, xmax = 0;
    std::vector<int> lengths;
    for (const LengthEntry& e : r.entries) {
        xmin = std::min(xmin, static_cast<double>(e.row.length));
        xmax = std::max(xmax, static_cast<double>(e.row.length));
        if (e.row.available) lengths.push_back(e.row.length);
    }
    std::sort(lengths.begin(), lengths.end());
    lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
    if (!lengths.empty() && std::find(lengths.begin(), lengths.end(), t.position_length) == lengths.end())
        t.position_length = lengths.back();
    for (int i = 0; i < m; ++i) {
        const auto u = static_cast<std::size_t>(i);
        acc[u] = length_curve(r, i, [](const training::LengthPoint& p) { return p.accuracy; });
        loss[u] = length_curve(r, i, [](const training::LengthPoint& p) { return p.loss; });
        for (const LengthEntry& e : r.entries)
            if (e.model == i && e.row.available && e.row.length == t.position_length) {
                for (std::size_t k = 0; k < e.row.point.entropy.size(); ++k) {
                    ent[u].x.push_back(static_cast<double>(k));
                    ent[u].y.push_back(e.row.point.entropy[k]);
                    sup[u].x.push_back(static_cast<double>(k));
                    sup[u].y.push_back(e.row.point.effective_support[k]);
                }
            }
    }
    // Colour by variant; a second model of the same variant (another task) gets a dashed line.
    std::vector<PlotSeries> sa, sl, se, ss;
    std::map<std::string, int> seen;
    std::vector<std::pair<ImU32, std::string>> legend;
    std::vector<double> train_lens;
    for (int i = 0; i < m; ++i) {
        const auto u = static_cast<std::size_t>(i);
        const LengthModelInfo& info = r.models[u];
        const ImU32 c = variant_colour(parse_variant(info.variant).value_or(VariantKind::VaExact));
        const bool dashed = seen[info.variant]++ > 0;
        sa.push_back({&acc[u], c, info.name, true, dashed});
        sl.push_back({&loss[u], c, info.name, true, dashed});
        const int buckets = static_cast<int>(avail.x / 4);
        ent[u] = decimate_curve(ent[u], buckets);
        sup[u] = decimate_curve(sup[u], buckets);
        se.push_back({&ent[u], c, info.name, false, dashed});
        ss.push_back({&sup[u], c, info.name, false, dashed});
        legend.emplace_back(c, std::filesystem::path(info.name).stem().string() + (dashed ? " (dashed)" : ""));
        if (std::find(train_lens.begin(), train_lens.end(), info.train_len) == train_lens.end())
            train_lens.push_back(info.train_len);
    }
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = (avail.x - gap) * 0.5f;
    const float h = std::max(ImGui::GetFontSize() * 9, (avail.y - ImGui::GetFontSize() * 5) * 0.5f);
    const double x0 = xmin < 1e300 ? xmin / 1.25 : 1, x1 = xmax > 0 ? xmax * 1.25 : 2;
    PlotAxes aa;
    aa.title = "Accuracy on answer tokens against length";
    aa.x_label = "length";
    aa.log2_x = true;
    aa.percent_y = true;
    aa.range = {x0, x1, -0.02, 1.02};
    aa.x_marks = train_lens;
    draw_line_plot(ctx, "##acc", "length.accuracy", ImVec2(w, h), aa, sa);
    ImGui::SameLine();
    PlotAxes la = aa;
    la.title = "Loss (cross-entropy) against length";
    la.percent_y = false;
    const CurveRange lr = curve_range(loss);
    la.range.y0 = std::max(0.0, lr.y0);
    la.range.y1 = lr.y1;
    draw_line_plot(ctx, "##loss", "length.loss", ImVec2(w, h), la, sl);

    PlotAxes ea;
    ea.title = "Mean attention entropy (nats) against position, length " + std::to_string(t.position_length);
    ea.x_label = "position";
    ea.range = curve_range(ent);
    ea.range.x1 = std::max(1.0, static_cast<double>(t.position_length - 1));
    ea.range.y0 = std::max(0.0, ea.range.y0);
    ea.x_marks = train_lens;
    draw_line_plot(ctx, "##ent", "length.entropy", ImVec2(w, h), ea, se);
    ImGui::SameLine();
    PlotAxes pa = ea;
    pa.title = "Effective support exp(entropy) against position";
    pa.range = curve_range(sup);
    pa.range.x1 = ea.range.x1;
    pa.range.y0 = std::max(0.0, pa.range.y0);
    draw_line_plot(ctx, "##sup", "length.support", ImVec2(w, h), pa, ss);
    draw_legend(legend);
    ctx.layout.panel("length.plots", p0, ImVec2(p0.x + avail.x, ImGui::GetCursorScreenPos().y));

    if (!lengths.empty()) {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        if (ImGui::BeginCombo("position curves at length", std::to_string(t.position_length).c_str())) {
            for (int n : lengths)
                if (ImGui::Selectable(std::to_string(n).c_str(), n == t.position_length)) t.position_length = n;
            ImGui::EndCombo();
        }
        item_tooltip("Which evaluated length the entropy and support curves show (dotted lines: training lengths)");
    }
}

}  // namespace

LengthJob& length_tab_job() { return tab().job; }

void draw_length(ViewContext& ctx) {
    LengthTab& t = tab();
    const auto r = t.job.results();
    if (t.job.running()) ctx.ui.wake_interval_s = std::min(ctx.ui.wake_interval_s, 0.2);  // the progress bar moves
    const float fs = ImGui::GetFontSize();
    ImGui::BeginChild("length.setup", ImVec2(fs * 19, 0), true);
    draw_controls(ctx, t, *r);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("length.main", ImVec2(0, 0), false);
    if (r->entries.empty()) {
        ImGui::TextWrapped("Tick models on the left (shipped ones, or any checkpoint you trained), choose the "
                           "lengths, then Run: each model is evaluated on its task's fixed test set at every "
                           "length, on a background thread. The plots show which attention variant keeps working "
                           "past the length it was trained at.");
        if (t.job.running()) ImGui::TextDisabled("evaluating the first point ...");
    } else {
        draw_plots(ctx, t, *r, ImGui::GetContentRegionAvail());
    }
    ImGui::EndChild();
}

}  // namespace attnscope::gui
