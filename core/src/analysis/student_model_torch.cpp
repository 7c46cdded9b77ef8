// The one place a student's TorchScript file meets torch::jit.
#include "analysis/student_torchscript.h"

#include "qm7/analysis/student_model.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <sstream>

namespace qm7::detail {

namespace {

std::string firstLine(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

} // namespace

struct TorchScriptModel::Impl {
    mutable torch::jit::script::Module module;
    std::string path;
    at::ScalarType dtype = at::kFloat;
    int d = -1;
    std::string summary;
};

TorchScriptModel::TorchScriptModel(const std::string& path) : m_impl(std::make_unique<Impl>()) {
    m_impl->path = path;
    try {
        m_impl->module = torch::jit::load(path, torch::kCPU);
        m_impl->module.eval();
    } catch (const std::exception& e) {
        throw StudentModelError(path + ": TorchScript could not be loaded (" + firstLine(e.what()) +
                                ")");
    }
    std::ostringstream s;
    int count = 0;
    for (const auto& p : m_impl->module.named_parameters(true)) {
        if (count == 0)
            m_impl->dtype = p.value.scalar_type();
        if (p.value.dim() == 2 && m_impl->d < 0)
            m_impl->d = static_cast<int>(p.value.size(1));
        s << (count ? ", " : "") << "[";
        for (int64_t k = 0; k < p.value.dim(); ++k)
            s << (k ? ", " : "") << p.value.size(k);
        s << "]";
        ++count;
    }
    m_impl->summary =
        std::to_string(count) + " parameter tensors" + (count ? ": " + s.str() : std::string());
}

TorchScriptModel::~TorchScriptModel() = default;

int TorchScriptModel::inputDim() const {
    return m_impl->d;
}
std::string TorchScriptModel::summary() const {
    return m_impl->summary;
}

std::vector<double> TorchScriptModel::forward(const std::vector<float>& X, int d) const {
    const auto n = static_cast<int64_t>(X.size()) / d;
    torch::NoGradGuard noGrad;
    at::Tensor out;
    try {
        at::Tensor in = torch::from_blob(const_cast<float*>(X.data()), {n, d}, torch::kFloat32)
                            .to(m_impl->dtype);
        c10::IValue r = m_impl->module.forward({in});
        if (!r.isTensor())
            throw StudentModelError(m_impl->path + ": the module's forward returns a " +
                                    r.tagKind() + ", not a tensor");
        out = r.toTensor().to(torch::kFloat64).contiguous();
    } catch (const StudentModelError&) {
        throw;
    } catch (const std::exception& e) {
        throw StudentModelError(m_impl->path + ": the TorchScript module failed on " +
                                std::to_string(n) + " rows of " + std::to_string(d) +
                                " features (" + firstLine(e.what()) + ")");
    }
    if (out.numel() != n)
        throw StudentModelError(m_impl->path + ": the module returns " +
                                std::to_string(out.numel()) + " values for " + std::to_string(n) +
                                " rows; expected one energy per row");
    return std::vector<double>(out.data_ptr<double>(), out.data_ptr<double>() + n);
}

} // namespace qm7::detail
