#!/usr/bin/env python3
"""make_oracle_cases.py - a broader set of oracle-checked cases for the C++ tests (tests/data/oracle_extra/).

The golden set (../shared/golden, 31 cases) covers each variant once or twice. This script RUNS the oracle
(../shared/reference/attn_ref.py, imported as a module and used as a tool; none of its code is copied here) on
many more cases: other seeds and lengths, and every parameter path of spec/variants.md §8.2 (every kernel,
solver, form, SSA precedence rule, selective pruning mode, LSSAR stage-2 parameter, metrics parameter, causal
and non-causal, n from 1 to 50). For each case it writes NAME.case.json (the oracle's input format) and
NAME.expected.json (the oracle's output), plus index.json with the golden tolerances and the case list.

Discrete choices must not be near-ties, or a float32 implementation could legitimately take another branch
(spec §8.1). A random draw is accepted only when
  1. the oracle's own margin rule (attn_ref._margins_ok, the rule the golden set was made with) accepts it, and
  2. it is well conditioned for the tolerance it will be checked at. We emulate what a float32 implementation
     sees: Q, K, V and every numeric parameter rounded to float32 and then perturbed by a relative 3e-7
     (about 5 float32 ulps, a stand-in for the rounding of the float arithmetic itself: a dot product or a
     sum of a few terms is off by a few ulps of its largest term). The oracle's answer
     on that input must match the unperturbed answer within a quarter of the float32 tolerance, with every
     integer (counts, support sizes, pruned flags) identical. The same is done for float64 with a relative
     1e-12 perturbation, a tenth of the float64 tolerance, the implied temperature within rtol 1e-7 and its
     flag identical. Cases that fail are redrawn with the next attempt's seed, as the oracle's --make-cases
     does.
Rule 2 is stricter than rule 1 and also protects what rule 1 does not: the count metrics near θ or 1/m, and
the implied-temperature flags near their 1e-12 thresholds.

Usage:
  python3 scripts/make_oracle_cases.py [--oracle ../shared/reference/attn_ref.py] [--out tests/data/oracle_extra]
  python3 scripts/make_oracle_cases.py --random-case SEED --out-case FILE   # one random case (for the
                                                                            # oracle cross-check test)
Deterministic: the same oracle gives byte-identical files.
"""

import argparse
import importlib.util
import json
import math
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ORACLE = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "reference", "attn_ref.py"))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "tests", "data", "oracle_extra"))

F64 = {"atol": 1e-9, "rtol": 1e-7}
F32 = {"atol": 2e-4, "rtol": 2e-3}
IMPLIED_RTOL_F64 = 1e-6


