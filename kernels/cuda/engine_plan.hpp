// engine_plan.hpp — how one batch of problems is laid out in device memory and which kernels and GEMMs it runs.
//
// The layout is a pure function of the batch's structure (kinds, shapes, wanted outputs, shared inputs), recorded
// in `signature`: two batches with the same signature use the same device addresses, so a CUDA graph captured for
// one replays for the other. Parameter values travel in the uploaded job tables, never in the graph.
//
// Device memory is one arena of three regions: In (uploaded each run from the pinned image: inputs, job tables,
// GEMM pointer arrays), Work (device only) and Out (copied back to the host destinations).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/cuda/cuda_engine.hpp"
#include "kernels/cuda/cuda_jobs.hpp"

namespace attnscope::kernels::gpu {

enum class Region : std::uint8_t { In = 0, Work = 1, Out = 2 };

struct Slot {
    Region region = Region::Work;
    std::size_t off = 0;
    std::size_t bytes = 0;
    explicit operator bool() const { return bytes != 0; }
};

struct Upload {  // host bytes -> In region (through the pinned image)
    const void* host = nullptr;
    Slot slot;
};

struct CopyBack {  // Out region -> host destination
    void* host = nullptr;
    Slot slot;
};

// One GEMM of a batched call. Logits: c (n, n) = b (n, d) . a (n, d)^T. PV: c (n, dv) = b (n, n) . a (n, dv).
struct GemmOp {
    Slot a, b, c;
};

struct GemmGroup {
    bool logits = true;
    int n = 0, inner = 0;  // logits: inner = d; PV: inner = dv
    std::vector<GemmOp> ops;
    Slot ptrs;  // 3 * ops.size() device pointers (a[], b[], c[]) in the In region
};

struct ProblemPlan {
    int pair = -1;      // logits pair (index into Plan::pairs)
    int sel_pair = -1;  // selective's separate selection head
    Slot q, k, v;       // the (shared) device inputs
    Slot tau_q, tau_v, v_scaled;
    Slot inv_q, inv_k;
    Slot w, aux, o, o_exact, err;
    Slot f, s, pruned, evict;
    Slot stats, istats;
    Slot implied_value, implied_flag;
    Slot display;
    int job0 = -1, job1 = -1, implied_job = -1;  // indices in the job tables
};

struct PairPlan {
    Slot q, k, g;
    int n = 0, d = 0;
};

struct Plan {
    std::vector<std::uint64_t> signature;
    std::size_t region_bytes[3] = {0, 0, 0};
    std::vector<Upload> uploads;
    std::vector<CopyBack> copies;
    std::vector<PairPlan> pairs;
    std::vector<ProblemPlan> problems;
    std::vector<GemmGroup> logit_groups, pv_groups, pv_late_groups;

    Slot jobs0, first0, jobs1, first1, implied_jobs, implied_first;
    int njobs0 = 0, blocks0 = 0, max_n0 = 0;
    int njobs1 = 0, blocks1 = 0, max_n1 = 0, max_dv1 = 0;
    int nimplied = 0, blocks_implied = 0, max_n_implied = 0;
    bool keys64 = false;
    Slot f_partial;  // F scan scratch, shared by the selective problems (they run one after another)

    std::size_t total_bytes() const;
    std::size_t region_base(Region r) const;
};

// Lays out the batch.
Plan make_plan(const std::vector<EngineProblem>& problems);

// Device address of a slot, given the arena base.
inline char* device_ptr(const Plan& plan, char* base, const Slot& s) {
    return base + plan.region_base(s.region) + s.off;
}

// Writes the In region's image (inputs, job tables, GEMM pointer arrays) for an arena at `device_base`.
void fill_upload_image(const Plan& plan, const std::vector<EngineProblem>& problems, char* device_base, char* image);

}  // namespace attnscope::kernels::gpu
