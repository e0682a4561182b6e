#include "model_config.hpp"

#include <nlohmann/json.hpp>

#include "attention_ops.hpp"
#include "core/errors.hpp"

namespace attnscope::model {

namespace {
void require(bool ok, const char* field, const std::string& what, const char* hint) {
    if (!ok) throw InputError(std::string("config.") + field, what, hint);
}
}  // namespace

std::string_view position_kind_name(PositionKind p) { return p == PositionKind::Rope ? "rope" : "learned"; }

void ModelConfig::validate() const {
    require(vocab >= 2 && vocab <= kMaxVocab, "vocab", "is " + std::to_string(vocab), "use 2..65536 tokens");
    require(d_model >= 2 && d_model <= kMaxDModel, "d_model", "is " + std::to_string(d_model), "use 2..4096");
    require(n_layers >= 1 && n_layers <= kMaxLayers, "n_layers", "is " + std::to_string(n_layers), "use 1..64");
    require(n_heads >= 1 && n_heads <= d_model && d_model % n_heads == 0, "n_heads",
            std::to_string(n_heads) + " does not divide d_model " + std::to_string(d_model),
            "pick heads so that d_model / heads is a whole number");
    require(d_ff >= 1 && d_ff <= 4 * kMaxDModel, "d_ff", "is " + std::to_string(d_ff), "use 1..16384");
    require(train_len >= 2 && train_len <= kMaxPositions, "train_len", "is " + std::to_string(train_len),
            "use 2..65536");
    require(max_positions >= 1 && max_positions <= kMaxPositions, "max_positions",
            "is " + std::to_string(max_positions), "use 1..65536");
    require(positions != PositionKind::Rope || head_dim() % 2 == 0, "positions",
            "RoPE needs an even head dimension, d_model / heads = " + std::to_string(head_dim()),
            "change --dim or --heads");
    require(positions != PositionKind::Learned || max_positions >= train_len, "max_positions",
            "learned positions table is shorter than train_len", "set max_positions >= train_len");
    require(variant_trainable(variant), "variant", std::string(variant_name(variant)) + " is not trainable",
            "train one of dpa, ssa, selective, lssa, lssar, ea (value-aware variants are inference-time swaps)");
}

nlohmann::json config_to_json(const ModelConfig& c) {
    return {{"vocab", c.vocab},
            {"d_model", c.d_model},
            {"n_layers", c.n_layers},
            {"n_heads", c.n_heads},
            {"d_ff", c.d_ff},
            {"train_len", c.train_len},
            {"max_positions", c.max_positions},
            {"positions", std::string(position_kind_name(c.positions))},
            {"tied", c.tied},
            {"variant", std::string(variant_name(c.variant))}};
}

ModelConfig config_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw InputError("config", "is not a JSON object", "the checkpoint's metadata is damaged");
    auto int_field = [&](const char* name) {
        if (!j.contains(name)) throw InputError(std::string("config.") + name, "is missing", "re-save the model");
        const auto& v = j.at(name);
        if (!v.is_number_integer())
            throw InputError(std::string("config.") + name, "is not an integer", "re-save the model");
        const auto x = v.get<long long>();
        if (x < -(1ll << 31) || x > (1ll << 31) - 1)
            throw InputError(std::string("config.") + name, "is out of range", "re-save the model");
        return static_cast<int>(x);
    };
    auto str_field = [&](const char* name) {
        if (!j.contains(name) || !j.at(name).is_string())
            throw InputError(std::string("config.") + name, "is missing or not a string", "re-save the model");
        return j.at(name).get<std::string>();
    };
    ModelConfig c;
    c.vocab = int_field("vocab");
    c.d_model = int_field("d_model");
    c.n_layers = int_field("n_layers");
    c.n_heads = int_field("n_heads");
    c.d_ff = int_field("d_ff");
    c.train_len = int_field("train_len");
    c.max_positions = int_field("max_positions");
    const std::string pos = str_field("positions");
    if (pos == "rope")
        c.positions = PositionKind::Rope;
    else if (pos == "learned")
        c.positions = PositionKind::Learned;
    else
        throw InputError("config.positions", "is \"" + pos + "\"", "use \"rope\" or \"learned\"");
    if (!j.contains("tied") || !j.at("tied").is_boolean())
        throw InputError("config.tied", "is missing or not a boolean", "re-save the model");
    c.tied = j.at("tied").get<bool>();
    const std::string var = str_field("variant");
    const auto kind = parse_variant(var);
    if (!kind) throw InputError("config.variant", "unknown variant \"" + var + "\"", "use dpa, ssa, selective, lssa, lssar or ea");
    c.variant = *kind;
    c.validate();
    return c;
}

}  // namespace attnscope::model
