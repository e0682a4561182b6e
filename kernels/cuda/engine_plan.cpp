#include "kernels/cuda/engine_plan.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>

namespace attnscope::kernels::gpu {
namespace {

using rowmath::RowParams;

constexpr std::size_t kAlign = 256;  // cuBLAS and vector loads like 256-byte aligned matrices

std::size_t align_up(std::size_t b) { return (b + kAlign - 1) / kAlign * kAlign; }

class Builder {
  public:
    explicit Builder(Plan& plan) : m_plan(plan) {}

    Slot add(Region r, std::size_t bytes) {
        Slot s;
        s.region = r;
        s.bytes = bytes;
        std::size_t& top = m_plan.region_bytes[static_cast<int>(r)];
        s.off = top;
        top += align_up(bytes);
        return s;
    }
    // An Out slot copied back to `host`, or a Work slot when the host does not want it (and the device needs it).
    Slot result(void* host, std::size_t bytes, bool needed_on_device) {
        if (host) {
            const Slot s = add(Region::Out, bytes);
            m_plan.copies.push_back({host, s});
            return s;
        }
        return needed_on_device ? add(Region::Work, bytes) : Slot{};
    }
    Slot upload(const void* host, std::size_t bytes) {
        const Slot s = add(Region::In, bytes);
        m_plan.uploads.push_back({host, s});
        return s;
    }

