#pragma once
/// @file dataset.h
/// The course split (train/val/test), loading and saving `dataset.pt`, validation, label scaling.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace qm7 {

/// One split of the data set: n rows of d features (row-major) and n labels in kcal/mol.
struct Split {
    std::vector<float> X; ///< n * d features, row-major
    std::vector<float> y; ///< n labels (atomization energies, kcal/mol)
    std::size_t rows() const { return y.size(); }
};

/// The course data set: three splits sharing the feature width d.
struct Dataset {
    Split train, val, test;
    int d = 0;                           ///< features per row
    int atoms = 0;                       ///< N with d = N(N+1)/2 (or d = N for eigenspectra)
    std::string representation = "cm";   ///< cm, sorted, eigen, random-sorted
    std::string sourceDtype = "float32"; ///< dtype of X in the file that was read
    std::string source;                  ///< where it came from (a path, or "demo")
};

/// Every failure to read or validate a data set; what() names the file and the problem.
class DatasetError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Reads a `dataset.pt` as Python's `torch.save` writes it (a dict of tensors, zip format).
/// Accepts float32/float64, y of shape (n,) or (n, 1). Throws DatasetError with a clear message.
Dataset loadDataset(const std::string& path);

/// Writes a data set in the homework's format (loadable by Python's torch.load), atomically.
void saveDataset(const Dataset& data, const std::string& path);

/// Checks sizes, finiteness and shapes; throws DatasetError naming `what` (usually the path).
void validateDataset(const Dataset& data, const std::string& what);

/// N with d = N(N+1)/2, or -1 when d is not triangular.
int triangularAtoms(int d);

/// Summary statistics of a set of labels.
struct LabelStats {
    std::size_t n = 0;
    double mean = 0, std = 0, min = 0, max = 0;
};
LabelStats labelStats(const std::vector<float>& y);

/// Label normalization with the train mean and std, kept to unnormalize.
struct LabelScaler {
    double mean = 0.0;
    double std = 1.0;
    /// Mean and (population) standard deviation of the given labels.
    static LabelScaler fit(const std::vector<float>& y);
    float normalize(float v) const { return static_cast<float>((v - mean) / std); }
    float unnormalize(float v) const { return static_cast<float>(v * std + mean); }
    std::vector<float> normalize(const std::vector<float>& v) const;
    std::vector<float> unnormalize(const std::vector<float>& v) const;
};

} // namespace qm7
