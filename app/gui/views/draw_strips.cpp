// draw_strips.cpp — per-query strips aligned with the map rows, the locked query's output, and the cell tooltip.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "app/gui/heatmap_image.hpp"
#include "app/gui/settings.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Strip {
    const char* label;
    const char* help;
    bool unit_range;                   // [0, 1]; else [0, max over the visible rows]
    std::function<double(int)> value;  // NaN: undefined (drawn blank)
    bool pending = false;              // implied temperature not computed yet
};

std::vector<Strip> strips_for(const ViewContext& ctx, const ColumnSlot& slot) {
    const AttentionResult<float>& r = slot.compute->result;
    const RowMetrics& m = r.metrics;
    const auto at = [](const std::vector<double>& v, int i) {
        return i >= 0 && static_cast<std::size_t>(i) < v.size() ? v[static_cast<std::size_t>(i)] : kNaN;
    };
    std::vector<Strip> all;
    all.push_back({"T",
                   "Explicit temperature of each query, relative to softmax at 1/\xE2\x88\x9A"
                   "d: 1 for softmax, 1/\xCF\x84 for SSA, 1/\xCE\xBB for LSSA/LSSAR. Blank where the variant has none "
                   "(selective, EA, value-aware).",
                   false, [&r, at](int i) { return at(r.temperature, i); }});
    const ImpliedRows* imp = slot.implied.get();
    all.push_back({"T*",
                   "Implied temperature: the softmax temperature whose entropy on the same logits matches this row's "
                   "entropy (spec \xC2\xA7"
                   "7). Comparable across variants. Blank when undefined; 0 and \xE2\x88\x9E mark rows sharper than "
                   "arg-max ties or flatter than uniform.",
                   false,
                   [imp](int i) {
                       if (!imp || static_cast<std::size_t>(i) >= imp->value.size()) return kNaN;
                       const auto f = imp->flag[static_cast<std::size_t>(i)];
                       if (f == ImpliedTemperatureFlag::Zero) return 0.0;
                       if (f == ImpliedTemperatureFlag::Inf) return std::numeric_limits<double>::infinity();
                       return imp->value[static_cast<std::size_t>(i)];
                   },
                   imp == nullptr});
    all.push_back({"H", "Normalised entropy H / ln m of each row: 0 = one key, 1 = uniform over the row's m keys.",
                   true, [&m, at](int i) { return at(m.entropy_normalised, i); }});
    all.push_back({"ESS", "Effective support exp(H): how many keys the row effectively spreads over (1 .. m).", false,
                   [&m, at](int i) { return at(m.effective_support, i); }});
    if (ctx.settings.top_k_mass)
        all.push_back({"top-k", "Top-k mass: the weight held by the k largest entries of the row (k = metrics_k, 4).",
                       true, [&m, at](int i) { return at(m.topk_mass, i); }});
    else
        all.push_back(
            {"max", "Largest weight in the row (1 = one-hot).", true, [&m, at](int i) { return at(m.max_weight, i); }});
    all.push_back({"Gini", "Gini index of the row: 0 = uniform, towards 1 = concentrated on few keys.", true,
                   [&m, at](int i) { return at(m.gini, i); }});
    std::vector<Strip> shown;
    for (int k = 0; k < kStripCount && k < static_cast<int>(all.size()); ++k)
        if (ctx.settings.strips[static_cast<std::size_t>(k)])
            shown.push_back(std::move(all[static_cast<std::size_t>(k)]));
    return shown;
}

std::string short_num(double x) {
    if (std::isinf(x)) return "\xE2\x88\x9E";
    char buf[24];
    std::snprintf(buf, sizeof buf, x >= 100 ? "%.0f" : "%.2g", x);
    return buf;
}

