// Sorted matrices and eigenspectra rebuilt from the upper triangles of a data set's rows.
#include "qm7/chem/dataset_representation.h"

#include "qm7/chem/augmentation.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

namespace qm7 {

namespace {

/// Why one row is not the upper triangle of a Coulomb matrix, or "".
std::string rowRefusal(const float* row, int n) {
    std::size_t k = 0;
    for (int i = 0; i < n; ++i) {
        const bool padding = row[k] == 0.0f;
        for (int j = i; j < n; ++j, ++k) {
            if (row[k] < 0.0f)
                return "it has a negative entry, which a Coulomb matrix never has (the features "
                       "look standardized or transformed)";
            if (padding && row[k] != 0.0f)
                return "a zero diagonal entry (padding) has nonzero entries in its row";
        }
    }
    return "";
}

const Split* splits(const Dataset& data, int k) {
    return k == 0 ? &data.train : k == 1 ? &data.val : &data.test;
}

/// The atoms of a matrix: the indices with a nonzero diagonal.
std::vector<int> atomsOf(const std::vector<double>& m, int n) {
    std::vector<int> atoms;
    for (int i = 0; i < n; ++i)
        if (m[static_cast<std::size_t>(i) * n + i] != 0.0)
            atoms.push_back(i);
    return atoms;
}

std::vector<double> sortedRow(const std::vector<double>& m, int n) {
    std::vector<double> norms(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int j = 0; j < n; ++j)
            s += m[static_cast<std::size_t>(i) * n + j] * m[static_cast<std::size_t>(i) * n + j];
        norms[static_cast<std::size_t>(i)] = std::sqrt(s);
    }
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (norms[a] != norms[b])
            return norms[a] > norms[b];
        return m[static_cast<std::size_t>(a) * n + a] > m[static_cast<std::size_t>(b) * n + b];
    });
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(n) * (n + 1) / 2);
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j)
            out.push_back(m[static_cast<std::size_t>(order[i]) * n + order[j]]);
    return out;
}

std::vector<double> eigenRow(const std::vector<double>& m, int n) {
    const std::vector<int> atoms = atomsOf(m, n);
    const auto k = atoms.size();
    std::vector<double> values;
    if (k > 0) {
        std::vector<double> block(k * k);
        for (std::size_t a = 0; a < k; ++a)
            for (std::size_t b = 0; b < k; ++b)
                block[a * k + b] = m[static_cast<std::size_t>(atoms[a]) * n + atoms[b]];
        gsl_matrix_view view = gsl_matrix_view_array(block.data(), k, k);
        std::unique_ptr<gsl_vector, decltype(&gsl_vector_free)> eval(gsl_vector_alloc(k),
                                                                     gsl_vector_free);
        std::unique_ptr<gsl_eigen_symm_workspace, decltype(&gsl_eigen_symm_free)> work(
            gsl_eigen_symm_alloc(k), gsl_eigen_symm_free);
        if (!eval || !work)
            throw std::bad_alloc();
        if (gsl_eigen_symm(&view.matrix, eval.get(), work.get()) != 0)
            throw DatasetError("the eigenvalues of a Coulomb matrix did not converge");
        for (std::size_t i = 0; i < k; ++i)
            values.push_back(gsl_vector_get(eval.get(), i));
        std::stable_sort(values.begin(), values.end(), [](double a, double b) {
            if (std::fabs(a) != std::fabs(b))
                return std::fabs(a) > std::fabs(b);
            return a > b;
        });
    }
    values.resize(static_cast<std::size_t>(n), 0.0);
    return values;
}

} // namespace

std::vector<double> matrixFromUpperTriangle(const float* row, int d) {
    const int n = triangularAtoms(d);
    if (n < 1)
        throw DatasetError("rows of " + std::to_string(d) +
                           " features are not the upper triangle of a square matrix (n(n+1)/2 "
                           "features for n atoms, e.g. 276 for 23)");
    std::vector<double> m(static_cast<std::size_t>(n) * n);
    std::size_t k = 0;
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j, ++k) {
            m[static_cast<std::size_t>(i) * n + j] = row[k];
            m[static_cast<std::size_t>(j) * n + i] = row[k];
        }
    return m;
}

std::string representationRefusal(const Dataset& data, Representation kind) {
    const std::string want = representationName(kind);
    const std::string have = data.representation.empty() ? "cm" : data.representation;
    if (want == have)
        return "";
    if (kind == Representation::BagOfBonds)
        return "a Bag of Bonds is built from molecules (an XYZ file, a qm7.mat or the demo), "
               "not from a data set's rows: build it with qm7 build-dataset --representation bob";
    // A sorted matrix is a permutation of the original: its eigenspectrum and its random
    // sortings are those of the original.
    const bool fromSorted = have == "sorted" && (kind == Representation::Eigenspectrum ||
                                                 kind == Representation::RandomSorted);
    if (have != "cm" && !fromSorted)
        return "the data holds " + have + " features, from which " + want +
               " cannot be rebuilt: load the data set again (its Coulomb matrices)";
    if (kind == Representation::CoulombMatrix)
        return "";
    if (triangularAtoms(data.d) < 1)
        return "rows of d = " + std::to_string(data.d) +
               " features are not the upper triangle of a Coulomb matrix (n(n+1)/2 features for "
               "n atoms, e.g. 276 for 23): only the features as they are (Coulomb matrix) can "
               "be used";
    const int n = triangularAtoms(data.d);
    const auto d = static_cast<std::size_t>(data.d);
    const char* names[3] = {"training", "validation", "test"};
    for (int s = 0; s < 3; ++s) {
        const Split& split = *splits(data, s);
        if (split.X.size() != split.rows() * d)
            return std::string("the ") + names[s] + " rows do not hold " + std::to_string(d) +
                   " features each";
        for (std::size_t r = 0; r < split.rows(); ++r) {
            const std::string why = rowRefusal(split.X.data() + r * d, n);
            if (!why.empty())
                return std::string(names[s]) + " row " + std::to_string(r + 1) +
                       " is not the upper triangle of a Coulomb matrix: " + why;
        }
    }
    if (kind == Representation::RandomSorted && !(coulombScaleOf(data) > 0))
        return "randomly sorted matrices add noise to the row norms in atomic units, and the "
               "diagonal entries of these rows are not 0.5 Z^2.4 of whole nuclear charges times "
               "one scale: open the molecules (.xyz, qm7.mat or the demo) for this "
               "representation, or choose Coulomb matrix, sorted or eigenspectrum";
    return "";
}

