#include "app/gui/view_registry.hpp"

#include "app/gui/views/views.hpp"

// One line per tab: X(id, title, tooltip). The view's function is draw_<id>(ViewContext&) (see the header).
#define ATTNSCOPE_LAB_VIEWS(X)                                                                               \
    X(variants, "Variants", "Every variant column side by side: maps, per-query strips, outputs") \
    X(difference, "Difference", "A column minus a baseline column on a signed colour map; B blinks the two") \
    X(numerics, "Numerics", "The backend's float result minus the double-precision reference, per cell") \
    X(model, "Model", "A trained checkpoint: one head's maps under every variant, the prediction and its KL") \
    X(train, "Train", "Train up to six variants side by side on a synthetic task: curves and maps, live") \
    X(length, "Length", "Checkpoints at 1x to 16x their training length: accuracy, loss, entropy by position")

namespace attnscope::gui {

#define ATTNSCOPE_DECLARE_VIEW(id, title, tip) void draw_##id(ViewContext& ctx);
ATTNSCOPE_LAB_VIEWS(ATTNSCOPE_DECLARE_VIEW)
#undef ATTNSCOPE_DECLARE_VIEW

namespace {
#define ATTNSCOPE_VIEW_ENTRY(id, title, tip) ViewEntry{#id, title, tip, &draw_##id},
const ViewEntry kViews[] = {ATTNSCOPE_LAB_VIEWS(ATTNSCOPE_VIEW_ENTRY)};
#undef ATTNSCOPE_VIEW_ENTRY
}  // namespace

std::span<const ViewEntry> view_registry() { return kViews; }

const ViewEntry* find_view(std::string_view id) {
    for (const ViewEntry& v : kViews)
        if (id == v.id) return &v;
    return nullptr;
}

}  // namespace attnscope::gui
