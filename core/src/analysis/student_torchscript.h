#pragma once
/// @file student_torchscript.h
/// The TorchScript half of StudentModel: the one place that hands a student's file to
/// torch::jit (student_model_torch.cpp). No torch headers here.

#include <memory>
#include <string>
#include <vector>

namespace qm7::detail {

class TorchScriptModel {
  public:
    /// Loads a torch.jit.save file; throws StudentModelError with torch's first line.
    explicit TorchScriptModel(const std::string& path);
    ~TorchScriptModel();
    /// d from the first 2-D parameter (a Linear's [p, d] weight), else -1.
    int inputDim() const;
    /// The parameters' shapes in words, e.g. "3 Linear-like weights: [100, 276], [50, 100], [1,
    /// 50]".
    std::string summary() const;
    /// One output per row; throws StudentModelError when the module fails or its output does not
    /// have one value per row.
    std::vector<double> forward(const std::vector<float>& X, int d) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace qm7::detail