  private:
    Plan& m_plan;
};

bool uses_norms(const RowParams& p) {
    return (p.kind == rowmath::kLssa || p.kind == rowmath::kLssar) && p.normalize_qk;
}

void add_gemm(std::vector<GemmGroup>& groups, bool logits, int n, int inner, const GemmOp& op) {
    for (auto& g : groups)
        if (g.n == n && g.inner == inner) {
            g.ops.push_back(op);
            return;
        }
    GemmGroup g;
    g.logits = logits;
    g.n = n;
    g.inner = inner;
    g.ops.push_back(op);
    groups.push_back(std::move(g));
}

std::uint64_t float_sig(float f) { return rowmath::float_bits(f); }

}  // namespace

std::size_t Plan::region_base(Region r) const {
    switch (r) {
        case Region::In:
            return 0;
        case Region::Work:
            return align_up(region_bytes[0]);
        case Region::Out:
            return align_up(region_bytes[0]) + align_up(region_bytes[1]);
    }
    return 0;
}

std::size_t Plan::total_bytes() const {
    return align_up(region_bytes[0]) + align_up(region_bytes[1]) + align_up(region_bytes[2]);
}

Plan make_plan(const std::vector<EngineProblem>& problems) {
    Plan plan;
    Builder b(plan);
    auto& sig = plan.signature;
    sig.push_back(problems.size());

    // Shared inputs: one device copy per distinct (host pointer, shape).
    struct Input {
        const float* host;
        int rows, cols;
        Slot slot;
        Slot inv;  // 1 / row norms, when an LSSA problem needs them
    };
    std::vector<Input> inputs;
    auto input = [&](const float* host, int rows, int cols) -> int {
        for (std::size_t t = 0; t < inputs.size(); ++t)
            if (inputs[t].host == host && inputs[t].rows == rows && inputs[t].cols == cols) return static_cast<int>(t);
        Input in{host, rows, cols, b.upload(host, sizeof(float) * static_cast<std::size_t>(rows) * cols), {}};
        inputs.push_back(in);
        return static_cast<int>(inputs.size() - 1);
    };
    std::map<std::pair<int, int>, int> pair_of;
    auto pair = [&](int qi, int ki) -> int {
        const auto key = std::make_pair(qi, ki);
        if (auto it = pair_of.find(key); it != pair_of.end()) return it->second;
        PairPlan pp;
        pp.q = inputs[qi].slot;
        pp.k = inputs[ki].slot;
        pp.n = inputs[qi].rows;
        pp.d = inputs[qi].cols;
        pp.g = b.add(Region::Work, sizeof(float) * static_cast<std::size_t>(pp.n) * pp.n);
        plan.pairs.push_back(pp);
        const int idx = static_cast<int>(plan.pairs.size() - 1);
        pair_of[key] = idx;
        add_gemm(plan.logit_groups, true, pp.n, pp.d, GemmOp{pp.k, pp.q, pp.g});
        return idx;
    };

    std::size_t partial_count = 0;
    for (const EngineProblem& p : problems) {
        const RowParams& prm = p.prm;
        const int n = prm.n, d = prm.d, dv = prm.dv;
        const std::size_t nn = static_cast<std::size_t>(n) * n;
        const std::size_t nd = static_cast<std::size_t>(n) * dv;
        ProblemPlan pp;
        const int qi = input(p.q, n, d), ki = input(p.k, n, d), vi = input(p.v, n, dv);
        pp.q = inputs[qi].slot;
        pp.k = inputs[ki].slot;
        pp.v = inputs[vi].slot;
        pp.pair = pair(qi, ki);
        int sqi = -1, ski = -1;
        if (prm.kind == rowmath::kSelective && (p.sel_q || p.sel_k)) {
            sqi = input(p.sel_q ? p.sel_q : p.q, n, d);
            ski = input(p.sel_k ? p.sel_k : p.k, n, d);
            pp.sel_pair = pair(sqi, ski);
        }
        if (prm.kind == rowmath::kSsa) {
            pp.tau_q = b.upload(p.tau_q.data(), sizeof(float) * n);
            if (!p.tau_v.empty()) {
                pp.tau_v = b.upload(p.tau_v.data(), sizeof(float) * n);
                pp.v_scaled = b.add(Region::Work, sizeof(float) * nd);
            }
        }
        if (uses_norms(prm)) {
            if (!inputs[qi].inv) inputs[qi].inv = b.add(Region::Work, sizeof(float) * n);
            if (!inputs[ki].inv) inputs[ki].inv = b.add(Region::Work, sizeof(float) * n);
            pp.inv_q = inputs[qi].inv;
            pp.inv_k = inputs[ki].inv;
        }
        const bool va_aware = prm.kind == rowmath::kVaAware, va_obl = prm.kind == rowmath::kVaOblivious;
        pp.w = b.result(p.weights, sizeof(float) * nn, true);
        // the output (one PV GEMM, as heavy as the logits GEMM) only when wanted, or for the value-aware error
        pp.o = b.result(p.output, sizeof(float) * nd, (va_aware || va_obl) && p.extra_error_l2);
        if (prm.kind == rowmath::kLssar || va_obl || va_aware)
            pp.aux = b.result(p.extra_aux, sizeof(float) * nn, va_aware);
        if (va_obl || va_aware) {
            pp.o_exact = b.result(p.extra_exact_output, sizeof(float) * nd, va_aware);
            if (p.extra_error_l2) pp.err = b.result(p.extra_error_l2, sizeof(double) * n, false);
        }
        if (prm.kind == rowmath::kSelective) {
            pp.f = b.result(p.extra_f, sizeof(float) * nn, true);
            pp.s = b.result(p.extra_s, sizeof(float) * nn, false);
            pp.pruned = b.result(p.extra_pruned, nn, false);
            if (prm.has_budget) pp.evict = b.add(Region::Work, sizeof(int) * n);
            partial_count = std::max(partial_count, f_scan_partial_count(n));
        }
        const bool want_implied = p.implied_value != nullptr;
        if (p.metrics[0] || want_implied) {
            const std::size_t sb = sizeof(double) * n, ib = sizeof(int) * n;
            if (p.metrics[0]) {
                pp.stats = b.add(Region::Out, kMetricDoubles * sb);
                pp.istats = b.add(Region::Out, kMetricInts * ib);
                for (int c = 0; c < kMetricDoubles; ++c)
                    plan.copies.push_back({p.metrics[c], Slot{Region::Out, pp.stats.off + c * sb, sb}});
                for (int c = 0; c < kMetricInts; ++c)
                    plan.copies.push_back({p.metric_ints[c], Slot{Region::Out, pp.istats.off + c * ib, ib}});
            } else {
                pp.stats = b.add(Region::Work, kMetricDoubles * sb);
                pp.istats = b.add(Region::Work, kMetricInts * ib);
            }
        }
        if (want_implied) {
            pp.implied_value = b.result(p.implied_value, sizeof(double) * n, false);
            pp.implied_flag = b.result(p.implied_flag, static_cast<std::size_t>(n), false);
        }
        if (p.display && p.display_rows > 0 && p.display_cols > 0)
            pp.display = b.result(p.display, sizeof(float) * p.display_rows * p.display_cols, false);

        // Jobs: stage 0 for every problem, stage 1 (the solve) for va_aware, implied when asked.
        pp.job0 = plan.njobs0++;
        plan.blocks0 += n;
        plan.max_n0 = std::max(plan.max_n0, n);
        if (va_obl && std::min(prm.r, n) > rowmath::kHeapR) plan.keys64 = true;
        if (va_aware) {
            pp.job1 = plan.njobs1++;
            plan.blocks1 += n;
            plan.max_n1 = std::max(plan.max_n1, n);
            plan.max_dv1 = std::max(plan.max_dv1, dv);
        }
        if (want_implied) {
            pp.implied_job = plan.nimplied++;
            plan.blocks_implied += n;
            plan.max_n_implied = std::max(plan.max_n_implied, n);
        }
        // PV GEMMs (the value side of SSA is tau_v-scaled first)
        const Slot vv = pp.v_scaled ? pp.v_scaled : pp.v;
        if (va_aware) {
            add_gemm(plan.pv_groups, false, n, dv, GemmOp{pp.v, pp.aux, pp.o_exact});
            if (pp.o) add_gemm(plan.pv_late_groups, false, n, dv, GemmOp{pp.v, pp.w, pp.o});
        } else {
            if (pp.o) add_gemm(plan.pv_groups, false, n, dv, GemmOp{vv, pp.w, pp.o});
            if (va_obl && pp.o_exact) add_gemm(plan.pv_groups, false, n, dv, GemmOp{pp.v, pp.aux, pp.o_exact});
        }

        // Structure of this problem for the graph cache.
        std::uint64_t wants = 0;
        const void* dsts[] = {p.weights,   p.metrics[0],         p.implied_value,  p.extra_s, p.extra_f, p.extra_pruned,
                              p.extra_aux, p.extra_exact_output, p.extra_error_l2, p.display, p.output};
        for (std::size_t t = 0; t < std::size(dsts); ++t)
            if (dsts[t]) wants |= std::uint64_t{1} << t;
        sig.insert(sig.end(), {static_cast<std::uint64_t>(prm.kind),
                               static_cast<std::uint64_t>(n),
                               static_cast<std::uint64_t>(d),
                               static_cast<std::uint64_t>(dv),
                               static_cast<std::uint64_t>(prm.causal),
                               wants,
                               static_cast<std::uint64_t>(p.display_rows),
                               static_cast<std::uint64_t>(p.display_cols),
                               static_cast<std::uint64_t>(prm.kernel),
                               static_cast<std::uint64_t>(prm.r),
                               static_cast<std::uint64_t>(prm.greedy),
                               static_cast<std::uint64_t>(prm.has_budget),
                               static_cast<std::uint64_t>(prm.normalize_qk),
                               float_sig(prm.sel_scale),
                               static_cast<std::uint64_t>(prm.protect_bos),
                               static_cast<std::uint64_t>(p.tau_v.empty()),
                               static_cast<std::uint64_t>(qi),
                               static_cast<std::uint64_t>(ki),
                               static_cast<std::uint64_t>(vi),
                               static_cast<std::uint64_t>(sqi + 1),
                               static_cast<std::uint64_t>(ski + 1)});
        plan.problems.push_back(pp);
    }
    if (partial_count) plan.f_partial = b.add(Region::Work, sizeof(double) * partial_count);

    // Job tables and GEMM pointer arrays, uploaded with the inputs.
    plan.jobs0 = b.add(Region::In, sizeof(RowJob) * plan.njobs0);
    plan.first0 = b.add(Region::In, sizeof(int) * plan.njobs0);
    if (plan.njobs1) {
        plan.jobs1 = b.add(Region::In, sizeof(RowJob) * plan.njobs1);
        plan.first1 = b.add(Region::In, sizeof(int) * plan.njobs1);
    }
    if (plan.nimplied) {
        plan.implied_jobs = b.add(Region::In, sizeof(ImpliedJob) * plan.nimplied);
        plan.implied_first = b.add(Region::In, sizeof(int) * plan.nimplied);
    }
    for (auto* groups : {&plan.logit_groups, &plan.pv_groups, &plan.pv_late_groups})
        for (auto& g : *groups) g.ptrs = b.add(Region::In, 3 * sizeof(void*) * g.ops.size());
    return plan;
}

void fill_upload_image(const Plan& plan, const std::vector<EngineProblem>& problems, char* base, char* image) {
    for (const Upload& u : plan.uploads) std::memcpy(image + u.slot.off, u.host, u.slot.bytes);
    auto dev = [&](const Slot& s) -> char* { return s ? device_ptr(plan, base, s) : nullptr; };
    auto fdev = [&](const Slot& s) { return reinterpret_cast<float*>(dev(s)); };

    std::vector<RowJob> jobs0(plan.njobs0), jobs1(plan.njobs1);
    std::vector<int> first0(plan.njobs0), first1(plan.njobs1);
    std::vector<ImpliedJob> implied(plan.nimplied);
    std::vector<int> implied_first(plan.nimplied);
    int b0 = 0, b1 = 0, bi = 0;
    for (std::size_t t = 0; t < problems.size(); ++t) {
        const EngineProblem& p = problems[t];
        const ProblemPlan& pp = plan.problems[t];
        RowJob j;
        j.prm = p.prm;
        j.g = fdev(plan.pairs[pp.pair].g);
        j.w = fdev(pp.w);
        j.aux = fdev(pp.aux);
        j.pruned = reinterpret_cast<std::uint8_t*>(dev(pp.pruned));
        j.tau_q = fdev(pp.tau_q);
        j.inv_norm_q = fdev(pp.inv_q);
        j.inv_norm_k = fdev(pp.inv_k);
        j.f = fdev(pp.f);
        j.evict = reinterpret_cast<const int*>(dev(pp.evict));
        j.v = fdev(pp.v);
        j.o_exact = fdev(pp.o_exact);
        j.stats = reinterpret_cast<double*>(dev(pp.stats));
        j.istats = reinterpret_cast<int*>(dev(pp.istats));
        j.display = reinterpret_cast<std::uint32_t*>(dev(pp.display));
        j.display_rows = pp.display ? p.display_rows : 0;
        j.display_cols = pp.display ? p.display_cols : 0;
        j.stage = 0;
        j.first_block = b0;
        first0[pp.job0] = b0;
        jobs0[pp.job0] = j;
        b0 += p.prm.n;
        if (pp.job1 >= 0) {
            j.stage = 1;
            j.first_block = b1;
            first1[pp.job1] = b1;
            jobs1[pp.job1] = j;
            b1 += p.prm.n;
        }
        if (pp.implied_job >= 0) {
            ImpliedJob ij;
            ij.n = p.prm.n;
            ij.d = p.prm.d;
            ij.causal = p.prm.causal;
            ij.first_block = bi;
            ij.g = fdev(plan.pairs[pp.pair].g);
            ij.entropy = reinterpret_cast<const double*>(dev(pp.stats));
            ij.value = reinterpret_cast<double*>(dev(pp.implied_value));
            ij.flag = reinterpret_cast<std::uint8_t*>(dev(pp.implied_flag));
            implied_first[pp.implied_job] = bi;
            implied[pp.implied_job] = ij;
            bi += p.prm.n;
        }
    }
    auto put = [&](const Slot& s, const void* src, std::size_t bytes) {
        if (bytes) std::memcpy(image + s.off, src, bytes);
    };
    put(plan.jobs0, jobs0.data(), sizeof(RowJob) * jobs0.size());
    put(plan.first0, first0.data(), sizeof(int) * first0.size());
    put(plan.jobs1, jobs1.data(), sizeof(RowJob) * jobs1.size());
    put(plan.first1, first1.data(), sizeof(int) * first1.size());
    put(plan.implied_jobs, implied.data(), sizeof(ImpliedJob) * implied.size());
    put(plan.implied_first, implied_first.data(), sizeof(int) * implied_first.size());
    for (const auto* groups : {&plan.logit_groups, &plan.pv_groups, &plan.pv_late_groups})
        for (const auto& g : *groups) {
            std::vector<const void*> ptrs(3 * g.ops.size());
            for (std::size_t t = 0; t < g.ops.size(); ++t) {
                ptrs[t] = dev(g.ops[t].a);
                ptrs[g.ops.size() + t] = dev(g.ops[t].b);
                ptrs[2 * g.ops.size() + t] = dev(g.ops[t].c);
            }
            put(g.ptrs, ptrs.data(), sizeof(void*) * ptrs.size());
        }
}

}  // namespace attnscope::kernels::gpu
