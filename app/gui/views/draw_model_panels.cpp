// draw_model_panels.cpp — the Model view's panels: the model's own map of the chosen head with the layer's other heads
// and the prediction, the head's queries and keys as draggable points (the override), and the variant grid.
//
// Index: [SECTION] Helpers · Own head and canvas · Variant grid
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/gui/views/draw_model.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {
namespace {

// =====================================================================================================================
// [SECTION] Helpers
// =====================================================================================================================

// Top-k token ids of a distribution, most probable first.
std::vector<int> top_k(const Vec<float>& p, int k) {
    std::vector<int> ids(static_cast<std::size_t>(p.size()));
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int>(i);
    k = std::min<int>(k, static_cast<int>(ids.size()));
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int a, int b) { return p(a) > p(b); });
    ids.resize(static_cast<std::size_t>(k));
    return ids;
}

// Horizontal probability bars for the top tokens of `p`; the expected token, when known, is outlined.
void probability_bars(ViewContext& ctx, const ModelSession& s, const Vec<float>& p, int k, float width, int expected) {
    const Theme& th = ctx.theme;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGui::PushFont(th.small);
    const float line = ImGui::GetTextLineHeight() + th.px(2);
    const float label_w = th.px(58), num_w = th.px(42);
    const float bar_w = std::max(th.px(20), width - label_w - num_w);
    for (int id : top_k(p, k)) {
        const ImVec2 a = ImGui::GetCursorScreenPos();
        std::string name = s.token_name(id);
        if (name.size() > 8) name = name.substr(0, 7) + "\xE2\x80\xA6";
        dl->AddText(a, id == expected ? th.text_strong : th.text_dim, name.c_str());
        const ImVec2 b0(a.x + label_w, a.y + th.px(2)), b1(b0.x + bar_w, a.y + line - th.px(3));
        dl->AddRectFilled(b0, b1, th.strip_bg);
        dl->AddRectFilled(b0, ImVec2(b0.x + bar_w * std::clamp(p(id), 0.0f, 1.0f), b1.y),
                          id == expected ? th.accent : th.strip_bar);
        if (id == expected) dl->AddRect(b0, b1, th.accent);
        char num[16];
        std::snprintf(num, sizeof num, "%.3f", static_cast<double>(p(id)));
        dl->AddText(ImVec2(b1.x + th.px(4), a.y), th.text_dim, num);
        ImGui::Dummy(ImVec2(width, line));
    }
    ImGui::PopFont();
}

// A map through the shared heatmap panel, with the view's own zoom and read position standing in for the lab's.
HeatmapHit model_map(ViewContext& ctx, ModelViewState& st, const char* id, const std::string& slot,
                     const std::shared_ptr<const HeatmapImage>& image, int n, float side, const std::string& name) {
    if (image) ctx.textures.update(slot, image);
    HeatmapPanel hp;
    hp.id = id;
    hp.slot = slot;
    hp.panel_name = name;
    hp.image = image.get();
    hp.n = n;
    hp.causal = true;
    hp.size = ImVec2(side, side);
    hp.spec = base_display(ctx, nullptr);
    const MapViewport lab_viewport = std::exchange(ctx.ui.viewport, st.viewport);
    const int lab_locked = std::exchange(ctx.view.locked_query, st.session.query().position);
    const HeatmapHit hit = draw_heatmap(ctx, hp);
    st.viewport = std::exchange(ctx.ui.viewport, lab_viewport);
    const int clicked = std::exchange(ctx.view.locked_query, lab_locked);
    if (clicked != st.session.query().position) st.session.set_position(clicked);
    ctx.ui.displays.erase(slot);  // the view builds its own images; nothing for the lab's worker
    return hit;
}

