// param_layout.hpp — where every learned tensor of a model lives in one flat buffer.
//
// One flat vector for parameters (and the same layout for gradients and Adam moments) keeps AdamW, clipping and
// checkpointing to one loop each; tensors are Eigen::Maps into it. Names are the safetensors keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model_config.hpp"

namespace attnscope::model {

struct ParamInfo {
    std::string name;                 // e.g. "layers.0.attn.wqkv"
    std::vector<std::int64_t> shape;  // row-major
    std::size_t offset = 0;           // into the flat buffer
    std::size_t size = 0;             // product of shape
    bool decay = false;               // AdamW weight decay applies (matrices that are not embeddings)
    double init_std = 0.0;            // normal(0, init_std); 0 with init_value below
    double init_value = 0.0;          // constant init (layer-norm gains 1, biases and SSA heads 0)
};

class ParamLayout {
public:
    explicit ParamLayout(const ModelConfig& c);

    const std::vector<ParamInfo>& tensors() const { return m_tensors; }
    std::size_t total() const { return m_total; }
    // Offset of a tensor by name; throws std::out_of_range naming it when absent (a programming error).
    const ParamInfo& at(const std::string& name) const;
    const ParamInfo* find(const std::string& name) const;

    // Names of per-layer tensors, kept in one place so model, checkpoint and GUI agree.
    static std::string layer_name(int layer, const char* tensor);

private:
    void add(std::string name, std::vector<std::int64_t> shape, bool decay, double init_std, double init_value);
    std::vector<ParamInfo> m_tensors;
    std::size_t m_total = 0;
};

}  // namespace attnscope::model