void metrics_tooltip(const ViewContext& ctx, const ColumnSlot& slot, int i, const char* help) {
    const AttentionResult<float>& r = slot.compute->result;
    const RowMetrics& m = r.metrics;
    if (static_cast<std::size_t>(i) >= m.size()) return;
    const auto u = static_cast<std::size_t>(i);
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 26.0f);
    ImGui::TextUnformatted(help);
    ImGui::PopTextWrapPos();
    ImGui::Separator();
    ImGui::Text("query %s", token_label(ctx.scene, i).c_str());
    ImGui::Separator();
    ImGui::PushFont(ctx.theme.mono);
    ImGui::Text("T explicit    %s", fmt_value(u < r.temperature.size() ? r.temperature[u] : kNaN).c_str());
    if (slot.implied && u < slot.implied->value.size()) {
        const auto f = slot.implied->flag[u];
        ImGui::Text("T* implied    %s%s", fmt_value(slot.implied->value[u]).c_str(),
                    f == ImpliedTemperatureFlag::Ok     ? ""
                    : f == ImpliedTemperatureFlag::Zero ? "  (zero)"
                    : f == ImpliedTemperatureFlag::Inf  ? "  (inf)"
                                                        : "  (undefined)");
    } else {
        ImGui::Text("T* implied    computing\xE2\x80\xA6");
    }
    ImGui::Text("entropy       %s nats (%s of ln m)", fmt_value(m.entropy[u]).c_str(),
                fmt_value(m.entropy_normalised[u], 3).c_str());
    ImGui::Text("eff. support  %s of m = %d", fmt_value(m.effective_support[u], 2).c_str(), m.support_size[u]);
    ImGui::Text("part. ratio   %s", fmt_value(m.participation_ratio[u], 2).c_str());
    ImGui::Text("max weight    %s", fmt_value(m.max_weight[u]).c_str());
    ImGui::Text("top-k mass    %s", fmt_value(m.topk_mass[u]).c_str());
    ImGui::Text("Gini          %s", fmt_value(m.gini[u], 3).c_str());
    ImGui::Text("count > 0.01  %d", m.count_above[u]);
    ImGui::PopFont();
    ImGui::EndTooltip();
}

}  // namespace

void draw_strips(ViewContext& ctx, const SceneColumn& column, const ColumnSlot& slot, ImVec2 top_left, float side) {
    const Theme& th = ctx.theme;
    const int n = ctx.scene.n();
    if (!slot.compute || slot.compute->result.metrics.size() != static_cast<std::size_t>(n)) return;
    const std::vector<Strip> strips = strips_for(ctx, slot);
    const MapViewport v = ctx.ui.viewport.resolved(n);
    const float sw = th.px(24), gap = th.px(3);  // coupled with grid_metrics() in draw_variants.cpp
    const float ch = side / static_cast<float>(v.rows);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGui::PushFont(th.small);
    const float label_h = ImGui::GetTextLineHeight();
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    for (std::size_t k = 0; k < strips.size(); ++k) {
        const Strip& s = strips[k];
        const float x0 = top_left.x + gap + static_cast<float>(k) * (sw + gap), x1 = x0 + sw;
        const float y0 = top_left.y, y1 = top_left.y + side;
        // Header above the strip, range under it.
        const float lw = ImGui::CalcTextSize(s.label).x;
        dl->AddText(ImVec2(x0 + (sw - lw) / 2, y0 - label_h - th.px(1)), th.text_dim, s.label);
        dl->AddRect(ImVec2(x0 - 0.5f, y0 - 0.5f), ImVec2(x1 + 0.5f, y1 + 0.5f), th.strip_bg);  // outline: no fill layer
        double hi = s.unit_range ? 1.0 : 0.0;
        if (!s.unit_range) {
            for (int i = v.row0; i < v.row0 + v.rows; ++i) {
                const double x = s.value(i);
                if (std::isfinite(x)) hi = std::max(hi, x);
            }
            if (hi <= 0.0) hi = 1.0;
        }
        if (s.pending) {
            const char* dots = "\xE2\x80\xA6";
            dl->AddText(ImVec2(x0 + (sw - ImGui::CalcTextSize(dots).x) / 2, (y0 + y1) / 2 - label_h / 2), th.text_dim,
                        dots);
        } else if (ch >= 2.0f) {
            for (int i = v.row0; i < v.row0 + v.rows; ++i) {
                const double x = s.value(i);
                const float ya = y0 + static_cast<float>(i - v.row0) * ch,
                            yb = ya + std::max(ch - (ch >= 5 ? 1.0f : 0.0f), 1.0f);
                if (std::isnan(x)) continue;  // undefined: blank
                if (std::isinf(x)) {          // flatter than uniform (implied T = inf): full, dimmed
                    dl->AddRectFilled(ImVec2(x0, ya), ImVec2(x1, yb), th.strip_undefined);
                    continue;
                }
                const float w = sw * static_cast<float>(std::clamp(x / hi, 0.0, 1.0));
                dl->AddRectFilled(ImVec2(x0, ya), ImVec2(x0 + std::max(w, 1.0f), yb), th.strip_bar);
            }
        } else {
            // More rows than pixels: each pixel row shows the mean of its queries. The bars go into one small
            // texture per strip rather than one rectangle per pixel row: with six columns of six strips that was
            // ~6000 rectangles a frame, about 5 ms of a software rasteriser's frame at n = 256.
            const int px_rows = std::max(1, static_cast<int>(side));
            const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
            const int tex_w = std::max(1, static_cast<int>(std::lround(sw * fb.x)));
            auto img = std::make_shared<HeatmapImage>();
            img->width = tex_w;
            img->height = px_rows;
            img->rgba.assign(static_cast<std::size_t>(tex_w) * static_cast<std::size_t>(px_rows), 0u);
            std::uint64_t key = 1469598103934665603ULL;  // FNV-1a over what the texels depend on
            auto mix = [&key](std::uint64_t x) { key = (key ^ x) * 1099511628211ULL; };
            mix(static_cast<std::uint64_t>(tex_w));
            mix(static_cast<std::uint64_t>(px_rows));
            mix(th.strip_bar);
            for (int py = 0; py < px_rows; ++py) {
                const int a = v.row0 + py * v.rows / px_rows, b = std::max(a + 1, v.row0 + (py + 1) * v.rows / px_rows);
                double sum = 0;
                int cnt = 0;
                for (int i = a; i < b; ++i) {
                    const double x = s.value(i);
                    if (std::isfinite(x)) sum += x, ++cnt;
                }
                int filled = 0;  // texels of this pixel row's bar (at least one when the row has a value)
                if (cnt > 0)
                    filled = std::clamp(
                        static_cast<int>(std::lround(tex_w * std::clamp(sum / cnt / hi, 0.0, 1.0))), 1, tex_w);
                mix(static_cast<std::uint64_t>(filled));
                std::uint32_t* row = img->rgba.data() + static_cast<std::size_t>(py) * static_cast<std::size_t>(tex_w);
                std::fill(row, row + filled, static_cast<std::uint32_t>(th.strip_bar));  // ImU32 is RGBA in memory
            }
            img->key = key;
            const std::string tex_slot = "strip:" + std::to_string(column.id) + ":" + std::to_string(k);
            ctx.textures.update(tex_slot, img);
            if (const ImTextureID tex = ctx.textures.get(tex_slot))
                dl->AddImage(tex, ImVec2(x0, y0), ImVec2(x1, y0 + static_cast<float>(px_rows)));
        }
        const std::string range = short_num(hi);
        const float rw = ImGui::CalcTextSize(range.c_str()).x;
        dl->AddText(ImVec2(x0 + (sw - rw) / 2, y1 + th.px(1)), th.text_dim, range.c_str());
        // Hover: the row's metrics, and the row highlighted in every map.
        if (ImGui::IsWindowHovered() && mouse.x >= x0 && mouse.x < x1 && mouse.y >= y0 && mouse.y < y1) {
            const int i = v.row0 + std::clamp(static_cast<int>((mouse.y - y0) / ch), 0, v.rows - 1);
            ctx.ui.hover_next = {column.id, i, -1};
            ImGui::PopFont();
            metrics_tooltip(ctx, slot, i, s.help);
            ImGui::PushFont(th.small);
        }
    }
    // The locked row across the strips.
    const int locked = ctx.view.locked_query;
    if (locked >= v.row0 && locked < v.row0 + v.rows && !strips.empty()) {
        const float y = top_left.y + static_cast<float>(locked - v.row0) * ch;
        const float x_end = top_left.x + gap + static_cast<float>(strips.size()) * (sw + gap) - gap;
        dl->AddRect(ImVec2(top_left.x + gap - 1, y - 1), ImVec2(x_end + 1, y + std::max(ch, 1.0f) + 1), th.lock_outline,
                    0, 0, 1.5f);
    }
    ImGui::PopFont();
}