void map_tooltip(ViewContext& ctx, const ModelSession& s, const ModelProbe& p, const MatF& w, const HeatmapHit& hit) {
    if (!hit.hovered || hit.row < 0 || hit.row >= w.rows() || hit.col < 0 || hit.col >= w.cols()) return;
    const auto tok = [&](int i) {
        return std::to_string(i) + " \xE2\x80\x98" + s.token_name(p.tokens[static_cast<std::size_t>(i)]) +
               "\xE2\x80\x99";
    };
    ImGui::BeginTooltip();
    ImGui::Text("query %s, key %s", tok(hit.row).c_str(), tok(hit.col).c_str());
    ImGui::PushFont(ctx.theme.mono);
    if (hit.col > hit.row)
        ImGui::TextUnformatted("masked (causal)");
    else
        ImGui::Text("weight %s", fmt_value(w(hit.row, hit.col), 5).c_str());
    ImGui::PopFont();
    ImGui::TextDisabled("click: read the prediction after this query; wheel: zoom");
    ImGui::EndTooltip();
}

// =====================================================================================================================
// [SECTION] Own head and canvas
// =====================================================================================================================

double nice_half_range(double m) {
    if (!(m > 0)) return 1.0;
    const double e = std::pow(10.0, std::floor(std::log10(m)));
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * e >= m) return f * e;
    return 10 * e;
}

