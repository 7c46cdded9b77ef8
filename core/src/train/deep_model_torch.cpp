// model.pt of a deep network: a state_dict that Python's torch.load reads.
#include "qm7/train/deep_trainer.h"

#include "io/zip_check.h"
#include "qm7/util/atomic_file.h"

#include <torch/torch.h>

#include <stdexcept>

namespace qm7 {

namespace {

at::Tensor tensorOf(const std::vector<float>& v, std::vector<int64_t> shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
}

std::vector<float> floatsOf(const at::Tensor& t) {
    const at::Tensor c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

} // namespace

void saveDeepModel(const DeepModel& m, const std::string& path) {
    c10::Dict<std::string, at::Tensor> dict;
    for (std::size_t l = 0; l < m.weights.size(); ++l) {
        const std::string key = "layers." + std::to_string(l);
        dict.insert(key + ".weight", tensorOf(m.weights[l], {m.fanOut(l), m.fanIn(l)}));
        dict.insert(key + ".bias", tensorOf(m.biases[l], {m.fanOut(l)}));
    }
    dict.insert("activation", torch::tensor(static_cast<int64_t>(m.activation)));
    dict.insert("label_mean", torch::tensor(m.scaler.mean, torch::kFloat64));
    dict.insert("label_std", torch::tensor(m.scaler.std, torch::kFloat64));
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

DeepModel loadDeepModel(const std::string& path) {
    const std::string text = readFile(path);
    const std::vector<char> bytes(text.begin(), text.end());
    c10::IValue root;
    try {
        detail::checkZip(bytes);
        root = torch::pickle_load(bytes);
    } catch (const std::exception&) {
        throw std::runtime_error(path + ": not a model file written by qm7 or torch.save");
    }
    if (!root.isGenericDict())
        throw std::runtime_error(path + ": not a state_dict");
    const auto dict = root.toGenericDict();
    auto find = [&](const std::string& key) -> const at::Tensor* {
        auto it = dict.find(c10::IValue(key));
        if (it == dict.end() || !it->value().isTensor())
            return nullptr;
        static thread_local at::Tensor held;
        held = it->value().toTensor();
        return &held;
    };
    auto get = [&](const std::string& key) {
        const at::Tensor* t = find(key);
        if (!t)
            throw std::runtime_error(path + ": the state_dict has no tensor '" + key + "'");
        return *t;
    };
    DeepModel m;
    for (std::size_t l = 0;; ++l) {
        const std::string key = "layers." + std::to_string(l);
        if (!find(key + ".weight"))
            break;
        const at::Tensor w = get(key + ".weight"), b = get(key + ".bias");
        if (w.dim() != 2 || b.numel() != w.size(0) ||
            (l > 0 && w.size(1) != static_cast<int64_t>(m.biases.back().size())))
            throw std::runtime_error(path + ": the tensors of '" + key +
                                     "' have unexpected shapes");
        if (l == 0)
            m.d = static_cast<int>(w.size(1));
        m.layers.push_back(static_cast<int>(w.size(0)));
        m.weights.push_back(floatsOf(w));
        m.biases.push_back(floatsOf(b));
    }
    if (m.weights.size() < 2 || m.layers.back() != 1)
        throw std::runtime_error(path + ": not a deep network (layers.0 ... layers.K, one output)");
    m.layers.pop_back(); // the output layer's width
    const int64_t act = get("activation").item<int64_t>();
    if (act < 0 || act > 2)
        throw std::runtime_error(path + ": unknown activation " + std::to_string(act));
    m.activation = static_cast<Activation>(act);
    m.scaler.mean = get("label_mean").item<double>();
    m.scaler.std = get("label_std").item<double>();
    return m;
}

} // namespace qm7
