// gpu_bench.cpp — the issue-7 targets measured on the CUDA backend, as ratios within one run (not a test: timings
// live in benches, STYLE.md §4). Prints a markdown table for the README.
//
//   map      DPA weights of one head at n >= 2048, d = 64 (on the GPU, reduced to a 512 x 512 display map, no
//            statistics) against the cuBLAS logits GEMM of the same shape (CUDA events on both sides).
//   variant  each variant (weights + every statistic, display map) against DPA with the same options.
//   edit     six variants on one Q/K/V: wall clock of run() per edit (upload, compute, download, unpack).
//
// Usage: gpu_bench [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_backend_factory.hpp"
#include "kernels/cuda/row_setup.hpp"

using namespace attnscope;

namespace {

struct Inputs {
    MatF q, k, v;
};

Inputs random_inputs(int n, int d, int dv, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    Inputs in{MatF(n, d), MatF(n, d), MatF(n, dv)};
    for (float* p : {in.q.data(), in.k.data()})
        for (int t = 0; t < n * d; ++t) p[t] = g(rng);
    for (int t = 0; t < n * dv; ++t) in.v.data()[t] = g(rng);
    return in;
}

double median(std::vector<double> x) {
    std::sort(x.begin(), x.end());
    return x.empty() ? 0.0 : x[x.size() / 2];
}

struct Timing {
    double device_ms = 0.0, wall_ms = 0.0;
    bool graph = false;
};

// Warm up, then repeat until ~0.3 s (5..200 times); medians of the device time and of the wall clock.
Timing time_run(kernels::CudaBackend& be, const std::vector<BackendProblem>& batch, const BackendOptions& opt) {
    std::vector<BackendResult> out(batch.size());
    for (int w = 0; w < 3; ++w) be.run(batch, opt, out);
    std::vector<double> dev, wall;
    double spent = 0.0;
    for (int r = 0; r < 200 && (r < 5 || spent < 300.0); ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        be.run(batch, opt, out);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        wall.push_back(ms);
        dev.push_back(be.last_timing().device_ms);
        spent += ms;
    }
    return {median(dev), median(wall), be.last_timing().graph};
}

// The map alone at the engine level: DPA weights reduced to a display map, no output (no PV GEMM), no statistics.
// The AttentionBackend interface always returns the output; this is the "map" of the target.
double time_map_only(kernels::gpu::Engine& engine, const Inputs& in, int n, int d, int dv) {
    kernels::gpu::EngineProblem p;
    p.prm = rowmath::make_row_params(VariantKind::Dpa, VariantParams{}, n, d, dv, true);
    p.q = in.q.data();
    p.k = in.k.data();
    p.v = in.v.data();
    MatF display(512, 512);
    p.display = display.data();
    p.display_rows = p.display_cols = 512;
    std::vector<kernels::gpu::EngineProblem> batch{p};
    for (int w = 0; w < 3; ++w) engine.run(batch);
    std::vector<double> dev;
    for (int r = 0; r < 30; ++r) {
        engine.run(batch);
        dev.push_back(engine.last_timing().device_ms);
    }
    return median(dev);
}

double time_gemm(kernels::CudaBackend& be, int n, int d) {
    std::vector<double> t;
    for (int r = 0; r < 15; ++r) t.push_back(*be.logits_gemm_ms(n, d));
    return median(t);
}

double time_gemm_pv(kernels::CudaBackend& be, int n, int d, int dv) {
    std::vector<double> t;
    for (int r = 0; r < 15; ++r) t.push_back(*be.reference_gemm_ms(n, d, dv));
    return median(t);
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    auto owned = kernels::make_cuda_backend();
    auto& be = dynamic_cast<kernels::CudaBackend&>(*owned);
    if (auto why = be.unavailable_reason()) {
        std::printf("CUDA backend unavailable: %s\n", why->c_str());
        return 2;
    }
    std::printf("device: %s\n\n", be.device_description().c_str());
    const VariantParams defaults;
    const int d = 64, dv = 64;

    // ---- map: DPA weights vs the cuBLAS logits GEMM of the same shape
    kernels::gpu::Engine engine;
    std::printf(
        "| map n | logits GEMM (ms) | map (ms) | map / logits GEMM | QK+PV GEMMs (ms) | map + output (ms) | "
        "(map + output) / (QK+PV) | + stats (ms) | + stats, wall (ms) |\n"
        "|---|---|---|---|---|---|---|---|---|\n");
    const std::vector<int> map_sizes = quick ? std::vector<int>{2048} : std::vector<int>{2048, 4096, 8192, 16384};
    for (int n : map_sizes) {
        const Inputs in = random_inputs(n, d, dv, 1);
        const std::vector<BackendProblem> batch{{VariantKind::Dpa, &defaults, &in.q, &in.k, &in.v, true}};
        BackendOptions map;
        map.want_weights = false;
        map.want_metrics = false;
        map.want_extras = false;
        map.display_rows = map.display_cols = 512;
        const Timing t_map = time_run(be, batch, map);
        BackendOptions stats = map;
        stats.want_metrics = true;
        const Timing t_stats = time_run(be, batch, stats);
        const double g = time_gemm(be, n, d), gpv = time_gemm_pv(be, n, d, dv);
        const double map_only = time_map_only(engine, in, n, d, dv);
        std::printf("| %d | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %.3f | %.3f |\n", n, g, map_only, map_only / g,
                    gpv, t_map.device_ms, t_map.device_ms / gpv, t_stats.device_ms, t_stats.wall_ms);
    }

    // ---- variant: each variant against DPA, same options (weights on the GPU, every statistic, display map)
    for (int n : quick ? std::vector<int>{1024} : std::vector<int>{2048, 8192}) {
        std::printf(
            "\n| variant (n = %d, d = 64, one head, stats + display) | device (ms) | / dpa | wall (ms) |\n"
            "|---|---|---|---|\n",
            n);
        const Inputs in = random_inputs(n, d, dv, 2);
        BackendOptions opt;
        opt.want_weights = false;
        opt.want_extras = false;
        opt.display_rows = opt.display_cols = 512;
        double dpa_ms = 0.0;
        for (VariantKind k : all_variant_kinds()) {
            VariantParams p;
            if (k == VariantKind::VaAware) p.solver = Solver::Greedy;  // exact is refused at this size (max_subsets)
            const std::vector<BackendProblem> batch{{k, &p, &in.q, &in.k, &in.v, true}};
            const Timing t = time_run(be, batch, opt);
            if (k == VariantKind::Dpa) dpa_ms = t.device_ms;
            std::printf("| %s | %.3f | %.2f | %.3f |\n", std::string(variant_name(k)).c_str(), t.device_ms,
                        t.device_ms / dpa_ms, t.wall_ms);
        }
    }

    // ---- edit: six variants on one Q/K/V, per edit
    const VariantKind six[] = {VariantKind::Dpa,     VariantKind::Ssa,   VariantKind::Selective,
                               VariantKind::VaExact, VariantKind::Lssar, VariantKind::Ea};
    std::printf(
        "\n| edit: six variants (dpa ssa selective va_exact lssar ea), d = 64 | what comes back | wall per "
        "edit (ms) | device (ms) | graph |\n|---|---|---|---|---|\n");
    for (int n : quick ? std::vector<int>{128} : std::vector<int>{128, 512, 2048, 8192}) {
        const Inputs in = random_inputs(n, d, dv, 3);
        std::vector<BackendProblem> batch;
        for (VariantKind k : six) batch.push_back({k, &defaults, &in.q, &in.k, &in.v, true});
        BackendOptions opt;
        opt.want_extras = false;
        const bool full = n <= 512;
        opt.want_weights = full;  // small maps come back whole; large ones as 512 x 512 display maps
        if (!full) opt.display_rows = opt.display_cols = 512;
        const Timing t = time_run(be, batch, opt);
        std::printf("| n = %d | %s + stats | %.3f | %.3f | %s |\n", n, full ? "full maps" : "512x512 display maps",
                    t.wall_ms, t.device_ms, t.graph ? "yes" : "no");
    }
    {
        const int n = 128;
        const Inputs in = random_inputs(n, d, dv, 4);
        std::vector<BackendProblem> batch;
        for (VariantKind k : six) batch.push_back({k, &defaults, &in.q, &in.k, &in.v, true});
        BackendOptions opt;
        opt.want_weights = false;
        opt.want_extras = false;
        opt.display_rows = opt.display_cols = 128;
        const Timing t = time_run(be, batch, opt);
        std::printf("| n = 128 | display maps + stats | %.3f | %.3f | %s |\n", t.wall_ms, t.device_ms,
                    t.graph ? "yes" : "no");
    }
    // ---- TF32 option: the map at n = 8192
    if (!quick) {
        be.set_tf32(true);
        const int n = 8192;
        const Inputs in = random_inputs(n, d, dv, 5);
        const std::vector<BackendProblem> batch{{VariantKind::Dpa, &defaults, &in.q, &in.k, &in.v, true}};
        BackendOptions map;
        map.want_weights = false;
        map.want_metrics = false;
        map.want_extras = false;
        map.display_rows = map.display_cols = 512;
        const Timing t = time_run(be, batch, map);
        const double g = time_gemm(be, n, d);
        std::printf("\nTF32: map n = 8192: %.3f ms, TF32 logits GEMM %.3f ms, ratio %.2f\n", t.device_ms, g,
                    t.device_ms / g);
        be.set_tf32(false);
    }
    return 0;
}
