#pragma once
/// @file student_model.h
/// A student's own PyTorch model, read from the file their notebook saved:
/// - a state_dict (torch.save(model.state_dict(), PATH)) of two Linear layers under any names,
///   recognized by shapes [p, d], [p], [1, p], [1] in that order; run as the homework's network
///   Linear -> ReLU -> Linear (a checkpoint dict holding it under "state_dict" or
///   "model_state_dict" works too);
/// - a TorchScript module (torch.jit.save of a scripted or traced module), of any architecture,
///   run through LibTorch.
/// A whole pickled module (torch.save(model)) is refused with the Python line that re-saves it.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace qm7 {

/// A file that cannot be read as a student's model: what() says why and what to do.
class StudentModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The Python lines that save a model the workbench reads (shown in messages and the README).
std::string studentSaveAdvice();

class StudentModel {
  public:
    enum class Kind { StateDict, TorchScript };

    /// Reads path; throws StudentModelError for anything it cannot run.
    static StudentModel load(const std::string& path);
    ~StudentModel();
    StudentModel(StudentModel&&) noexcept;
    StudentModel& operator=(StudentModel&&) noexcept;

    Kind kind() const;
    /// What was recognized, e.g. "state_dict: Linear 276->1000, ReLU, Linear 1000->1 (fc1, fc2)"
    /// or "TorchScript module".
    std::string description() const;
    /// d the model takes, or -1 when unknown before running it (TorchScript).
    int inputDim() const;
    /// The hidden width p of a state_dict, -1 for TorchScript.
    int hidden() const;
    /// The model's raw outputs for n rows of d features (row-major), in the units it was trained
    /// in. Throws StudentModelError when d does not fit or the module fails to run.
    std::vector<double> forward(const std::vector<float>& X, int d) const;

  private:
    StudentModel();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace qm7