void draw_output(ViewContext& ctx, const SceneColumn& column, const ColumnSlot& slot, ImVec2 size) {
    const Theme& th = ctx.theme;
    const AttentionResult<float>& r = slot.compute->result;
    const int i = focus_row(ctx);
    if (i < 0 || i >= r.output.rows()) return;
    const bool value_aware = column.kind == VariantKind::VaAware || column.kind == VariantKind::VaOblivious;
    const bool has_exact = value_aware && r.extras.exact_output.rows() == r.output.rows();
    const int dv = static_cast<int>(r.output.cols());
    ImGui::PushFont(th.small);
    std::string head =
        (ctx.view.locked_query >= 0 ? "output of " : "output of last query ") + token_label(ctx.scene, i);
    if (has_exact && static_cast<std::size_t>(i) < r.extras.error_l2.size())
        head += "   \xE2\x80\x96o \xE2\x88\x92 o*\xE2\x80\x96 = " +
                fmt_value(r.extras.error_l2[static_cast<std::size_t>(i)], 3);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(th.text_dim), "%s", head.c_str());
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float h = std::max(size.y - ImGui::GetTextLineHeightWithSpacing(), th.px(14));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    double scale = 1e-12;
    for (int c = 0; c < dv; ++c) {
        scale = std::max(scale, std::abs(static_cast<double>(r.output(i, c))));
        if (has_exact) scale = std::max(scale, std::abs(static_cast<double>(r.extras.exact_output(i, c))));
    }
    const int shown = std::min(dv, 64);
    const float bw = size.x / static_cast<float>(shown);
    const float mid = p0.y + h / 2;
    // Wide slots: a narrow bar and its value beside it; narrow slots: bars only (the tooltip has the numbers).
    const bool labelled = bw >= th.px(52);
    const float bar_w = labelled ? th.px(10) : std::max(bw - 2, 1.0f);
    dl->AddLine(ImVec2(p0.x, mid), ImVec2(p0.x + size.x, mid), th.text_dim);
    for (int c = 0; c < shown; ++c) {
        const float x0 = p0.x + static_cast<float>(c) * bw + 1, x1 = x0 + bar_w;
        const float y = mid - static_cast<float>(r.output(i, c) / scale) * (h / 2 - 1);
        dl->AddRectFilled(ImVec2(x0, std::min(y, mid)), ImVec2(x1, std::max(y, mid)), th.value);
        if (has_exact) {
            const float ye = mid - static_cast<float>(r.extras.exact_output(i, c) / scale) * (h / 2 - 1);
            dl->AddLine(ImVec2(x0 - 2, ye), ImVec2(x1 + 2, ye), th.exact_value, 2.0f);
        }
        if (labelled) {
            char buf[24];
            std::snprintf(buf, sizeof buf, "%+.3f", r.output(i, c));
            dl->AddText(ImVec2(x1 + th.px(4), p0.y), th.text_dim, buf);  // above the zero line
        }
    }
    ImGui::InvisibleButton("##output", ImVec2(size.x, h));
    if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::Text("o = \xCE\xA3_j w_ij v_j for query %s%s", token_label(ctx.scene, i).c_str(),
                    has_exact ? "\nbars: this column's output; lines: the exact output o*" : "");
        ImGui::PushFont(th.mono);
        for (int c = 0; c < std::min(dv, 16); ++c)
            ImGui::Text(has_exact ? "o[%d] = %+.4f   o*[%d] = %+.4f" : "o[%d] = %+.4f", c, r.output(i, c), c,
                        has_exact ? r.extras.exact_output(i, c) : 0.0f);
        if (dv > 16) ImGui::Text("\xE2\x80\xA6 %d more", dv - 16);
        ImGui::PopFont();
        ImGui::EndTooltip();
    }
    ImGui::PopFont();
}

