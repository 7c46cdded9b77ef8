// The MLP as a torch module, its PyTorch-identical initialization, and model.pt files.
#include "qm7/train/model.h"

#include "qm7/util/atomic_file.h"
#include "qm7/train/model_init.h"
#include "qm7/train/run_store.h"
#include "io/zip_check.h"

#include <mutex>
#include <stdexcept>

namespace qm7 {

MlpImpl::MlpImpl(int d, int hidden) {
    fc1 = register_module("fc1", torch::nn::Linear(d, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, 1));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
    return fc2->forward(torch::relu(fc1->forward(x))).squeeze(-1);
}

Mlp makeMlp(int d, int hidden, std::uint64_t seed) {
    // nn.Linear draws from the global generator: serialize, so a seed always means one model.
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    torch::manual_seed(seed);
    return Mlp(d, hidden);
}

namespace {
std::vector<float> floats(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}
torch::Tensor tensor(const std::vector<float>& v, std::vector<int64_t> shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
}
} // namespace

ModelWeights weightsOf(Mlp& model) {
    ModelWeights w;
    w.d = static_cast<int>(model->fc1->weight.size(1));
    w.hidden = static_cast<int>(model->fc1->weight.size(0));
    w.w1 = floats(model->fc1->weight);
    w.b1 = floats(model->fc1->bias);
    w.w2 = floats(model->fc2->weight);
    w.b2 = floats(model->fc2->bias)[0];
    return w;
}

void loadWeights(Mlp& model, const ModelWeights& w) {
    torch::NoGradGuard noGrad;
    model->fc1->weight.copy_(tensor(w.w1, {w.hidden, w.d}));
    model->fc1->bias.copy_(tensor(w.b1, {w.hidden}));
    model->fc2->weight.copy_(tensor(w.w2, {1, w.hidden}));
    model->fc2->bias.fill_(w.b2);
}

ModelWeights initialWeights(int d, int hidden, std::uint64_t seed) {
    Mlp model = makeMlp(d, hidden, seed);
    return weightsOf(model);
}

void saveModel(const ModelWeights& w, const std::string& path) {
    // A plain dict of tensors: Python's torch.load returns it as a state_dict.
    c10::Dict<std::string, at::Tensor> dict;
    dict.insert("fc1.weight", tensor(w.w1, {w.hidden, w.d}));
    dict.insert("fc1.bias", tensor(w.b1, {w.hidden}));
    dict.insert("fc2.weight", tensor(w.w2, {1, w.hidden}));
    dict.insert("fc2.bias", torch::full({1}, w.b2));
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

ModelWeights loadModel(const std::string& path) {
    const std::string text = readFile(path);
    const std::vector<char> bytes(text.begin(), text.end());
    c10::IValue root;
    try {
        detail::checkZip(bytes); // the unpickler must not see corrupted bytes
        root = torch::pickle_load(bytes);
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": not a model file written by qm7 or torch.save");
    }
    if (!root.isGenericDict())
        throw std::runtime_error(path + ": not a state_dict");
    const auto dict = root.toGenericDict();
    auto get = [&](const std::string& key) {
        auto it = dict.find(c10::IValue(key));
        if (it == dict.end() || !it->value().isTensor())
            throw std::runtime_error(path + ": the state_dict has no tensor '" + key + "'");
        return it->value().toTensor();
    };
    const torch::Tensor w1 = get("fc1.weight"), b1 = get("fc1.bias"), w2 = get("fc2.weight"),
                        b2 = get("fc2.bias");
    if (w1.dim() != 2 || b1.numel() != w1.size(0) || w2.numel() != w1.size(0) || b2.numel() != 1)
        throw std::runtime_error(path + ": the tensors of the state_dict have unexpected shapes");
    ModelWeights w;
    w.hidden = static_cast<int>(w1.size(0));
    w.d = static_cast<int>(w1.size(1));
    w.w1 = floats(w1);
    w.b1 = floats(b1);
    w.w2 = floats(w2);
    w.b2 = floats(b2)[0];
    return w;
}

} // namespace qm7
