// engine_plan_test.cpp — the host half of the CUDA engine (engine_plan.cpp: device memory layout, job tables, GEMM
// lists, graph signatures) on any machine. A wrong offset here would be a silent out-of-bounds write on the GPU.
#include "kernels/cuda/engine_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/matrix.hpp"
#include "kernels/cuda/row_setup.hpp"

namespace attnscope::gputest {
namespace {

using kernels::gpu::CopyBack;
using kernels::gpu::EngineProblem;
using kernels::gpu::ImpliedJob;
using kernels::gpu::Plan;
using kernels::gpu::Region;
using kernels::gpu::RowJob;
using kernels::gpu::Slot;

// Host buffers of one problem (what cuda_backend.cpp points the engine at).
struct Buffers {
    MatF weights, output, display;
    std::vector<double> metrics[8], implied;
    std::vector<int> ints[3];
    std::vector<std::uint8_t> flags;
};

EngineProblem problem(VariantKind kind, const MatF& q, const MatF& k, const MatF& v, Buffers& b, bool weights,
                      bool metrics, int display = 0, bool output = true) {
    const int n = static_cast<int>(q.rows());
    EngineProblem p;
    p.prm = rowmath::make_row_params(kind, VariantParams{}, n, static_cast<int>(q.cols()), static_cast<int>(v.cols()),
                                     true);
    p.q = q.data(), p.k = k.data(), p.v = v.data();
    if (kind == VariantKind::Ssa) p.tau_q.assign(n, 1.0f), p.tau_v.assign(n, 1.0f);
    b.output.resize(n, v.cols());
    if (output) p.output = b.output.data();
    if (weights) {
        b.weights.resize(n, n);
        p.weights = b.weights.data();
    }
    if (metrics) {
        for (int c = 0; c < 8; ++c) b.metrics[c].resize(n), p.metrics[c] = b.metrics[c].data();
        for (int c = 0; c < 3; ++c) b.ints[c].resize(n), p.metric_ints[c] = b.ints[c].data();
    }
    if (display) {
        b.display.resize(display, display);
        p.display = b.display.data();
        p.display_rows = p.display_cols = display;
    }
    return p;
}

std::vector<Slot> all_slots(const Plan& plan) {
    std::vector<Slot> s;
    for (const auto& u : plan.uploads) s.push_back(u.slot);
    for (const auto& pr : plan.pairs) s.push_back(pr.g);
    for (const auto& pp : plan.problems)
        for (const Slot& x :
             {pp.tau_q, pp.tau_v, pp.v_scaled, pp.inv_q, pp.inv_k, pp.w, pp.aux, pp.o, pp.o_exact, pp.err, pp.f, pp.s,
              pp.pruned, pp.evict, pp.stats, pp.istats, pp.implied_value, pp.implied_flag, pp.display})
            if (x) s.push_back(x);
    for (const Slot& x :
         {plan.jobs0, plan.first0, plan.jobs1, plan.first1, plan.implied_jobs, plan.implied_first, plan.f_partial})
        if (x) s.push_back(x);
    for (const auto* groups : {&plan.logit_groups, &plan.pv_groups, &plan.pv_late_groups})
        for (const auto& g : *groups) s.push_back(g.ptrs);
    return s;
}

// Distinct slots never overlap, are 256-byte aligned and lie inside their region.
void expect_sound_layout(const Plan& plan) {
    std::vector<Slot> slots = all_slots(plan);
    std::set<std::tuple<int, std::size_t>> seen;
    std::vector<Slot> unique;
    for (const Slot& s : slots)
        if (seen.insert({static_cast<int>(s.region), s.off}).second) unique.push_back(s);
    for (const Slot& s : unique) {
        EXPECT_EQ(s.off % 256, 0u);
        EXPECT_LE(s.off + s.bytes, plan.region_bytes[static_cast<int>(s.region)]);
    }
    for (std::size_t a = 0; a < unique.size(); ++a)
        for (std::size_t b = a + 1; b < unique.size(); ++b) {
            if (unique[a].region != unique[b].region) continue;
            const bool apart =
                unique[a].off + unique[a].bytes <= unique[b].off || unique[b].off + unique[b].bytes <= unique[a].off;
            EXPECT_TRUE(apart) << "slots at " << unique[a].off << " and " << unique[b].off << " overlap";
        }
    EXPECT_GE(plan.region_base(Region::Work), plan.region_bytes[0]);
    EXPECT_GE(plan.region_base(Region::Out), plan.region_base(Region::Work) + plan.region_bytes[1]);
}

TEST(EnginePlan, SixVariantsOnOneQkvShareInputsAndLogits) {
    const int n = 128, d = 64, dv = 32;
    const MatF q = MatF::Random(n, d), k = MatF::Random(n, d), v = MatF::Random(n, dv);
    const VariantKind six[] = {VariantKind::Dpa,     VariantKind::Ssa,   VariantKind::Selective,
                               VariantKind::VaExact, VariantKind::Lssar, VariantKind::Ea};
    std::vector<Buffers> bufs(6);
    std::vector<EngineProblem> ps;
    for (int t = 0; t < 6; ++t) ps.push_back(problem(six[t], q, k, v, bufs[t], true, true, 64));
    const Plan plan = kernels::gpu::make_plan(ps);
    expect_sound_layout(plan);
    EXPECT_EQ(plan.pairs.size(), 1u);
    ASSERT_EQ(plan.logit_groups.size(), 1u);
    EXPECT_EQ(plan.logit_groups[0].ops.size(), 1u);
    ASSERT_EQ(plan.pv_groups.size(), 1u);
    EXPECT_EQ(plan.pv_groups[0].ops.size(), 6u);
    EXPECT_EQ(plan.njobs0, 6);
    EXPECT_EQ(plan.blocks0, 6 * n);
    EXPECT_EQ(plan.njobs1, 0);
    // q, k, v uploaded once; SSA's tau_q and tau_v
    std::size_t input_uploads = 0;
    for (const auto& u : plan.uploads) input_uploads += u.host == q.data() || u.host == k.data() || u.host == v.data();
    EXPECT_EQ(input_uploads, 3u);
    EXPECT_EQ(plan.uploads.size(), 5u);
    // every destination comes back once, with its size
    for (int t = 0; t < 6; ++t) {
        auto find = [&](const void* host) {
            return std::count_if(plan.copies.begin(), plan.copies.end(),
                                 [&](const CopyBack& c) { return c.host == host; });
        };
        EXPECT_EQ(find(bufs[t].weights.data()), 1);
        EXPECT_EQ(find(bufs[t].output.data()), 1);
        EXPECT_EQ(find(bufs[t].display.data()), 1);
        for (int c = 0; c < 8; ++c) EXPECT_EQ(find(bufs[t].metrics[c].data()), 1);
        for (int c = 0; c < 3; ++c) EXPECT_EQ(find(bufs[t].ints[c].data()), 1);
    }
    for (const CopyBack& c : plan.copies) {
        EXPECT_EQ(c.slot.region, Region::Out);
        if (c.host == bufs[0].weights.data()) {
            EXPECT_EQ(c.slot.bytes, sizeof(float) * n * n);
        }
        if (c.host == bufs[0].display.data()) {
            EXPECT_EQ(c.slot.bytes, sizeof(float) * 64 * 64);
        }
    }
}

TEST(EnginePlan, JobTablesPointIntoTheArena) {
    const int n = 40, d = 8, dv = 4;
    const MatF q = MatF::Random(n, d), k = MatF::Random(n, d), v = MatF::Random(n, dv);
    std::vector<Buffers> bufs(3);
    std::vector<EngineProblem> ps{problem(VariantKind::Dpa, q, k, v, bufs[0], false, true),
                                  problem(VariantKind::VaAware, q, k, v, bufs[1], true, true),
                                  problem(VariantKind::Lssa, q, k, v, bufs[2], true, false)};
    bufs[0].implied.resize(n);
    ps[0].implied_value = bufs[0].implied.data();
    bufs[0].flags.resize(n);
    ps[0].implied_flag = bufs[0].flags.data();
    const Plan plan = kernels::gpu::make_plan(ps);
    expect_sound_layout(plan);
    EXPECT_EQ(plan.njobs1, 1);  // the va_aware solve
    EXPECT_EQ(plan.nimplied, 1);
    std::vector<char> image(plan.region_bytes[0]);
    char* base = reinterpret_cast<char*>(std::uintptr_t{1} << 40);
    kernels::gpu::fill_upload_image(plan, ps, base, image.data());
    auto inside = [&](const void* p) {
        const char* c = static_cast<const char*>(p);
        return c >= base && c < base + plan.total_bytes();
    };
    RowJob jobs[3];
    std::memcpy(jobs, image.data() + plan.jobs0.off, sizeof jobs);
    int first[3];
    std::memcpy(first, image.data() + plan.first0.off, sizeof first);
    for (int t = 0; t < 3; ++t) {
        EXPECT_EQ(jobs[t].first_block, t * n);
        EXPECT_EQ(first[t], t * n);
        EXPECT_EQ(jobs[t].prm.kind, ps[t].prm.kind);
        EXPECT_EQ(jobs[t].g, reinterpret_cast<float*>(base + plan.region_base(Region::Work) + plan.pairs[0].g.off));
        EXPECT_TRUE(inside(jobs[t].w));
    }
    EXPECT_EQ(jobs[0].stats != nullptr, true);  // metrics (and the implied temperature's entropy)
    EXPECT_EQ(jobs[2].stats, nullptr);
    EXPECT_TRUE(inside(jobs[1].aux));      // exact kernel weights, needed by the solve
    EXPECT_TRUE(inside(jobs[1].o_exact));  // the solve's target
    EXPECT_TRUE(inside(jobs[2].inv_norm_q) && inside(jobs[2].inv_norm_k));
    RowJob solve;
    std::memcpy(&solve, image.data() + plan.jobs1.off, sizeof solve);
    EXPECT_EQ(solve.stage, 1);
    EXPECT_EQ(solve.w, jobs[1].w);
    ImpliedJob ij;
    std::memcpy(&ij, image.data() + plan.implied_jobs.off, sizeof ij);
    EXPECT_EQ(ij.entropy, jobs[0].stats);
    EXPECT_EQ(ij.g, jobs[0].g);
    // the inputs are in the image where their slots say
    for (const auto& u : plan.uploads) {
        if (u.host == q.data()) {
            EXPECT_EQ(std::memcmp(image.data() + u.slot.off, q.data(), u.slot.bytes), 0);
        }
    }
    // va_aware: O_exact = P V before the solve, O = W V after it
    ASSERT_EQ(plan.pv_late_groups.size(), 1u);
    EXPECT_EQ(plan.pv_late_groups[0].ops.size(), 1u);
}

TEST(EnginePlan, HeadsBatchTheirGemmsAndMapOnlySkipsPv) {
    const int n = 64, d = 16, dv = 16;
    std::vector<MatF> qs, ks, vs;
    for (int h = 0; h < 4; ++h)
        qs.push_back(MatF::Random(n, d)), ks.push_back(MatF::Random(n, d)), vs.push_back(MatF::Random(n, dv));
    std::vector<Buffers> bufs(8);
    std::vector<EngineProblem> ps;
    for (int h = 0; h < 4; ++h) {
        ps.push_back(problem(VariantKind::Dpa, qs[h], ks[h], vs[h], bufs[2 * h], false, false, 16));
        ps.push_back(problem(VariantKind::Ea, qs[h], ks[h], vs[h], bufs[2 * h + 1], false, false, 16, false));
    }
    const Plan plan = kernels::gpu::make_plan(ps);
    expect_sound_layout(plan);
    EXPECT_EQ(plan.pairs.size(), 4u);
    ASSERT_EQ(plan.logit_groups.size(), 1u);
    EXPECT_EQ(plan.logit_groups[0].ops.size(), 4u);
    ASSERT_EQ(plan.pv_groups.size(), 1u);
    EXPECT_EQ(plan.pv_groups[0].ops.size(), 4u) << "EA asked for no output: no PV GEMM";
    std::vector<char> image(plan.region_bytes[0]);
    char* base = reinterpret_cast<char*>(std::uintptr_t{1} << 40);
    kernels::gpu::fill_upload_image(plan, ps, base, image.data());
    const auto& g = plan.logit_groups[0];
    const void* ptrs[12];
    std::memcpy(ptrs, image.data() + g.ptrs.off, sizeof ptrs);
    for (int t = 0; t < 4; ++t) {
        EXPECT_EQ(ptrs[t], kernels::gpu::device_ptr(plan, base, g.ops[t].a));      // K
        EXPECT_EQ(ptrs[4 + t], kernels::gpu::device_ptr(plan, base, g.ops[t].b));  // Q
        EXPECT_EQ(ptrs[8 + t], kernels::gpu::device_ptr(plan, base, g.ops[t].c));  // G
    }
}

// Two batches with the same structure share a signature (and so a CUDA graph); values never enter it.
TEST(EnginePlan, SignatureFollowsStructureNotValues) {
    const int n = 32, d = 8, dv = 4;
    const MatF q = MatF::Random(n, d), k = MatF::Random(n, d), v = MatF::Random(n, dv);
    Buffers b1, b2;
    auto sig = [&](VariantKind kind, auto tweak) {
        EngineProblem p = problem(kind, q, k, v, b1, true, true, 8);
        tweak(p);
        return kernels::gpu::make_plan({p}).signature;
    };
    const auto base = sig(VariantKind::Dpa, [](EngineProblem&) {});
    EXPECT_EQ(base, sig(VariantKind::Dpa, [](EngineProblem& p) { p.prm.scale = 0.3f; }));
    EXPECT_EQ(base, sig(VariantKind::Dpa, [](EngineProblem& p) { p.prm.metrics_k = 7; }));
    EXPECT_NE(base, sig(VariantKind::Ea, [](EngineProblem&) {}));
    EXPECT_NE(base, sig(VariantKind::Dpa, [](EngineProblem& p) { p.weights = nullptr; }));
    EXPECT_NE(base, sig(VariantKind::Dpa, [](EngineProblem& p) { p.display_rows = 9; }));
    EXPECT_NE(base, sig(VariantKind::Dpa, [](EngineProblem& p) { p.prm.causal = 0; }));
    const auto sel = sig(VariantKind::Selective, [](EngineProblem&) {});
    EXPECT_NE(sel, sig(VariantKind::Selective, [](EngineProblem& p) { p.prm.sel_scale = 2.0f; }))
        << "sel_scale is a kernel argument of the F scan, so it is part of the structure";
    (void)b2;
}

}  // namespace
}  // namespace attnscope::gputest