void qk_canvas(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float side) {
    const Theme& th = ctx.theme;
    ModelSession& s = st.session;
    const MatF& q = p.result.q;
    const MatF& k = p.result.k;
    const int n = static_cast<int>(q.rows());
    if (n == 0) return;
    if (!st.dragging && st.plane_probe != p.request_id) {
        st.plane = qk_plane(q, k);
        double m = 0;
        const Eigen::MatrixXd qd = q.cast<double>(), kd = k.cast<double>();
        for (const Eigen::MatrixXd* x : {&qd, &kd})
            for (int i = 0; i < n; ++i)
                m = std::max({m, std::abs(x->row(i).dot(st.plane.ex)), std::abs(x->row(i).dot(st.plane.ey))});
        st.half = nice_half_range(m * 1.08);
        st.plane_probe = p.request_id;
    }
    const QkPlane& plane = st.dragging ? st.drag_plane : st.plane;
    const double half = st.dragging ? st.drag_half : st.half;

    const ImVec2 p0 = ImGui::GetCursorScreenPos(), p1(p0.x + side, p0.y + side);
    ImGui::InvisibleButton("qk_canvas", ImVec2(side, side));
    const bool hovered = ImGui::IsItemHovered();
    ctx.layout.panel("model.canvas", p0, p1);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, p1, th.map_bg);
    const ImVec2 c((p0.x + p1.x) / 2, (p0.y + p1.y) / 2);
    const float ppu = static_cast<float>((side / 2 - th.px(6)) / half);
    ctx.layout.canvas("model.canvas", c, ppu, "pc1", "pc2");  // tests find the points from this
    auto to_px = [&](const Eigen::VectorXd& v) {
        return ImVec2(c.x + static_cast<float>(v.dot(plane.ex)) * ppu, c.y - static_cast<float>(v.dot(plane.ey)) * ppu);
    };
    dl->PushClipRect(p0, p1, true);
    ImGui::PushFont(th.small);
    draw_plane_grid(dl, th, p0, p1, c, ppu, half, "pc1", "pc2");

    const std::optional<model::ProbeOverride>& ov = s.query().override_qk;
    // The ghost: where the overridden vector was before the drag.
    if (ov && st.ghost_token == ov->token && st.ghost_query == ov->is_query && st.ghost.size() == q.cols()) {
        const ImVec2 g = to_px(st.ghost);
        const Eigen::VectorXd now = (ov->is_query ? q : k).row(ov->token).transpose().cast<double>();
        dl->AddLine(g, to_px(now), th.text_dim, 1.0f);
        dl->AddCircle(g, th.px(5), th.text_dim, 0, 1.0f);
    }
    const int read = s.read_position();
    const float r = n <= 64 ? th.px(4) : n <= 512 ? th.px(2.5f) : th.px(1.5f);
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    int hit = -1;
    bool hit_query = true;
    float best = th.px(9) * th.px(9);
    auto points = [&](const MatF& x, bool is_query, ImU32 col) {
        for (int i = 0; i < n; ++i) {
            const ImVec2 pt = to_px(x.row(i).transpose().cast<double>());
            const bool over = ov && ov->token == i && ov->is_query == is_query;
            const bool hot =
                ctx.ui.hovered_token == i || (st.dragging && st.drag_token == i && st.drag_query == is_query);
            if (is_query)
                dl->AddCircleFilled(pt, hot ? r * 1.6f : r, col);
            else
                dl->AddRectFilled(ImVec2(pt.x - r, pt.y - r), ImVec2(pt.x + r, pt.y + r), col);
            if (is_query && i == read) dl->AddCircle(pt, r * 2.2f, th.lock_outline, 0, 2.0f);
            if (over) dl->AddCircle(pt, r * 2.6f, th.accent, 0, 2.0f);
            if (hot) dl->AddCircle(pt, r * 2.0f, th.hover_outline, 0, 1.5f);
            const float dx = mouse.x - pt.x, dy = mouse.y - pt.y;
            if (hovered && dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                hit = i;
                hit_query = is_query;
            }
        }
    };
    points(k, false, th.key);
    points(q, true, th.query);
    ImGui::PopFont();
    dl->PopClipRect();
    dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));

    // Drag: the point follows the mouse within the frozen plane; every frame sends the override (one undo step).
    if (!st.dragging && hit >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
        st.dragging = true;
        st.drag_token = hit;
        st.drag_query = hit_query;
        st.drag_start = (hit_query ? q : k).row(hit).transpose().cast<double>();
        st.drag_mouse0 = mouse;
        st.drag_plane = st.plane;
        st.drag_half = st.half;
        ++st.gesture_counter;
        if (!(ov && ov->token == hit && ov->is_query == hit_query)) {
            st.ghost_token = hit;
            st.ghost_query = hit_query;
            st.ghost = st.drag_start;
        }
    }
    if (st.dragging) {
        if (ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
            const double dx = (mouse.x - st.drag_mouse0.x) / ppu, dy = -(mouse.y - st.drag_mouse0.y) / ppu;
            if (dx != 0.0 || dy != 0.0)
                s.set_override(dragged_override(st.drag_token, st.drag_query, st.drag_start, st.drag_plane, dx, dy),
                               0x4D0000000000ull + st.gesture_counter);
            ctx.ui.hovered_token = st.drag_token;
        } else {
            st.dragging = false;
        }
    } else if (hit >= 0) {
        ctx.ui.hovered_token = hit;
        ImGui::BeginTooltip();
        ImGui::Text("%s %d \xE2\x80\x98%s\xE2\x80\x99", hit_query ? "query" : "key", hit,
                    s.token_name(p.tokens[static_cast<std::size_t>(hit)]).c_str());
        ImGui::TextDisabled("drag to override this %s (layer %d, head %d) and watch the prediction",
                            hit_query ? "query" : "key", p.layer, p.head);
        ImGui::EndTooltip();
    }
    ImGui::PushFont(th.small);
    ImGui::TextColored(theme_colour(th.query), "\xE2\x97\x8F query");
    ImGui::SameLine();
    ImGui::TextColored(theme_colour(th.key), "\xE2\x96\xA0 key");
    ImGui::SameLine();
    ImGui::TextDisabled(ov ? "ring: overridden; R resets" : "drag a point to override it");
    ImGui::PopFont();
}

}  // namespace

