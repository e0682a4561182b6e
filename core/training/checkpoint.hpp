// checkpoint.hpp — a model, its task and its training state in one safetensors file (DESIGN.md "Checkpoint").
//
// Tensors: every parameter by its ParamLayout name (F32), plus "optim.m.<name>" and "optim.v.<name>" (Adam's
// moments) in resumable checkpoints. __metadata__ (all strings): format "attnscope-model", version "1", config
// (JSON), task (spec), variant, vocab (JSON array), training (options JSON), step, seconds, log (JSON rows
// [step, loss, accuracy, test_accuracy|null, lr, seconds]). load_checkpoint validates every field, shape and
// value against the config it declares, so a damaged file is refused with a message, never half-loaded.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/formats/safetensors.hpp"
#include "core/matrix.hpp"
#include "core/model/model_config.hpp"
#include "train_options.hpp"

namespace attnscope::training {

struct LogEntry {
    int step = 0;                 // steps done when the entry was written
    double loss = 0.0;            // mean training loss over the entries' steps
    double accuracy = 0.0;        // mean training accuracy on answer tokens
    double test_accuracy = -1.0;  // on the fixed test set; < 0 when not evaluated at this entry
    double lr = 0.0;
    double seconds = 0.0;  // training wall time so far
};

struct Checkpoint {
    model::ModelConfig config;
    std::string task;                // task spec, e.g. "induction"
    std::vector<std::string> vocab;  // token strings (must equal the task's)
    TrainOptions options;
    int step = 0;         // optimizer steps done
    double seconds = 0.0;  // wall time spent training so far
    std::vector<LogEntry> log;
    Vec<float> params;          // ParamLayout(config) order
    Vec<float> adam_m, adam_v;  // empty: not resumable (shipped models are saved without them)
};

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& ck);
// Throws InputError{file, field, what, hint} for anything inconsistent or non-finite.
Checkpoint load_checkpoint(const std::filesystem::path& path);
// The validation half of load_checkpoint, on an already parsed container (`file` names it in messages).
Checkpoint checkpoint_from_safetensors(const formats::StFile& f, const std::string& file);

}  // namespace attnscope::training
