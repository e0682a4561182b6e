// model_config.hpp — the shape of a small decoder-only transformer, and its JSON form (checkpoint metadata).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/variant_kind.hpp"

namespace attnscope::model {

enum class PositionKind { Learned, Rope };

struct ModelConfig {
    int vocab = 0;
    int d_model = 64;
    int n_layers = 2;
    int n_heads = 4;
    int d_ff = 256;         // MLP hidden width (4 * d_model by default in the CLI)
    int train_len = 64;     // sequence length trained at; learned positions exist only for 0..max_positions-1
    int max_positions = 64; // rows of the learned position table (unused with RoPE)
    PositionKind positions = PositionKind::Rope;
    bool tied = true;       // unembedding = token embedding^T
    VariantKind variant = VariantKind::Dpa;

    int head_dim() const { return d_model / n_heads; }

    // Throws InputError(field, what, hint) when a field is out of range or inconsistent (d_model % n_heads, an odd
    // head dimension with RoPE, a variant that cannot be trained, sizes past the limits below).
    void validate() const;
};

// Limits that keep a hostile checkpoint from asking for absurd memory (and the CLI from typos): a model here is
// tiny by design; 1e8 parameters would already be 400 MB of float.
inline constexpr int kMaxVocab = 65536;
inline constexpr int kMaxDModel = 4096;
inline constexpr int kMaxLayers = 64;
inline constexpr int kMaxPositions = 1 << 16;

std::string_view position_kind_name(PositionKind p);

nlohmann::json config_to_json(const ModelConfig& c);
// Reads and validates; errors name the JSON field ("config.d_model").
ModelConfig config_from_json(const nlohmann::json& j);

}  // namespace attnscope::model