void draw_model_own_panel(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float width, float height) {
    const Theme& th = ctx.theme;
    ModelSession& s = st.session;
    const int n = static_cast<int>(p.tokens.size());
    ImGui::BeginChild("model_own", ImVec2(width, height), false, ImGuiWindowFlags_NoScrollbar);
    const float side = std::min(width - th.px(4), (height - th.px(230)) * 0.5f);
    ImGui::Text("Model's own \xC2\xB7 layer %d head %d", p.layer, p.head);
    item_tooltip("The trained model's attention of the chosen head on this sequence.");
    const float own_side = std::max(side, th.px(60));
    const float fb = ImGui::GetIO().DisplayFramebufferScale.x;
    st.own_px = static_cast<int>(own_side * fb);  // the next probe's image sizes (one frame behind, as in the lab)
    const HeatmapHit hit = model_map(ctx, st, "own_map", "model:own", p.own_image, n, own_side, "model.own");
    map_tooltip(ctx, s, p, p.result.own_weights, hit);
    // The layer's other heads: small maps, click one to choose it.
    const int heads = static_cast<int>(p.head_images.size());
    const float thumb = std::min(th.px(56), (width - th.px(6) * static_cast<float>(heads)) / std::max(heads, 1));
    st.thumb_px = static_cast<int>(thumb * fb);
    for (int h = 0; h < heads; ++h) {
        if (h > 0) ImGui::SameLine(0, th.px(6));
        const std::string slot = "model:head:" + std::to_string(h);
        const auto& img = p.head_images[static_cast<std::size_t>(h)];
        if (img) ctx.textures.update(slot, img);
        const ImVec2 a = ImGui::GetCursorScreenPos();
        ImGui::PushID(h);
        if (ImGui::InvisibleButton("head", ImVec2(thumb, thumb))) s.set_head(h);
        ImGui::PopID();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        if (const ImTextureID tex = ctx.textures.get(slot); tex && img)
            dl->AddImage(tex, a, ImVec2(a.x + thumb, a.y + thumb));
        else
            dl->AddRectFilled(a, ImVec2(a.x + thumb, a.y + thumb), th.map_bg);
        dl->AddRect(a, ImVec2(a.x + thumb, a.y + thumb),
                    h == p.head ? th.lock_outline : ImGui::GetColorU32(ImGuiCol_Border), 0.0f, 0,
                    h == p.head ? 2.0f : 1.0f);
        char label[32];
        std::snprintf(label, sizeof label, "%d", h);
        dl->AddText(ImVec2(a.x + th.px(3), a.y + th.px(1)), IM_COL32(255, 255, 255, 220), label);
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::Text("head %d of layer %d: click to look at it (H)", h, p.layer);
            ImGui::EndTooltip();
        }
    }
    // The model's own prediction.
    ImGui::Spacing();
    const int expected = s.query().position < 0 ? s.expected_next() : -1;
    ImGui::Text("Next token (model)");
    if (expected >= 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("expected \xE2\x80\x98%s\xE2\x80\x99", s.token_name(expected).c_str());
        item_tooltip("The token the task puts here (known for generated sequences whose next token is an answer).");
    }
    probability_bars(ctx, s, p.result.own_probs, 4, width - th.px(8), expected);
    ImGui::Spacing();
    ImGui::Text("Queries and keys \xC2\xB7 head %d", p.head);
    item_tooltip(
        "This head's queries (dots) and keys (squares) after RoPE, projected on the plane that holds most "
        "of them. Drag one to override it in every pass; the maps and predictions follow.");
    const float canvas = std::min(width - th.px(4), ImGui::GetContentRegionAvail().y - th.px(24));
    if (canvas > th.px(60)) qk_canvas(ctx, st, p, canvas);
    ImGui::EndChild();
}

// =====================================================================================================================
// [SECTION] Variant grid
// =====================================================================================================================

