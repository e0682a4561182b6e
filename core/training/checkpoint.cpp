#include "checkpoint.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/formats/safetensors.hpp"
#include "core/model/param_layout.hpp"
#include "core/tasks/task.hpp"

namespace attnscope::training {

namespace {

constexpr const char* kFormat = "attnscope-model";
constexpr const char* kVersion = "1";

formats::StTensor slice(const std::string& name, const model::ParamInfo& p, const Vec<float>& flat) {
    formats::StTensor t;
    t.name = name;
    t.shape = p.shape;
    t.values.assign(flat.data() + p.offset, flat.data() + p.offset + p.size);
    return t;
}

nlohmann::json log_to_json(const std::vector<LogEntry>& log) {
    nlohmann::json rows = nlohmann::json::array();
    for (const LogEntry& e : log)
        rows.push_back({e.step, e.loss, e.accuracy,
                        e.test_accuracy >= 0 ? nlohmann::json(e.test_accuracy) : nlohmann::json(nullptr), e.lr,
                        e.seconds});
    return rows;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& ck) {
    formats::StFile f;
    f.metadata["format"] = kFormat;
    f.metadata["version"] = kVersion;
    f.metadata["config"] = model::config_to_json(ck.config).dump();
    f.metadata["task"] = ck.task;
    f.metadata["variant"] = std::string(variant_name(ck.config.variant));
    f.metadata["vocab"] = nlohmann::json(ck.vocab).dump();
    f.metadata["training"] = options_to_json(ck.options).dump();
    f.metadata["step"] = std::to_string(ck.step);
    f.metadata["seconds"] = nlohmann::json(ck.seconds).dump();
    f.metadata["log"] = log_to_json(ck.log).dump();
    const model::ParamLayout layout(ck.config);
    for (const auto& p : layout.tensors()) f.tensors.push_back(slice(p.name, p, ck.params));
    if (ck.adam_m.size() > 0) {
        for (const auto& p : layout.tensors()) f.tensors.push_back(slice("optim.m." + p.name, p, ck.adam_m));
        for (const auto& p : layout.tensors()) f.tensors.push_back(slice("optim.v." + p.name, p, ck.adam_v));
    }
    formats::write_safetensors(path, f);
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
    return checkpoint_from_safetensors(formats::read_safetensors(path), path.string());
}

Checkpoint checkpoint_from_safetensors(const formats::StFile& f, const std::string& file) {
    auto meta = [&](const char* key) -> const std::string& {
        const auto it = f.metadata.find(key);
        if (it == f.metadata.end())
            throw InputError(InputErrorInfo{file, std::string("__metadata__.") + key, "is missing",
                                            "this is not an attnscope checkpoint; train one with attnscope train"});
        return it->second;
    };
    auto meta_json = [&](const char* key) {
        try {
            return nlohmann::json::parse(meta(key));
        } catch (const nlohmann::json::exception&) {
            throw InputError(InputErrorInfo{file, std::string("__metadata__.") + key, "is not valid JSON",
                                            "the checkpoint is damaged; re-save it"});
        }
    };
    try {
        if (meta("format") != kFormat)
            throw InputError("__metadata__.format", "is \"" + meta("format") + "\", not " + kFormat,
                             "open a checkpoint written by attnscope train");
        if (meta("version") != kVersion)
            throw InputError("__metadata__.version", "is \"" + meta("version") + "\"; this build reads version 1",
                             "use the attnscope version that wrote it");
        Checkpoint ck;
        ck.config = model::config_from_json(meta_json("config"));
        ck.task = meta("task");
        std::unique_ptr<tasks::Task> task;
        try {
            task = tasks::make_task(ck.task);
        } catch (const InputError& e) {
            throw InputError("__metadata__.task", e.info().what, e.info().hint);
        }
        if (task->spec() != ck.task)
            throw InputError("__metadata__.task", "\"" + ck.task + "\" is not canonical", "re-save the checkpoint");
        const nlohmann::json vocab = meta_json("vocab");
        if (!vocab.is_array() || vocab != nlohmann::json(task->vocab()))
            throw InputError("__metadata__.vocab", "does not match the vocabulary of task " + ck.task,
                             "the checkpoint was made by another attnscope version or is damaged");
        ck.vocab = task->vocab();
        if (ck.config.vocab != static_cast<int>(ck.vocab.size()))
            throw InputError("config.vocab", "is " + std::to_string(ck.config.vocab) + " but the task has " +
                                                 std::to_string(ck.vocab.size()) + " tokens",
                             "re-save the checkpoint");
        if (meta("variant") != variant_name(ck.config.variant))
            throw InputError("__metadata__.variant", "disagrees with config.variant", "re-save the checkpoint");
        ck.options = options_from_json(meta_json("training"));
        const nlohmann::json step = meta_json("step");
        if (!step.is_number_integer() || step.get<long long>() < 0 || step.get<long long>() > ck.options.steps)
            throw InputError("__metadata__.step", "is not a step count within training.steps", "re-save it");
        ck.step = step.get<int>();
        const nlohmann::json seconds = meta_json("seconds");
        if (!seconds.is_number() || !(seconds.get<double>() >= 0))
            throw InputError("__metadata__.seconds", "is not a non-negative number", "re-save it");
        ck.seconds = seconds.get<double>();
        const nlohmann::json log = meta_json("log");
        if (!log.is_array()) throw InputError("__metadata__.log", "is not an array", "re-save it");
        for (const auto& row : log) {
            if (!row.is_array() || row.size() != 6 || !row[0].is_number_integer())
                throw InputError("__metadata__.log", "has a malformed row", "re-save it");
            for (std::size_t i = 1; i < 6; ++i)
                if (!(row[i].is_number() || (i == 3 && row[i].is_null())))
                    throw InputError("__metadata__.log", "has a non-numeric entry", "re-save it");
            ck.log.push_back({row[0].get<int>(), row[1].get<double>(), row[2].get<double>(),
                              row[3].is_null() ? -1.0 : row[3].get<double>(), row[4].get<double>(),
                              row[5].get<double>()});
        }

        // Tensors: exactly the layout's, optionally with both optimizer moments.
        const model::ParamLayout layout(ck.config);
        const std::size_t total = layout.total();
        const bool has_optim = f.find("optim.m." + layout.tensors().front().name) != nullptr;
        const std::size_t expected = layout.tensors().size() * (has_optim ? 3 : 1);
        if (f.tensors.size() != expected)
            throw InputError("tensors", "file has " + std::to_string(f.tensors.size()) + " tensors, the config needs " +
                                            std::to_string(expected),
                             "the checkpoint is damaged or was written for another configuration");
        ck.params.resize(static_cast<Eigen::Index>(total));
        if (has_optim) {
            ck.adam_m.resize(static_cast<Eigen::Index>(total));
            ck.adam_v.resize(static_cast<Eigen::Index>(total));
        }
        auto fill = [&](const std::string& name, const model::ParamInfo& p, Vec<float>& dst, bool positive) {
            const formats::StTensor* t = f.find(name);
            if (!t) throw InputError("tensor \"" + name + "\"", "is missing", "re-save the checkpoint");
            if (t->shape != p.shape) {
                std::string want, got;
                for (auto s : p.shape) want += (want.empty() ? "" : "x") + std::to_string(s);
                for (auto s : t->shape) got += (got.empty() ? "" : "x") + std::to_string(s);
                throw InputError("tensor \"" + name + "\".shape", "is " + got + ", the config needs " + want,
                                 "the checkpoint does not match its own config; re-save it");
            }
            for (std::size_t i = 0; i < p.size; ++i) {
                const float v = t->values[i];
                if (!std::isfinite(v) || (positive && v < 0))
                    throw InputError("tensor \"" + name + "\"[" + std::to_string(i) + "]",
                                     std::isfinite(v) ? "is negative" : "is not finite",
                                     "the model diverged or the file is damaged; retrain with a lower --lr");
                dst(static_cast<Eigen::Index>(p.offset + i)) = v;
            }
        };
        for (const auto& p : layout.tensors()) {
            fill(p.name, p, ck.params, false);
            if (has_optim) {
                fill("optim.m." + p.name, p, ck.adam_m, false);
                fill("optim.v." + p.name, p, ck.adam_v, true);
            }
        }
        return ck;
    } catch (const InputError& e) {
        if (!e.info().file.empty()) throw;
        throw e.with_file(file);
    }
}

}  // namespace attnscope::training