def load_oracle(path):
    spec = importlib.util.spec_from_file_location("attn_ref", path)
    if spec is None or spec.loader is None:
        sys.exit("make_oracle_cases: cannot load the oracle from %s (pass --oracle PATH)" % path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------------------------------------
# random problems
# ----------------------------------------------------------------------------------------------------------


def gauss_matrix(rng, rows, cols, sc=1.0):
    return [[rng.gauss(0.0, 1.0) * sc for _ in range(cols)] for _ in range(rows)]


def draw(spec, attempt):
    """spec: dict(name, variant, seed, n, d, dv, sc, causal, params, special). Returns the case dict."""
    rng = random.Random(7919 * spec["seed"] + 104729 * attempt + 17)
    n, d, dv = spec["n"], spec["d"], spec["dv"]
    Q = gauss_matrix(rng, n, d, spec.get("sc", 1.0))
    K = gauss_matrix(rng, n, d, spec.get("sc", 1.0))
    V = gauss_matrix(rng, n, dv)
    params = json.loads(json.dumps(spec.get("params", {})))
    sp = spec.get("special", {})
    if "zero_q" in sp:  # zero query rows: the uniform fallbacks of spec §0
        for i in sp["zero_q"]:
            Q[i] = [0.0] * d
    if sp.get("all_zero_q"):
        Q = [[0.0] * d for _ in range(n)]
    if "offset" in sp:  # every logit offset by off/sqrt(d): a naive exp overflows
        for i in range(n):
            Q[i][0] = sp["offset"]
            K[i][0] = 1.0
    if sp.get("negative_logits"):  # relu-family kernels see an all-negative row -> uniform fallback
        for i in range(n):
            K[i] = [-abs(x) for x in K[i]]
            Q[i] = [abs(x) for x in Q[i]]
    if sp.get("sel_head"):
        params["sel_Q"] = gauss_matrix(rng, n, d)
        params["sel_K"] = gauss_matrix(rng, n, d)
    if sp.get("sel_q_only"):
        params["sel_Q"] = gauss_matrix(rng, n, d)
    for key in ("tau_q", "tau_v", "tok_q", "tok_v"):
        if sp.get(key):
            lo, hi = sp[key]
            params[key] = [rng.uniform(lo, hi) for _ in range(n)]
    if sp.get("w_tok_q"):
        params["w_tok_q"] = [rng.gauss(0.0, 0.5) for _ in range(d)]
    if sp.get("w_tok_v"):
        params["w_tok_v"] = [rng.gauss(0.0, 0.5) for _ in range(dv)]
    if "tau_q_zero_at" in sp:
        for i in sp["tau_q_zero_at"]:
            params["tau_q"][i] = 0.0
    case = {"name": spec["name"], "variant": spec["variant"], "Q": Q, "K": K, "V": V,
            "causal": spec.get("causal", True), "params": params}
    return case


# ----------------------------------------------------------------------------------------------------------
# conditioning checks (rule 2 of the module docstring)
# ----------------------------------------------------------------------------------------------------------


def to_f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def perturb_case(case, rng, rel, round_f32):
    def p(x):
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return x
        y = to_f32(float(x)) if round_f32 else float(x)
        return y * (1.0 + rel * rng.uniform(-1.0, 1.0))

    def walk(v):
        if isinstance(v, list):
            return [walk(x) for x in v]
        return p(v)

    out = dict(case)
    out["Q"], out["K"], out["V"] = walk(case["Q"]), walk(case["K"]), walk(case["V"])
    params = {}
    for k, v in case["params"].items():
        # integers that select a branch or a count stay exact; they are exact in every precision
        if k in ("r", "budget", "offset_free_rows", "metrics_k", "max_subsets") or isinstance(v, (bool, str)):
            params[k] = v
        elif k in ("metrics_threshold", "prune_threshold", "deadzone"):
            params[k] = v  # thresholds: compared against, not computed with; the margins protect them
        else:
            params[k] = walk(v)
    out["params"] = params
    return out


def close(a, b, atol, rtol):
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def diff(a, b, path, tol, implied_rtol, errs, skip_implied):
    """Tolerant structural comparison, same rule as the C++ comparator (spec §8.4)."""
    if len(errs) > 3:
        return
    if isinstance(a, dict):
        for k in a:
            if skip_implied and k in ("implied_temperature", "implied_temperature_flag"):
                continue
            if k == "params_resolved":
                continue  # perturbed parameters are echoed perturbed
            diff(a[k], b[k], path + "." + k, tol, implied_rtol, errs, skip_implied)
    elif isinstance(a, list):
        if len(a) != len(b):
            errs.append("%s length" % path)
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), tol, implied_rtol, errs, skip_implied)
    elif a is None or b is None or isinstance(a, (bool, str)) or isinstance(a, int) and isinstance(b, int):
        if a != b:
            errs.append("%s: %r != %r" % (path, a, b))
    else:
        if path.startswith(".implied_temperature"):
            ok = close(a, b, 0.0, implied_rtol)
        else:
            ok = close(a, b, tol["atol"], tol["rtol"])
        if not ok:
            errs.append("%s: %r vs %r" % (path, a, b))