namespace {

// Below the cards, when there is room: every variant's KL from the model's own prediction on one log axis
// (1e-4 .. 10 nats: below 1e-4 the top tokens never differ visibly, above 10 the prediction is another one).
void kl_chart(ViewContext& ctx, const ModelSession& s, const ModelProbe& p, float width) {
    const Theme& th = ctx.theme;
    const int count = static_cast<int>(p.result.variants.size());
    const float row_h = ImGui::GetTextLineHeight() + th.px(4);
    const int per_col = (count + 1) / 2;  // two columns of bars
    if (ImGui::GetContentRegionAvail().y < row_h * static_cast<float>(per_col + 3)) return;
    ImGui::Spacing();
    ImGui::TextDisabled("How far each variant moves the prediction: KL(model || variant), nats, log scale");
    item_tooltip(
        "The KL divergence of the swapped next-token distribution from the model's own, per variant. Bars "
        "start at 1e-4 nats; the text gives the swapped model's top token and its probability.");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float col_w = width / 2;
    const float label_w = th.px(84), bar_w = std::min(th.px(240), col_w - label_w - th.px(190));
    if (bar_w < th.px(60)) return;
    ImGui::PushFont(th.small);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    for (int i = 0; i < count; ++i) {
        const model::VariantProbe& v = p.result.variants[static_cast<std::size_t>(i)];
        const ImVec2 a(origin.x + col_w * static_cast<float>(i / per_col),
                       origin.y + row_h * static_cast<float>(i % per_col));
        dl->AddText(a, th.text_dim, std::string(variant_name(v.kind)).c_str());
        const ImVec2 b0(a.x + label_w, a.y + th.px(2)), b1(b0.x + bar_w, a.y + row_h - th.px(3));
        dl->AddRectFilled(b0, b1, th.strip_bg);
        std::string text;
        if (v.error.empty()) {
            const double f = std::clamp((std::log10(std::max(v.kl_from_own, 1e-12)) + 4.0) / 5.0, 0.0, 1.0);
            dl->AddRectFilled(b0, ImVec2(b0.x + bar_w * static_cast<float>(f), b1.y),
                              v.kl_from_own > 0.1 ? th.error : th.strip_bar);
            const int top = top_k(v.next_probs, 1).front();
            char buf[96];
            std::snprintf(buf, sizeof buf, "%s   top \xE2\x80\x98%s\xE2\x80\x99 %.3f",
                          fmt_value(v.kl_from_own, 3).c_str(), s.token_name(top).c_str(),
                          static_cast<double>(v.next_probs(top)));
            text = buf;
        } else {
            text = "refused (see its card)";
        }
        dl->AddText(ImVec2(b1.x + th.px(8), a.y), th.text_dim, text.c_str());
    }
    ImGui::Dummy(ImVec2(width, row_h * static_cast<float>(per_col)));
    // Decade ticks under the bars.
    const ImVec2 a = ImGui::GetCursorScreenPos();
    for (int c = 0; c < 2 && c * per_col < count; ++c)
        for (int d = -4; d <= 1; ++d) {
            const float x = a.x + col_w * static_cast<float>(c) + label_w + bar_w * static_cast<float>(d + 4) / 5.0f;
            char buf[16];
            std::snprintf(buf, sizeof buf, d == 0 ? "1" : d == 1 ? "10" : "1e%d", d);
            dl->AddLine(ImVec2(x, a.y - th.px(2)), ImVec2(x, a.y + th.px(2)), th.text_dim);
            dl->AddText(ImVec2(x - ImGui::CalcTextSize(buf).x / 2, a.y + th.px(2)), th.text_dim, buf);
        }
    ImGui::Dummy(ImVec2(width, row_h));
    ImGui::PopFont();
}

}  // namespace

