// Recognizing a student's state_dict and running it; TorchScript goes to student_model_torch.cpp.
#include "qm7/analysis/student_model.h"

#include "analysis/student_torchscript.h"
#include "io/torch_pickle.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

namespace qm7 {

namespace {

std::string shapeText(const std::vector<std::int64_t>& s) {
    std::string t = "[";
    for (std::size_t k = 0; k < s.size(); ++k)
        t += (k ? ", " : "") + std::to_string(s[k]);
    return t + "]";
}

/// The layer name of a parameter: "net.0.weight" -> "net.0".
std::string layerOf(const std::string& name) {
    const auto dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(0, dot);
}

} // namespace

std::string studentSaveAdvice() {
    return "torch.save(model.state_dict(), 'model.pt')  # or: "
           "torch.jit.save(torch.jit.script(model), 'model.pt')";
}

struct StudentModel::Impl {
    Kind kind = Kind::StateDict;
    std::string description;
    int d = -1, p = -1;
    std::vector<double> w1, b1, w2; // [p, d], [p], [p]
    double b2 = 0;
    std::unique_ptr<detail::TorchScriptModel> script;
};

StudentModel::StudentModel() : m_impl(std::make_unique<Impl>()) {}
StudentModel::~StudentModel() = default;
StudentModel::StudentModel(StudentModel&&) noexcept = default;
StudentModel& StudentModel::operator=(StudentModel&&) noexcept = default;

StudentModel StudentModel::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw StudentModelError(path + ": file not found or not readable");
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    detail::TorchFileContents c;
    try {
        c = detail::readTorchFile(bytes);
    } catch (const detail::TorchFileError& e) {
        throw StudentModelError(path + ": " + e.what());
    }
    StudentModel m;
    Impl& im = *m.m_impl;
    using K = detail::TorchFileContents::Kind;
    if (c.kind == K::TorchScript) {
        im.kind = Kind::TorchScript;
        im.script = std::make_unique<detail::TorchScriptModel>(path);
        im.d = im.script->inputDim();
        im.description = "TorchScript module (" + im.script->summary() + ")";
        return m;
    }
    if (c.kind == K::PickledModule)
        throw StudentModelError(
            path + ": a whole pickled module (" + c.className +
            ", saved with torch.save(model)): its Python class is needed to read it. Re-save it "
            "in the notebook with\n  " +
            studentSaveAdvice());
    if (c.kind == K::Other)
        throw StudentModelError(path + ": holds " + c.what +
                                ", not a model's state_dict. Save "
                                "the model with\n  " +
                                studentSaveAdvice());

    const auto& t = c.tensors;
    std::string found;
    for (std::size_t k = 0; k < t.size() && k < 8; ++k)
        found += (k ? ", " : "") + t[k].name + " " + shapeText(t[k].shape);
    if (t.size() > 8)
        found += ", ... (" + std::to_string(t.size()) + " tensors)";
    // Two Linear layers: [p, d], [p], [1, p], [1]; a class may register the output layer first.
    std::vector<const detail::PickledTensor*> order;
    auto fits = [](const detail::PickledTensor& W1, const detail::PickledTensor& B1,
                   const detail::PickledTensor& W2, const detail::PickledTensor& B2) {
        if (W1.shape.size() != 2 || B1.shape.size() != 1 || W2.shape.size() != 2 ||
            B2.shape.size() != 1)
            return false;
        const auto p = W1.shape[0];
        return p > 0 && W1.shape[1] > 0 && B1.shape[0] == p && W2.shape[0] == 1 &&
               W2.shape[1] == p && B2.shape[0] == 1;
    };
    if (t.size() == 4 && fits(t[0], t[1], t[2], t[3]))
        order = {&t[0], &t[1], &t[2], &t[3]};
    else if (t.size() == 4 && fits(t[2], t[3], t[0], t[1]))
        order = {&t[2], &t[3], &t[0], &t[1]};
    if (order.empty())
        throw StudentModelError(
            path +
            ": a state_dict, but not the homework's two Linear layers (expected shapes "
            "[p, d], [p], [1, p], [1]); found " +
            found +
            ". For another architecture save TorchScript: "
            "torch.jit.save(torch.jit.script(model), 'model.pt')");
    im.p = static_cast<int>(order[0]->shape[0]);
    im.d = static_cast<int>(order[0]->shape[1]);
    im.w1 = order[0]->values;
    im.b1 = order[1]->values;
    im.w2 = order[2]->values;
    im.b2 = order[3]->values[0];
    for (const auto* x : order)
        for (double v : x->values)
            if (!std::isfinite(v))
                throw StudentModelError(path + ": tensor " + x->name +
                                        " holds NaN or infinite values");
    std::ostringstream s;
    s << "state_dict: Linear " << im.d << "->" << im.p << ", ReLU, Linear " << im.p << "->1 ("
      << layerOf(order[0]->name) << ", " << layerOf(order[2]->name) << "; " << order[0]->dtype
      << ")";
    im.description = s.str();
    return m;
}

StudentModel::Kind StudentModel::kind() const {
    return m_impl->kind;
}
std::string StudentModel::description() const {
    return m_impl->description;
}
int StudentModel::inputDim() const {
    return m_impl->d;
}
int StudentModel::hidden() const {
    return m_impl->kind == Kind::StateDict ? m_impl->p : -1;
}

std::vector<double> StudentModel::forward(const std::vector<float>& X, int d) const {
    const Impl& im = *m_impl;
    if (d <= 0 || X.size() % static_cast<std::size_t>(d) != 0)
        throw StudentModelError("the rows do not have d features");
    if (im.d > 0 && im.d != d)
        throw StudentModelError("the model takes d = " + std::to_string(im.d) +
                                " features but the data has d = " + std::to_string(d) +
                                " (trained on another representation or padding?)");
    if (im.kind == Kind::TorchScript)
        return im.script->forward(X, d);
    const std::size_t n = X.size() / static_cast<std::size_t>(d);
    const auto D = static_cast<std::size_t>(d);
    const auto P = static_cast<std::size_t>(im.p);
    std::vector<double> out(n);
    // Float32 inputs, double sums: within float rounding of PyTorch's own forward pass.
    std::vector<double> x(D);
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t j = 0; j < D; ++j)
            x[j] = X[r * D + j];
        double y = im.b2;
        for (std::size_t i = 0; i < P; ++i) {
            const double* w = im.w1.data() + i * D;
            double h = im.b1[i];
            for (std::size_t j = 0; j < D; ++j)
                h += w[j] * x[j];
            if (h > 0)
                y += im.w2[i] * h;
        }
        out[r] = y;
    }
    return out;
}

} // namespace qm7