def well_conditioned(oracle, case, expected, seed):
    rng = random.Random(seed)
    checks = [
        # (relative perturbation, round to float32 first, tolerance fraction, implied rtol, skip implied)
        (3e-7, True, {"atol": F32["atol"] / 4, "rtol": F32["rtol"] / 4}, None, True),
        (3e-7, True, {"atol": F32["atol"] / 4, "rtol": F32["rtol"] / 4}, None, True),
        (1e-12, False, {"atol": F64["atol"] / 10, "rtol": F64["rtol"] / 10}, IMPLIED_RTOL_F64 / 10, False),
        (1e-12, False, {"atol": F64["atol"] / 10, "rtol": F64["rtol"] / 10}, IMPLIED_RTOL_F64 / 10, False),
    ]
    for rel, f32, tol, irtol, skip in checks:
        pert = perturb_case(case, rng, rel, f32)
        try:
            got = oracle.run_case(pert)
        except (ValueError, KeyError, ZeroDivisionError, OverflowError) as e:
            return "perturbed case raised %s" % e
        errs = []
        diff(expected, got, "", tol, irtol, errs, skip)
        if errs:
            return "; ".join(errs)
    return None


def margins_ok(oracle, case, expected, spec):
    if spec.get("special", {}).get("exact_ties"):
        # every row is an exact uniform fallback (spec §0): its top-r "ties" are exact in every precision and
        # broken by the smaller index; rule 2 still checks the draw
        return True
    # the oracle's rule reads private "_zero_q" rows (exactly uniform rows are exempt from the LSSAR margin)
    params = dict(case["params"])
    if "zero_q" in spec.get("special", {}):
        params["_zero_q"] = spec["special"]["zero_q"]
    if spec.get("special", {}).get("all_zero_q"):
        params["_zero_q"] = list(range(spec["n"]))
    return oracle._margins_ok(case["variant"], dict(case, params=params), expected)


def make_one(oracle, spec, max_attempts=300):
    last = None
    for attempt in range(max_attempts):
        case = draw(spec, attempt)
        expected = oracle.run_case(case)
        if not margins_ok(oracle, case, expected, spec):
            last = "oracle margin rule"
            continue
        why = well_conditioned(oracle, case, expected, seed=spec["seed"] * 31 + attempt)
        if why:
            last = why
            continue
        return case, expected, attempt
    raise RuntimeError("%s: no well-conditioned draw in %d attempts (last: %s)" % (spec["name"], max_attempts, last))


# ----------------------------------------------------------------------------------------------------------
# the case list: every variant and parameter path of spec §8.2
# ----------------------------------------------------------------------------------------------------------


def S(name, variant, seed, n, d, dv, causal=True, sc=1.0, params=None, special=None):
    return {"name": name, "variant": variant, "seed": seed, "n": n, "d": d, "dv": dv, "causal": causal, "sc": sc,
            "params": params or {}, "special": special or {}}


