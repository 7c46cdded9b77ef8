#pragma once
/// @file mat_test_writer.h
/// Writes small MATLAB v5 files with libmatio for the qm7.mat reader tests.

#include "qm7/chem/molecule.h"

#include <matio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qm7::test {

/// One variable to write: dims (MATLAB order) and column-major values.
struct MatVariable {
    std::string name;
    std::vector<std::size_t> dims;
    std::vector<double> values;
    matio_classes type = MAT_C_SINGLE; ///< MAT_C_SINGLE, MAT_C_DOUBLE or MAT_C_INT64
};

/// Writes the variables to a .mat file (zlib-compressed or not); returns false on failure.
inline bool writeMat(const std::string& path, const std::vector<MatVariable>& variables,
                     bool compressed = true) {
    mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
    if (!mat)
        return false;
    bool ok = true;
    for (const MatVariable& v : variables) {
        std::vector<float> f(v.values.begin(), v.values.end());
        std::vector<double> d(v.values.begin(), v.values.end());
        std::vector<std::int64_t> i(v.values.begin(), v.values.end());
        void* data = v.type == MAT_C_SINGLE   ? static_cast<void*>(f.data())
                     : v.type == MAT_C_DOUBLE ? static_cast<void*>(d.data())
                                              : static_cast<void*>(i.data());
        const matio_types t = v.type == MAT_C_SINGLE   ? MAT_T_SINGLE
                              : v.type == MAT_C_DOUBLE ? MAT_T_DOUBLE
                                                       : MAT_T_INT64;
        std::vector<std::size_t> dims = v.dims;
        matvar_t* var = Mat_VarCreate(v.name.c_str(), v.type, t, static_cast<int>(dims.size()),
                                      dims.data(), data, 0);
        if (!var) {
            ok = false;
            continue;
        }
        ok =
            Mat_VarWrite(mat, var, compressed ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE) == 0 &&
            ok;
        Mat_VarFree(var);
    }
    Mat_Close(mat);
    return ok;
}

/// The variables of a qm7.mat layout for the given molecules (padding N, k folds).
inline std::vector<MatVariable> qm7Variables(const std::vector<Molecule>& molecules, int N,
                                             int folds) {
    const std::size_t n = molecules.size();
    const auto un = static_cast<std::size_t>(N);
    MatVariable T{"T", {1, n}, std::vector<double>(n)};
    MatVariable Z{"Z", {n, un}, std::vector<double>(n * un, 0.0)};
    MatVariable R{"R", {n, un, 3}, std::vector<double>(n * un * 3, 0.0)};
    for (std::size_t i = 0; i < n; ++i) {
        T.values[i] = molecules[i].energy;
        for (std::size_t a = 0; a < molecules[i].Z.size() && a < un; ++a) {
            Z.values[i + n * a] = molecules[i].Z[a];
            for (std::size_t c = 0; c < 3; ++c)
                R.values[i + n * a + n * un * c] = molecules[i].R[3 * a + c];
        }
    }
    std::vector<MatVariable> vars = {T, Z, R};
    if (folds > 0) {
        const std::size_t m = n / static_cast<std::size_t>(folds);
        MatVariable P{"P", {static_cast<std::size_t>(folds), m}, {}, MAT_C_INT64};
        P.values.resize(static_cast<std::size_t>(folds) * m);
        for (std::size_t f = 0; f < static_cast<std::size_t>(folds); ++f)
            for (std::size_t j = 0; j < m; ++j)
                P.values[f + folds * j] = static_cast<double>(f * m + j);
        vars.push_back(P);
    }
    return vars;
}

} // namespace qm7::test
