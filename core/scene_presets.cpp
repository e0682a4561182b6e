#include "scene_presets.hpp"

#include <array>
#include <cmath>
#include <numbers>

#include "errors.hpp"

namespace attnscope {
namespace {

constexpr std::array<PresetInfo, 6> kPresets{{
    {"needle", "Needle among distractors",
     "Every query looks for one key. Drag the length up: softmax's needle weight falls as distractors pile up, "
     "while SSA and LSSAR hold it.",
     24, 16, 4, true},
    {"dilution", "Attention dilution with length",
     "One query against random keys: down the rows the support grows and softmax's entropy climbs like ln n; "
     "the length-scaled variants stay sharp.",
     256, 8, 4, true},
    {"noisy_values", "Noisy and clean values",
     "Noisy tokens score a little higher than clean ones. Top-r keeps the noisy values and misses the output; "
     "value-aware r-sparse attention picks values that reproduce it.",
     16, 4, 2, true},
    {"parallel", "Parallel vs antiparallel keys",
     "Keys point along the query, against it, or across it. Softmax keeps only the parallel ones; expressive "
     "attention (squared dot product) weighs parallel and antiparallel alike.",
     12, 2, 2, true},
    {"superseded", "Repeated and superseded assignments",
     "Variables are assigned again and again. Softmax reads every old assignment of a variable; selective "
     "attention masks the ones a later assignment superseded.",
     24, 4, 4, true},
    {"random", "Random", "Gaussian queries, keys and values: neutral ground for comparing the formulas.", 16, 4, 4,
     true},
}};

std::uint64_t mix64(std::uint64_t z) {  // splitmix64 finaliser
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double to_unit(std::uint64_t x) { return (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)

std::uint64_t hash_name(std::string_view s) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h;
}

// Draws for one token: stream s, coordinate c -> an independent number.
class TokenRng {
  public:
    TokenRng(const SceneGenerator& g, int i) : m_seed(mix64(g.seed ^ hash_name(g.preset))), m_token(i) {}
    double normal(int stream, int c) const { return counter_normal(m_seed, counter(stream, c)); }
    double uniform(int stream, int c) const { return to_unit(mix64(m_seed ^ counter(stream, c))); }

  private:
    std::uint64_t counter(int stream, int c) const {
        return mix64(static_cast<std::uint64_t>(m_token) * 0x9E3779B97F4A7C15ULL +
                     static_cast<std::uint64_t>(stream) * 0xD1B54A32D192ED03ULL + static_cast<std::uint64_t>(c));
    }
    std::uint64_t m_seed;
    std::uint64_t m_token;
};

enum Stream { kQ = 1, kK = 2, kV = 3, kChoice = 4 };

void add_noise(std::vector<double>& x, const TokenRng& rng, int stream, double sigma) {
    for (std::size_t c = 0; c < x.size(); ++c) x[c] += sigma * rng.normal(stream, static_cast<int>(c));
}

void set_axis(std::vector<double>& x, int axis, double value) {
    if (axis < static_cast<int>(x.size())) x[static_cast<std::size_t>(axis)] += value;
}

std::string numbered(std::string_view prefix, int i) { return std::string(prefix) + std::to_string(i); }

// Needle: the key at index 2 points where every query points (scaled logit 4 at d = 16); the others are standard
// normal, so a distractor's logit is about N(0, 1) and softmax gives the needle e^4 / (e^4 + (m-1) e^0.5): about
// 0.7 with 16 keys, 0.1 with 256, 0.03 with 1024 — the dilution the preset is there to show.
void needle(GeneratedToken& t, const TokenRng& rng, int i, int d) {
    constexpr int kNeedle = 2;
    const double a = 4.0 * std::sqrt(static_cast<double>(d) / 16.0);  // keeps the logit scale when d changes
    set_axis(t.q, 0, a);
    add_noise(t.q, rng, kQ, 0.3);
    if (i == kNeedle) {
        set_axis(t.k, 0, 4.0);
        set_axis(t.v, 0, 1.0);
        t.label = "needle";
    } else {
        add_noise(t.k, rng, kK, 1.0);
        add_noise(t.v, rng, kV, 0.3);
        t.label = numbered("t", i);
    }
}

// Dilution: one query direction, random keys; row i differs from row i-1 only by one more key in its support.
void dilution(GeneratedToken& t, const TokenRng& rng, int i, int d) {
    set_axis(t.q, 0, 3.0 * std::sqrt(static_cast<double>(d) / 8.0));
    add_noise(t.q, rng, kQ, 0.05);
    add_noise(t.k, rng, kK, 1.0);
    add_noise(t.v, rng, kV, 1.0);
    t.label = numbered("t", i);
}

// Noisy values: every 4th token (from 1) scores e^0.4 ~ 1.5x the clean ones but carries a value of norm 3 in a
// random direction; clean values sit near e0. Top-r picks noisy keys; the exact output is mostly clean.
void noisy_values(GeneratedToken& t, const TokenRng& rng, int i, int d, int dv) {
    const bool noisy = i % 4 == 1;
    set_axis(t.q, 0, std::sqrt(static_cast<double>(d)));  // q.k/sqrt(d): noisy 2.2, clean 1.8 at any d
    add_noise(t.q, rng, kQ, 0.05);
    set_axis(t.k, 0, noisy ? 2.2 : 1.8);
    add_noise(t.k, rng, kK, 0.05);
    if (noisy) {
        double norm = 0.0;
        for (int c = 0; c < dv; ++c) {
            t.v[static_cast<std::size_t>(c)] = rng.normal(kV, c);
            norm += t.v[static_cast<std::size_t>(c)] * t.v[static_cast<std::size_t>(c)];
        }
        norm = std::sqrt(norm);
        for (double& x : t.v) x = norm > 0 ? 3.0 * x / norm : 0.0;
        t.label = numbered("noisy", i);
    } else {
        set_axis(t.v, 0, 1.0);
        add_noise(t.v, rng, kV, 0.15);
        t.label = numbered("clean", i);
    }
}

// Parallel / antiparallel: keys +u, -u, an orthogonal axis, and a weak random key, in turn; queries along u.
void parallel(GeneratedToken& t, const TokenRng& rng, int i, int d) {
    const double a = 2.0 * std::pow(static_cast<double>(d) / 2.0, 0.25);  // q.k/sqrt(d) = 2.83 at d = 2
    set_axis(t.q, 0, a);
    add_noise(t.q, rng, kQ, 0.08);
    switch (i % 4) {
        case 0:
            set_axis(t.k, 0, a);
            set_axis(t.v, 0, 1.0);
            t.label = numbered("par", i);
            break;
        case 1:
            set_axis(t.k, 0, -a);
            set_axis(t.v, 1, 1.0);
            t.label = numbered("anti", i);
            break;
        case 2:
            set_axis(t.k, 1, a);
            set_axis(t.v, 0, -1.0);
            t.label = numbered("orth", i);
            break;
        default:
            add_noise(t.k, rng, kK, 0.4);
            add_noise(t.v, rng, kV, 0.2);
            t.label = numbered("weak", i);
            break;
    }
    add_noise(t.k, rng, kK + 10, 0.08);
}

// Superseded: token 0 is BOS; token i assigns a digit to one of up to three variables, with query and key both
// along that variable's axis, so a later assignment's query selects (masks, under selective attention) every
// earlier assignment of the same variable. Values encode the digit as an angle.
void superseded(GeneratedToken& t, const TokenRng& rng, int i, int d, int dv) {
    if (i == 0) {
        t.label = "BOS";
        return;
    }
    const int vars = std::max(1, std::min(d, 3));
    const int var = std::min(vars - 1, static_cast<int>(rng.uniform(kChoice, 0) * vars));
    const int digit = std::min(9, static_cast<int>(rng.uniform(kChoice, 1) * 10));
    const double a = 3.0 * std::pow(static_cast<double>(d) / 4.0, 0.25);
    set_axis(t.q, var, a);
    add_noise(t.q, rng, kQ, 0.1);
    set_axis(t.k, var, a);
    add_noise(t.k, rng, kK, 0.1);
    const double angle = 2.0 * std::numbers::pi * digit / 10.0;
    set_axis(t.v, 0, std::cos(angle));
    set_axis(t.v, 1, std::sin(angle));
    static constexpr const char* kNames[] = {"x", "y", "z"};
    t.label = std::string(kNames[var]) + "=" + std::to_string(digit);
}

void random_token(GeneratedToken& t, const TokenRng& rng, int i) {
    add_noise(t.q, rng, kQ, 1.5);
    add_noise(t.k, rng, kK, 1.5);
    add_noise(t.v, rng, kV, 1.0);
    t.label = numbered("t", i);
}

SceneColumn column(VariantKind kind) {
    SceneColumn c;
    c.kind = kind;
    return c;
}

std::vector<SceneColumn> preset_columns(std::string_view id) {
    using K = VariantKind;
    if (id == "dilution")
        return {column(K::Dpa), column(K::Ssa), column(K::Lssa), column(K::Lssar), column(K::Ea), column(K::Selective)};
    if (id == "noisy_values") {
        SceneColumn exact = column(K::VaExact), obl = column(K::VaOblivious), aware = column(K::VaAware),
                    greedy = column(K::VaAware);
        obl.params.r = aware.params.r = greedy.params.r = 2;
        greedy.params.solver = Solver::Greedy;
        return {exact, obl, aware, greedy, column(K::Dpa)};
    }
    if (id == "parallel") {
        SceneColumn plain = column(K::Ea), square = column(K::VaExact);
        plain.params.form = EaForm::Plain;
        square.params.kernel = Kernel::Square;
        return {column(K::Dpa), column(K::Ea), plain, column(K::Lssar), square};
    }
    if (id == "superseded") {
        SceneColumn pruned = column(K::Selective);
        pruned.params.prune_threshold = 2.0;
        return {column(K::Dpa), column(K::Selective), pruned, column(K::Ssa), column(K::Lssar), column(K::Ea)};
    }
    return default_columns();  // needle, random
}

}  // namespace

double counter_normal(std::uint64_t seed, std::uint64_t counter) {
    const std::uint64_t a = mix64(seed ^ mix64(counter));
    const std::uint64_t b = mix64(a ^ 0xA0761D6478BD642FULL);
    const double u1 = to_unit(a), u2 = to_unit(b);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::span<const PresetInfo> all_presets() { return kPresets; }

const PresetInfo* find_preset(std::string_view id) {
    for (const PresetInfo& p : kPresets)
        if (p.id == id) return &p;
    return nullptr;
}

GeneratedToken generate_token(const SceneGenerator& g, int i, int d, int dv) {
    GeneratedToken t;
    t.q.assign(static_cast<std::size_t>(d), 0.0);
    t.k.assign(static_cast<std::size_t>(d), 0.0);
    t.v.assign(static_cast<std::size_t>(dv), 0.0);
    const TokenRng rng(g, i);
    if (g.preset == "needle")
        needle(t, rng, i, d);
    else if (g.preset == "dilution")
        dilution(t, rng, i, d);
    else if (g.preset == "noisy_values")
        noisy_values(t, rng, i, d, dv);
    else if (g.preset == "parallel")
        parallel(t, rng, i, d);
    else if (g.preset == "superseded")
        superseded(t, rng, i, d, dv);
    else
        random_token(t, rng, i);
    return t;
}

SceneTokens generate_tokens(const SceneGenerator& g, int begin, int end, int d, int dv) {
    SceneTokens out;
    const int n = std::max(0, end - begin);
    out.q.resize(n, d);
    out.k.resize(n, d);
    out.v.resize(n, dv);
    out.labels.resize(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
        GeneratedToken t = generate_token(g, begin + r, d, dv);
        for (int c = 0; c < d; ++c) {
            out.q(r, c) = t.q[static_cast<std::size_t>(c)];
            out.k(r, c) = t.k[static_cast<std::size_t>(c)];
        }
        for (int c = 0; c < dv; ++c) out.v(r, c) = t.v[static_cast<std::size_t>(c)];
        out.labels[static_cast<std::size_t>(r)] = std::move(t.label);
    }
    return out;
}

Scene make_preset_scene(std::string_view id, std::uint64_t seed, int n) {
    const PresetInfo* p = find_preset(id);
    if (!p) {
        std::string known;
        for (const PresetInfo& q : kPresets) known += (known.empty() ? "" : ", ") + std::string(q.id);
        throw InputError("preset", "unknown preset \"" + std::string(id) + "\"", "use one of: " + known);
    }
    if (n <= 0) n = p->n;
    if (n > kSceneMaxTokens)
        throw InputError("length", "is " + std::to_string(n), "use at most " + std::to_string(kSceneMaxTokens));
    Scene s;
    s.name = std::string(p->title);
    s.description = std::string(p->story);
    s.generator = {std::string(p->id), seed};
    s.causal = p->causal;
    s.tokens = std::make_shared<SceneTokens>(generate_tokens(s.generator, 0, n, p->d, p->dv));
    std::vector<SceneColumn> cols = preset_columns(p->id);
    assign_column_ids(s, cols);
    s.columns = std::move(cols);
    return s;
}

Scene make_default_scene() { return make_preset_scene("needle"); }

}  // namespace attnscope