def case_specs():
    s = []
    # --- dpa
    s += [
        S("dpa_n1_d1", "dpa", 101, 1, 1, 1),
        S("dpa_n2_d1_noncausal", "dpa", 102, 2, 1, 3, causal=False),
        S("dpa_n17_d5", "dpa", 103, 17, 5, 3),
        S("dpa_n33_d8_noncausal", "dpa", 104, 33, 8, 2, causal=False),
        S("dpa_scale_half_n9", "dpa", 105, 9, 3, 2, params={"scale": 0.5}),
        S("dpa_scale_two_n7_noncausal", "dpa", 106, 7, 4, 2, causal=False, params={"scale": 2.0}),
        S("dpa_huge_logits_n12", "dpa", 107, 12, 6, 2, sc=30.0),
        S("dpa_offset_logits_n9", "dpa", 108, 9, 4, 2, special={"offset": 3000.0}),
        # exactly uniform rows for m = 1..50: m = 41, 47 (float32) and 49 (float64) are where m*fl(1/m) < 1
        S("dpa_zero_queries_n50", "dpa", 109, 50, 2, 1, special={"all_zero_q": True}),
        S("dpa_zero_queries_n45_noncausal", "dpa", 110, 45, 3, 1, causal=False, special={"all_zero_q": True}),
        S("dpa_metrics_k1_n8", "dpa", 111, 8, 3, 2, params={"metrics_k": 1}),
        S("dpa_metrics_k12_n10", "dpa", 112, 10, 3, 2, params={"metrics_k": 12}),
        S("dpa_metrics_threshold_0p2_n11", "dpa", 113, 11, 4, 2, sc=1.5, params={"metrics_threshold": 0.2}),
        S("dpa_metrics_threshold_0_n6", "dpa", 114, 6, 2, 2, params={"metrics_threshold": 0.0}),
        S("dpa_n24_d16", "dpa", 115, 24, 16, 4),
        S("dpa_scale_negative_n8", "dpa", 116, 8, 3, 2, params={"scale": -0.6}),  # prefers anti-aligned keys
    ]
    # --- ssa: every precedence path of spec §2.3
    s += [
        S("ssa_defaults_n13_noncausal", "ssa", 201, 13, 4, 3, causal=False),
        S("ssa_n1", "ssa", 202, 1, 2, 2),
        S("ssa_tau_explicit_n9", "ssa", 203, 9, 3, 2, special={"tau_q": (0.3, 3.0), "tau_v": (-1.0, 2.0)}),
        S("ssa_tau_q_zero_n6", "ssa", 204, 6, 3, 2, special={"tau_q": (0.5, 2.0), "tau_q_zero_at": [2, 4]}),
        S("ssa_tau_q_wins_n7", "ssa", 205, 7, 3, 2, special={"tau_q": (0.5, 2.5)},
          params={"pos_coef_q": 5.0, "beta_q": 0.0, "alpha_q": 3.0, "tok_q": [9.0] * 7}),
        S("ssa_pos_coef_n10", "ssa", 206, 10, 4, 2, params={"pos_coef_q": 0.8, "pos_coef_v": 0.3}),
        S("ssa_pos_coef_negative_n8", "ssa", 207, 8, 3, 2, params={"pos_coef_q": -0.2, "value_temp": False}),
        S("ssa_pos_coef_wins_n8", "ssa", 208, 8, 3, 2,
          params={"pos_coef_q": 0.4, "beta_q": 1.0, "alpha_q": 2.0, "pos_coef_v": 0.1, "beta_v": -1.0}),
        S("ssa_beta_n9", "ssa", 209, 9, 4, 3, params={"beta_q": 1.5, "beta_v": -0.5}),
        S("ssa_beta_wins_n8", "ssa", 210, 8, 3, 2, params={"beta_q": 0.5, "alpha_q": -3.0, "alpha_v": 1.0}),
        S("ssa_alpha_n11", "ssa", 211, 11, 4, 2, params={"alpha_q": -1.2, "alpha_v": 0.7}),
        S("ssa_tok_lists_n8", "ssa", 212, 8, 3, 2, special={"tok_q": (-2.0, 2.0), "tok_v": (-1.5, 1.5)}),
        S("ssa_tok_wins_over_w_tok_n8", "ssa", 213, 8, 3, 2, special={"tok_q": (-1.0, 1.0), "w_tok_q": True},
          params={"b_tok_q": 0.7}),
        S("ssa_w_tok_n12", "ssa", 214, 12, 4, 3, special={"w_tok_q": True, "w_tok_v": True},
          params={"b_tok_q": -0.3, "b_tok_v": 0.25}),
        S("ssa_w_tok_no_bias_n9_noncausal", "ssa", 215, 9, 3, 2, causal=False,
          special={"w_tok_q": True, "w_tok_v": True}),
        S("ssa_value_temp_false_ignores_v_n8", "ssa", 216, 8, 3, 2, special={"tau_v": (2.0, 3.0), "w_tok_v": True},
          params={"value_temp": False, "pos_coef_v": 4.0, "beta_v": 1.0, "alpha_v": 2.0, "b_tok_v": 1.0}),
        S("ssa_scale_n7", "ssa", 217, 7, 4, 2, params={"scale": 0.8, "alpha_q": 0.5}),
        S("ssa_huge_logits_n9", "ssa", 218, 9, 4, 2, sc=25.0, params={"value_temp": False}),
        S("ssa_offset_logits_n8", "ssa", 219, 8, 4, 2, special={"offset": 2000.0}, params={"beta_q": 2.0}),
        S("ssa_n30_d6", "ssa", 220, 30, 6, 3),
        S("ssa_tau_negative_n7", "ssa", 221, 7, 3, 2, special={"tau_q": (-2.0, 2.0), "tau_v": (-1.5, 1.5)}),
        S("ssa_beta_extreme_n8", "ssa", 222, 8, 3, 2, params={"beta_q": -3.0, "beta_v": 4.0, "tok_v": [3.0] * 8}),
    ]
    # --- selective (causal only)
    s += [
        S("selective_n1", "selective", 301, 1, 2, 2),
        S("selective_n2", "selective", 302, 2, 3, 2),
        S("selective_n20", "selective", 303, 20, 4, 2),
        S("selective_sep_head_n11", "selective", 304, 11, 3, 2, special={"sel_head": True}),
        S("selective_sep_head_sel_scale_n10", "selective", 305, 10, 4, 2, special={"sel_head": True},
          params={"sel_scale": 0.9}),
        S("selective_sel_q_only_n9", "selective", 306, 9, 3, 2, special={"sel_q_only": True}),
        S("selective_sel_scale_zero_n8", "selective", 307, 8, 3, 2, params={"sel_scale": 0.0}),
        S("selective_scale_n9", "selective", 308, 9, 4, 2, params={"scale": 1.0}),
        # scale = 0 is legal where the oracle defines it (uniform logits; spec §8.2 does not reject it)
        S("selective_scale_zero_n8", "selective", 340, 8, 4, 2, sc=1.3, params={"scale": 0.0}),
        S("ea_scale_zero_n6", "ea", 341, 6, 3, 2, params={"scale": 0.0}),
        S("va_exact_relu_scale_zero_n6", "va_exact", 342, 6, 3, 2, params={"scale": 0.0, "kernel": "relu"}),
        S("selective_no_protect_bos_n10", "selective", 309, 10, 4, 2, sc=1.3, params={"protect_bos": False}),
        S("selective_threshold_n14", "selective", 310, 14, 4, 2, sc=1.5, params={"prune_threshold": 0.5}),
        S("selective_threshold_small_n9", "selective", 311, 9, 3, 2, sc=1.3, params={"prune_threshold": 0.2}),
        S("selective_budget1_n7", "selective", 312, 7, 3, 2, sc=1.5, params={"budget": 1}),
        S("selective_budget3_n15", "selective", 313, 15, 4, 2, sc=1.5, params={"budget": 3}),
        S("selective_budget_no_protect_bos_n12", "selective", 314, 12, 4, 2, sc=1.5,
          params={"budget": 4, "protect_bos": False}),
        S("selective_budget_and_threshold_n13", "selective", 315, 13, 4, 2, sc=1.5,
          params={"budget": 5, "prune_threshold": 1.5}),
        S("selective_budget_large_n8", "selective", 316, 8, 3, 2, sc=1.5, params={"budget": 100}),
        S("selective_huge_logits_n8", "selective", 317, 8, 4, 2, sc=20.0),
        S("selective_offset_logits_n8", "selective", 318, 8, 4, 2, special={"offset": 2000.0}),
        S("selective_n36_budget8", "selective", 319, 36, 4, 2, params={"budget": 8}),
        S("selective_sel_scale_negative_n9", "selective", 320, 9, 3, 2, params={"sel_scale": -0.8}),
    ]
    # --- value-aware: every kernel for va_exact, va_oblivious (renorm false too) and va_aware exact + greedy
    kernels = ("exp", "relu", "relu2", "softplus", "elu1", "square")
    for k_i, k in enumerate(kernels):
        s.append(S("va_exact_%s_n9" % k, "va_exact", 400 + k_i, 9, 4, 3, sc=1.3, params={"kernel": k}))
        s.append(S("va_exact_%s_n6_noncausal" % k, "va_exact", 410 + k_i, 6, 3, 2, causal=False, sc=1.3,
                   params={"kernel": k}))
        s.append(S("va_oblivious_%s_r2_n9" % k, "va_oblivious", 420 + k_i, 9, 4, 3, sc=1.5, params={"kernel": k}))
        s.append(S("va_oblivious_%s_r3_norenorm_n8" % k, "va_oblivious", 430 + k_i, 8, 3, 2, sc=1.5,
                   params={"kernel": k, "r": 3, "renorm": False}))
        s.append(S("va_aware_exact_%s_r2_n8" % k, "va_aware", 440 + k_i, 8, 3, 3, sc=1.5, params={"kernel": k}))
        s.append(S("va_aware_greedy_%s_r3_n9" % k, "va_aware", 450 + k_i, 9, 3, 4, sc=1.5,
                   params={"kernel": k, "r": 3, "solver": "greedy"}))
    s += [
        S("va_exact_relu_negative_rows_n6", "va_exact", 460, 6, 3, 2, params={"kernel": "relu"},
          special={"negative_logits": True}),
        S("va_exact_scale_n7", "va_exact", 461, 7, 3, 2, params={"scale": 0.7}),
        S("va_exact_offset_logits_n7", "va_exact", 462, 7, 4, 2, special={"offset": 2500.0}),
        S("va_oblivious_r1_n10_noncausal", "va_oblivious", 463, 10, 4, 2, causal=False, sc=1.5, params={"r": 1}),
        S("va_oblivious_r_ge_n_n5", "va_oblivious", 464, 5, 3, 2, sc=1.5, params={"r": 7}),
        S("va_oblivious_relu_negative_rows_n6", "va_oblivious", 465, 6, 3, 2, params={"kernel": "relu", "r": 2},
          special={"negative_logits": True, "exact_ties": True}),
        S("va_oblivious_exp_r4_n30", "va_oblivious", 466, 30, 4, 3, sc=1.5, params={"r": 4}),
        S("va_aware_exact_r1_n10", "va_aware", 467, 10, 4, 3, sc=1.5, params={"r": 1}),
        S("va_aware_exact_r3_n9_noncausal", "va_aware", 468, 9, 3, 4, causal=False, sc=1.5, params={"r": 3}),
        S("va_aware_exact_r1_dv1_n7", "va_aware", 469, 7, 3, 1, sc=1.5, params={"r": 1}),
        S("va_aware_exact_r4_dv5_n8", "va_aware", 470, 8, 3, 5, sc=1.5, params={"r": 4}),
        S("va_aware_greedy_r2_n14_noncausal", "va_aware", 471, 14, 4, 3, causal=False, sc=1.5,
          params={"r": 2, "solver": "greedy"}),
        S("va_aware_greedy_r4_n16", "va_aware", 472, 16, 4, 6, sc=1.5, params={"r": 4, "solver": "greedy"}),
        S("va_aware_exact_scale_n7", "va_aware", 473, 7, 3, 3, sc=1.5, params={"r": 2, "scale": 1.0}),
        S("va_aware_exact_max_subsets_n6", "va_aware", 474, 6, 3, 3, sc=1.5, params={"r": 2, "max_subsets": 21}),
        S("va_aware_greedy_r2_n30", "va_aware", 475, 30, 4, 4, sc=1.5, params={"r": 2, "solver": "greedy"}),
        S("va_exact_square_negative_scale_n7", "va_exact", 476, 7, 3, 2, params={"kernel": "square", "scale": -1.5}),
    ]
    # --- lssa / lssar
    s += [
        S("lssa_n1", "lssa", 501, 1, 3, 2),
        S("lssa_n16_d8", "lssa", 502, 16, 8, 3),
        S("lssa_noncausal_n9", "lssa", 503, 9, 4, 2, causal=False),
        S("lssa_no_normalize_n8", "lssa", 504, 8, 3, 2, params={"normalize_qk": False}),
        S("lssa_log_d_n10", "lssa", 505, 10, 4, 2, params={"log_d": 2.5}),
        S("lssa_eps_n8", "lssa", 506, 8, 4, 2, params={"eps": 0.1}),
        S("lssa_zero_query_n7", "lssa", 507, 7, 3, 2, special={"zero_q": [0, 5]}),
        S("lssa_d1_n6", "lssa", 508, 6, 1, 2),
        S("lssa_n40_d4", "lssa", 509, 40, 4, 2),
        S("lssar_n1", "lssar", 521, 1, 3, 2),
        S("lssar_defaults_n16", "lssar", 522, 16, 4, 3),
        S("lssar_noncausal_n10", "lssar", 523, 10, 4, 2, causal=False),
        S("lssar_p1_n10", "lssar", 524, 10, 4, 2, params={"p": 1}),
        S("lssar_p3_n12", "lssar", 525, 12, 6, 2, params={"p": 3}),
        S("lssar_p30_n11", "lssar", 526, 11, 4, 2, params={"p": 30.0}),
        S("lssar_p_half_n9", "lssar", 527, 9, 4, 2, params={"p": 0.5}),
        S("lssar_offset_half_n10", "lssar", 528, 10, 4, 2, params={"offset": 0.5}),
        S("lssar_offset_free_rows0_n9", "lssar", 529, 9, 4, 2, params={"offset_free_rows": 0}),
        S("lssar_offset_free_rows10_n12", "lssar", 530, 12, 4, 2, params={"offset_free_rows": 10}),
        S("lssar_deadzone_n10", "lssar", 531, 10, 4, 2, params={"deadzone": 0.05}),
        S("lssar_no_normalize_n9", "lssar", 532, 9, 3, 2, params={"normalize_qk": False, "p": 3}),
        S("lssar_log_d_eps_n10", "lssar", 533, 10, 4, 2, params={"log_d": 16.0, "eps": 0.05}),
        S("lssar_zero_query_n8", "lssar", 534, 8, 4, 2, special={"zero_q": [1, 6]}),
        S("lssar_n40_d8", "lssar", 535, 40, 8, 2),
        S("lssar_offset_negative_n9", "lssar", 536, 9, 4, 2, params={"offset": -0.5}),
        S("lssar_p200_n12", "lssar", 537, 12, 4, 2, params={"p": 200}),
        S("lssa_eps_large_n8", "lssa", 510, 8, 3, 2, params={"eps": 50.0}),
    ]
    # --- ea
    s += [
        S("ea_n1", "ea", 601, 1, 2, 2),
        S("ea_bounded_n14", "ea", 602, 14, 4, 3),
        S("ea_bounded_noncausal_n9", "ea", 603, 9, 3, 2, causal=False),
        S("ea_bounded_large_scale_n8", "ea", 604, 8, 3, 2, sc=3.0, params={"scale": 1.0}),
        S("ea_plain_n10", "ea", 605, 10, 4, 2, params={"form": "plain"}),
        S("ea_plain_noncausal_n8", "ea", 606, 8, 3, 2, causal=False, params={"form": "plain"}),
        S("ea_plain_huge_n7", "ea", 607, 7, 3, 2, sc=1e5, params={"form": "plain"}),
        S("ea_bounded_eps_n9", "ea", 608, 9, 4, 2, params={"eps": 0.5}),
        S("ea_plain_eps_n9", "ea", 609, 9, 4, 2, params={"form": "plain", "eps": 0.3}),
        S("ea_zero_query_n7", "ea", 610, 7, 3, 2, special={"zero_q": [3, 6]}),
        S("ea_plain_zero_query_n6", "ea", 611, 6, 3, 2, params={"form": "plain"}, special={"zero_q": [2]}),
        S("ea_n36_d4", "ea", 612, 36, 4, 2),
    ]
    return s