void column_cell_tooltip(ViewContext& ctx, const SceneColumn& column, const ColumnSlot& slot, int i, int j) {
    const ColumnCompute& cc = *slot.compute;
    const int n = ctx.scene.n();
    if (i < 0 || j < 0 || i >= n || j >= n) return;
    bool exact = true;
    const float w = displayed_weight(cc, n, i, j, &exact);
    const SceneTokens& t = *ctx.scene.tokens;
    const double dot = t.q.row(i).dot(t.k.row(j));
    const double scale = column.params.resolved_scale(t.d());
    const bool masked = ctx.scene.causal && j > i;
    const bool pruned = cc.result.extras.pruned.size() > 0 && cc.result.extras.pruned(i, j) != 0;
    ImGui::BeginTooltip();
    ImGui::Text("query %s", token_label(ctx.scene, i).c_str());
    ImGui::Text("key   %s", token_label(ctx.scene, j).c_str());
    ImGui::Separator();
    ImGui::PushFont(ctx.theme.mono);
    if (masked)
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.text_dim), "masked (causal: key after query)");
    else if (pruned)
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ctx.theme.text_dim),
                           "pruned (selective attention evicted this key)");
    else if (exact)
        ImGui::Text("weight  %s", fmt_value(w, 5).c_str());
    else
        ImGui::Text("weight  \xE2\x89\xA4 %s (max of a pooled block; zoom in for the cell)", fmt_value(w, 5).c_str());
    ImGui::Text("logit   %s  (q\xC2\xB7k \xC2\xB7 %s)", fmt_value(dot * scale, 4).c_str(), fmt_value(scale, 3).c_str());
    if (column.kind == VariantKind::Lssa || column.kind == VariantKind::Lssar) {
        const double nq = t.q.row(i).norm(), nk = t.k.row(j).norm();
        const double cosine = dot / std::max(nq, 1e-12) / std::max(nk, 1e-12);
        ImGui::Text("cosine  %s", fmt_value(cosine, 4).c_str());
        if (static_cast<std::size_t>(i) < cc.result.extras.lambda.size())
            ImGui::Text("lambda  %s  (ln d \xC2\xB7 ln N)",
                        fmt_value(cc.result.extras.lambda[static_cast<std::size_t>(i)], 3).c_str());
    }
    if (column.kind == VariantKind::Ssa && static_cast<std::size_t>(i) < cc.result.extras.tau_q.size())
        ImGui::Text("tau_q   %s  (logit \xC3\x97 tau_q)",
                    fmt_value(cc.result.extras.tau_q[static_cast<std::size_t>(i)], 3).c_str());
    ImGui::PopFont();
    ImGui::EndTooltip();
}

}  // namespace attnscope::gui