double coulombScaleOf(const Dataset& data) {
    const int n = triangularAtoms(data.d);
    if (n < 1 || data.train.rows() == 0)
        return 0.0;
    const auto d = static_cast<std::size_t>(data.d);
    std::vector<float> diagonal;
    for (std::size_t r = 0; r < data.train.rows(); ++r) {
        std::size_t k = 0;
        for (int i = 0; i < n; ++i) {
            const float v = data.train.X[r * d + k];
            if (v > 0.0f)
                diagonal.push_back(v);
            k += static_cast<std::size_t>(n - i);
        }
    }
    std::sort(diagonal.begin(), diagonal.end());
    diagonal.erase(std::unique(diagonal.begin(), diagonal.end()), diagonal.end());
    if (diagonal.empty())
        return 0.0;
    for (int z = 1; z <= 100; ++z) {
        const double scale = 0.5 * std::pow(z, 2.4) / diagonal.back();
        bool whole = true;
        for (float v : diagonal) {
            const double charge = std::pow(2.0 * scale * v, 1.0 / 2.4);
            if (std::fabs(charge - std::round(charge)) > 1e-3 || std::round(charge) < 1) {
                whole = false;
                break;
            }
        }
        if (whole)
            return std::fabs(scale - 1.0) < 1e-6 ? 1.0 : scale;
    }
    return 0.0;
}

RepresentedData representData(const Dataset& data, Representation kind, double sigma) {
    RepresentedData out;
    if (kind != Representation::RandomSorted ||
        data.representation == representationName(Representation::RandomSorted)) {
        out.data = representDataset(data, kind);
        return out;
    }
    const std::string why = representationRefusal(data, kind);
    if (!why.empty())
        throw DatasetError(why);
    auto draws = std::make_shared<const RandomSortedAugmentation>(data, sigma);
    out.data.d = data.d;
    out.data.atoms = triangularAtoms(data.d);
    out.data.representation = representationName(kind);
    out.data.sourceDtype = data.sourceDtype;
    out.data.source = data.source;
    // The stored rows: one draw (the trainer draws afresh every epoch).
    const SplitKind kinds[3] = {SplitKind::Train, SplitKind::Val, SplitKind::Test};
    for (int s = 0; s < 3; ++s) {
        Split& to = s == 0 ? out.data.train : s == 1 ? out.data.val : out.data.test;
        draws->draw(kinds[s], 0, to.X);
        to.y = splits(data, s)->y;
    }
    out.augmentation = std::move(draws);
    return out;
}

Dataset representDataset(const Dataset& data, Representation kind) {
    const std::string why = representationRefusal(data, kind);
    if (!why.empty())
        throw DatasetError(why);
    const std::string have = data.representation.empty() ? "cm" : data.representation;
    if (representationName(kind) == have)
        return data;
    if (kind == Representation::RandomSorted)
        return representData(data, kind).data;
    const int n = triangularAtoms(data.d);
    const auto d = static_cast<std::size_t>(data.d);
    const int outD = featureSize(kind, n);
    Dataset out;
    out.d = outD;
    out.atoms = n;
    out.representation = representationName(kind);
    out.sourceDtype = data.sourceDtype;
    out.source = data.source;
    std::vector<std::vector<double>> rows[3];
    for (int s = 0; s < 3; ++s) {
        const Split& split = *splits(data, s);
        for (std::size_t r = 0; r < split.rows(); ++r) {
            const std::vector<double> m = matrixFromUpperTriangle(split.X.data() + r * d, data.d);
            rows[s].push_back(kind == Representation::Sorted ? sortedRow(m, n) : eigenRow(m, n));
        }
    }
    // The builder divides all rows by their largest absolute training entry: rows scaled so
    // (largest entry 1) get their eigenspectra scaled the same way.
    double scale = 1.0;
    if (kind == Representation::Eigenspectrum) {
        float largestIn = 0.0f;
        for (float v : data.train.X)
            largestIn = std::max(largestIn, std::fabs(v));
        double largestOut = 0.0;
        for (const auto& row : rows[0])
            for (double v : row)
                largestOut = std::max(largestOut, std::fabs(v));
        if (std::fabs(largestIn - 1.0f) <= 1e-6f && largestOut > 0)
            scale = largestOut;
    }
    for (int s = 0; s < 3; ++s) {
        const Split& from = *splits(data, s);
        Split& to = s == 0 ? out.train : s == 1 ? out.val : out.test;
        to.y = from.y;
        to.X.reserve(from.rows() * static_cast<std::size_t>(outD));
        for (const auto& row : rows[s])
            for (double v : row)
                to.X.push_back(static_cast<float>(v / scale));
    }
    return out;
}

} // namespace qm7