# ----------------------------------------------------------------------------------------------------------


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def make_all(oracle, out):
    os.makedirs(out, exist_ok=True)
    index = []
    specs = case_specs()
    names = [sp["name"] for sp in specs]
    assert len(names) == len(set(names)), "duplicate case names"
    for sp in specs:
        case, expected, attempt = make_one(oracle, sp)
        dump(case, os.path.join(out, sp["name"] + ".case.json"))
        dump(expected, os.path.join(out, sp["name"] + ".expected.json"))
        index.append({"name": sp["name"], "variant": sp["variant"], "n": expected["n"], "d": expected["d"],
                      "dv": expected["dv"], "causal": expected["causal"], "seed": sp["seed"], "attempt": attempt})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"ref_version": oracle.REF_VERSION,
                   "generator": "scripts/make_oracle_cases.py (runs ../shared/reference/attn_ref.py)",
                   "tolerances": {"float64": F64, "float32": F32,
                                  "note": "as ../shared/golden/index.json; implied_temperature rtol 1e-6 "
                                          "(f64) or skip (f32)"},
                   "cases": index}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out, x)) for x in os.listdir(out))
    print("wrote %d cases to %s (%.0f KiB)" % (len(index), out, total / 1024.0))


def random_case(oracle, seed, path):
    """One random, well-conditioned case of a random variant (the cross-check test's input). Some draws cannot
    satisfy the margins (e.g. va_aware with r >= dv + 1 has several exact fits); then another draw is made."""
    variants = ["dpa", "ssa", "selective", "va_exact", "va_oblivious", "va_aware", "lssa", "lssar", "ea"]
    for redraw in range(100):
        rng = random.Random(seed * 1000 + redraw)
        variant = variants[rng.randrange(len(variants))]
        n = rng.randint(1, 24)
        d = rng.randint(1, 8)
        dv = rng.randint(1, 4)
        causal = True if variant == "selective" else rng.random() < 0.7
        params = {}
        if variant.startswith("va_"):
            params["kernel"] = rng.choice(["exp", "relu", "relu2", "softplus", "elu1", "square"])
            if variant != "va_exact":
                params["r"] = rng.randint(1, 3)
            if variant == "va_aware":
                params["r"] = min(params["r"], dv)  # r >= dv + 1 fits exactly in many ways: no unique answer
                params["solver"] = rng.choice(["exact", "greedy"])
                if params["solver"] == "exact":
                    n = min(n, 16)
        if variant == "ssa":
            params["alpha_q"] = rng.uniform(-2, 2)
            params["w_tok_v"] = [rng.uniform(-1, 1) for _ in range(dv)]
        if variant == "selective":
            choice = rng.randrange(3)
            if choice == 1:
                params["budget"] = rng.randint(1, 6)
            elif choice == 2:
                params["prune_threshold"] = rng.uniform(0.2, 2.0)
        if variant == "lssar":
            params["p"] = rng.choice([3, 15])
        if variant == "ea":
            params["form"] = rng.choice(["bounded", "plain"])
        spec = S("random_%d" % seed, variant, seed * 1000 + redraw, n, d, dv, causal=causal, sc=1.3, params=params)
        try:
            case, _, _ = make_one(oracle, spec, max_attempts=60)
        except RuntimeError:
            continue
        dump(case, path)
        print("%s n=%d d=%d dv=%d causal=%s params=%s" % (variant, n, d, dv, causal, json.dumps(params)))
        return
    sys.exit("make_oracle_cases: no well-conditioned random case for seed %d" % seed)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle", default=DEFAULT_ORACLE)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--random-case", type=int, dest="random_case")
    ap.add_argument("--out-case", dest="out_case")
    a = ap.parse_args()
    oracle = load_oracle(a.oracle)
    if a.random_case is not None:
        if not a.out_case:
            ap.error("--random-case needs --out-case FILE")
        random_case(oracle, a.random_case, a.out_case)
        return 0
    make_all(oracle, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