void draw_model_grid(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float width, float height) {
    const Theme& th = ctx.theme;
    ModelSession& s = st.session;
    const int count = static_cast<int>(p.result.variants.size());
    ImGui::BeginChild("model_grid", ImVec2(width, height), false);
    if (count == 0) {
        ImGui::TextDisabled("No variant chosen: use the Variants button.");
        ImGui::EndChild();
        return;
    }
    const int n = static_cast<int>(p.tokens.size());
    const int expected = s.query().position < 0 ? s.expected_next() : -1;
    // The card layout whose maps are largest while every card fits the area (text below each map: ~5 lines).
    const float gap = th.px(10), text_h = th.px(26) + 3 * (ImGui::GetTextLineHeight() + th.px(2)) + th.px(20);
    int best_cols = 1;
    float best_side = 0;
    for (int cols = 1; cols <= count; ++cols) {
        const int rows = (count + cols - 1) / cols;
        const float w_side = (width - gap * static_cast<float>(cols) - th.px(12)) / static_cast<float>(cols);
        const float h_side = (height - gap * static_cast<float>(rows)) / static_cast<float>(rows) - text_h;
        const float side = std::min(w_side, h_side);
        if (side > best_side) {
            best_side = side;
            best_cols = cols;
        }
    }
    const float side = std::max(best_side, th.px(110));
    st.card_px = static_cast<int>(side * ImGui::GetIO().DisplayFramebufferScale.x);
    for (int i = 0; i < count; ++i) {
        const model::VariantProbe& v = p.result.variants[static_cast<std::size_t>(i)];
        if (i % best_cols != 0) ImGui::SameLine(0, gap);
        ImGui::BeginGroup();
        ImGui::PushID(i);
        const std::string name(variant_name(v.kind));
        // Title line: the variant's title, clipped so the KL on the right always stays readable.
        const ImVec2 title_pos = ImGui::GetCursorScreenPos();
        const float line_h = ImGui::GetTextLineHeight();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        float kl_w = 0;
        if (v.error.empty()) {
            char kl[48];
            std::snprintf(kl, sizeof kl, "KL %s", fmt_value(v.kl_from_own, 3).c_str());
            kl_w = ImGui::CalcTextSize(kl).x;
            dl->AddText(ImVec2(title_pos.x + side - kl_w, title_pos.y), v.kl_from_own > 0.1 ? th.error : th.text_dim,
                        kl);
        }
        const std::string title = std::string(variant_title(v.kind));
        dl->PushClipRect(title_pos, ImVec2(title_pos.x + side - kl_w - th.px(8), title_pos.y + line_h), true);
        dl->AddText(title_pos, th.text_strong, name.c_str());  // the id first: the part that tells the cards apart
        dl->AddText(ImVec2(title_pos.x + ImGui::CalcTextSize(name.c_str()).x + th.px(6), title_pos.y), th.text_dim,
                    title.c_str());
        dl->PopClipRect();
        ImGui::Dummy(ImVec2(side, line_h));
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::Text("%s (%s)", title.c_str(), name.c_str());
            if (v.error.empty()) {
                ImGui::Text("KL(model || %s) = %s nats", name.c_str(), fmt_value(v.kl_from_own, 5).c_str());
                ImGui::TextDisabled("how far the next-token distribution moves when layer %d uses %s", p.layer,
                                    name.c_str());
            }
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
            ImGui::TextDisabled("%s", std::string(variant_parameter_doc(v.kind)).c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        if (!v.error.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, theme_colour(th.error));
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
            ImGui::TextWrapped("%s refused this problem: %s", name.c_str(), v.error.c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopStyleColor();
            ImGui::Dummy(ImVec2(side, side * 0.5f));
        } else {
            const std::string slot = "model:v:" + std::to_string(i);
            const HeatmapHit hit = model_map(ctx, st, "map", slot, p.variant_images[static_cast<std::size_t>(i)], n,
                                             side, "model." + name);
            if (hit.hovered) {
                map_tooltip(ctx, s, p, v.weights, hit);
            }
            ImGui::PushFont(th.small);
            const int own_top = top_k(p.result.own_probs, 1).front();
            ImGui::TextDisabled("p(model's \xE2\x80\x98%s\xE2\x80\x99) %.3f", s.token_name(own_top).c_str(),
                                static_cast<double>(v.next_probs(own_top)));
            ImGui::PopFont();
            probability_bars(ctx, s, v.next_probs, 3, side, expected);
        }
        ImGui::PopID();
        ImGui::EndGroup();
    }
    kl_chart(ctx, s, p, width - th.px(12));
    ImGui::EndChild();
}

}  // namespace attnscope::gui
