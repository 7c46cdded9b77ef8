#include "qm7/chem/mat_reader.h"

#include <matio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

namespace qm7 {

namespace {

/// Largest element count a variable may have (guards against absurd allocations).
constexpr std::size_t kMaxElements = std::size_t(1) << 27;

/// matio reports through a global log function; keep its last message for our errors.
std::mutex& logMutex() {
    static std::mutex m;
    return m;
}
std::string& lastMatioMessage() {
    static std::string message;
    return message;
}
void matioLog(int level, char* message) {
    if ((level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL)) && message)
        lastMatioMessage() = message;
}
std::string matioDetail() {
    const std::string m = lastMatioMessage();
    return m.empty() ? std::string() : " (libmatio: " + m + ")";
}

struct MatCloser {
    void operator()(mat_t* mat) const { Mat_Close(mat); }
};
struct VarFreer {
    void operator()(matvar_t* var) const { Mat_VarFree(var); }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFreer>;

std::string shapeText(const matvar_t* var) {
    std::string s;
    for (int k = 0; k < var->rank; ++k)
        s += (k ? "x" : "") + std::to_string(var->dims[k]);
    return s.empty() ? "0" : s;
}

/// A numeric variable read whole and converted to double, with its dimensions.
struct Array {
    std::vector<std::size_t> dims;
    std::vector<double> values; ///< column-major (MATLAB order)
};

template <typename T> void convert(const void* data, std::size_t n, std::vector<double>& out) {
    out.resize(n);
    const T* p = static_cast<const T*>(data);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<double>(p[i]);
}

class Reader {
  public:
    Reader(std::string path, mat_t* mat) : m_path(std::move(path)), m_mat(mat) {}

    [[noreturn]] void fail(const std::string& problem, int molecule = 0) const {
        throw MoleculeError(m_path, molecule, 0, problem);
    }

    bool has(const std::string& name) const {
        return std::find(m_names.begin(), m_names.end(), name) != m_names.end();
    }

    void listVariables() {
        std::size_t n = 0;
        char** dir = Mat_GetDir(m_mat, &n);
        if (!dir)
            fail("cannot list the variables: truncated or damaged file" + matioDetail());
        for (std::size_t i = 0; i < n; ++i) {
            if (dir[i])
                m_names.emplace_back(dir[i]);
        }
        Mat_Rewind(m_mat);
    }

    std::string namesText() const {
        std::string s;
        for (const auto& n : m_names)
            s += (s.empty() ? "" : ", ") + n;
        return s.empty() ? "none" : s;
    }

    /// Reads a real numeric variable of the given rank (trailing singleton dims allowed).
    Array read(const std::string& name, int rank, const std::string& expected) {
        if (!has(name))
            fail("has no variable " + name + " (" + expected + "); its variables: " + namesText() +
                 " -- is this the official qm7.mat?");
        Mat_Rewind(m_mat);
        VarPtr info(Mat_VarReadInfo(m_mat, name.c_str()));
        if (!info)
            fail("cannot read variable " + name + ": truncated or damaged file" + matioDetail());
        checkInfo(info.get(), name, rank, expected);
        Mat_Rewind(m_mat);
        lastMatioMessage().clear();
        VarPtr var(Mat_VarRead(m_mat, name.c_str()));
        if (!var || !var->data || !lastMatioMessage().empty())
            fail("cannot read the data of variable " + name + ": truncated or damaged file" +
                 matioDetail());
        checkInfo(var.get(), name, rank, expected);
        Array a;
        std::size_t count = 1;
        for (int k = 0; k < var->rank; ++k) {
            a.dims.push_back(var->dims[k]);
            count *= var->dims[k];
        }
        while (static_cast<int>(a.dims.size()) < rank)
            a.dims.push_back(1);
        const std::size_t elementSize = Mat_SizeOfClass(var->class_type);
        if (elementSize == 0 || var->nbytes < count * elementSize)
            fail("variable " + name + " holds fewer bytes than its shape needs" + matioDetail());
        switch (var->class_type) {
        case MAT_C_DOUBLE:
            convert<double>(var->data, count, a.values);
            break;
        case MAT_C_SINGLE:
            convert<float>(var->data, count, a.values);
            break;
        case MAT_C_INT8:
            convert<std::int8_t>(var->data, count, a.values);
            break;
        case MAT_C_UINT8:
            convert<std::uint8_t>(var->data, count, a.values);
            break;
        case MAT_C_INT16:
            convert<std::int16_t>(var->data, count, a.values);
            break;
        case MAT_C_UINT16:
            convert<std::uint16_t>(var->data, count, a.values);
            break;
        case MAT_C_INT32:
            convert<std::int32_t>(var->data, count, a.values);
            break;
        case MAT_C_UINT32:
            convert<std::uint32_t>(var->data, count, a.values);
            break;
        case MAT_C_INT64:
            convert<std::int64_t>(var->data, count, a.values);
            break;
        case MAT_C_UINT64:
            convert<std::uint64_t>(var->data, count, a.values);
            break;
        default:
            fail("variable " + name + " is not a numeric array");
        }
        return a;
    }

  private:
    void checkInfo(const matvar_t* var, const std::string& name, int rank,
                   const std::string& expected) const {
        if (var->isComplex || var->class_type == MAT_C_SPARSE || var->class_type == MAT_C_CELL ||
            var->class_type == MAT_C_STRUCT || var->class_type == MAT_C_CHAR ||
            var->class_type == MAT_C_OBJECT || var->class_type == MAT_C_FUNCTION ||
            var->class_type == MAT_C_OPAQUE || var->class_type == MAT_C_EMPTY)
            fail("variable " + name + " is not a real numeric array (expected " + expected + ")");
        if (var->rank < 1 || !var->dims)
            fail("variable " + name + " has no shape (expected " + expected + ")");
        int effective = var->rank;
        while (effective > rank && var->dims[effective - 1] == 1)
            --effective;
        if (effective > rank)
            fail("variable " + name + " has shape " + shapeText(var) + " (expected " + expected +
                 ")");
        std::size_t count = 1;
        for (int k = 0; k < var->rank; ++k) {
            if (var->dims[k] == 0)
                fail("variable " + name + " is empty (shape " + shapeText(var) + ", expected " +
                     expected + ")");
            if (var->dims[k] > kMaxElements / count)
                fail("variable " + name + " is too large (shape " + shapeText(var) + ")");
            count *= var->dims[k];
        }
    }

    std::string m_path;
    mat_t* m_mat;
    std::vector<std::string> m_names;
};

bool isInteger(double v) {
    return std::isfinite(v) && v == std::floor(v);
}

} // namespace

MatData readQm7Mat(const std::string& path, const MatOptions& options) {
    // Tell a missing file from a damaged one before libmatio does.
    {
        std::ifstream probe(path, std::ios::binary);
        if (!probe)
            throw MoleculeError(path, 0, 0, std::string("cannot open: ") + std::strerror(errno));
    }
    std::lock_guard<std::mutex> lock(logMutex());
    Mat_LogInitFunc("qm7", matioLog);
    lastMatioMessage().clear();
    MatPtr mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
    if (!mat)
        throw MoleculeError(path, 0, 0,
                            "not a MATLAB .mat file, or its header is damaged" + matioDetail());
    Reader reader(path, mat.get());
    reader.listVariables();

    MatData data;
    const Array T = reader.read("T", 2, "atomization energies, 1 x n");
    if (T.dims[0] != 1 && T.dims[1] != 1)
        reader.fail("variable T has shape " + std::to_string(T.dims[0]) + "x" +
                    std::to_string(T.dims[1]) + " (expected 1 x n: atomization energies)");
    const std::size_t n = T.values.size();
    const Array Z = reader.read("Z", 2, "nuclear charges, n x N");
    if (Z.dims[0] != n)
        reader.fail("variable Z has " + std::to_string(Z.dims[0]) + " rows but T has " +
                    std::to_string(n) + " energies (expected Z: n x N)");
    const std::size_t N = Z.dims[1];
    data.paddedAtoms = static_cast<int>(N);
    const Array R = reader.read("R", 3, "coordinates in Bohr, n x N x 3");
    if (R.dims[0] != n || R.dims[1] != N || R.dims[2] != 3)
        reader.fail("variable R has shape " + std::to_string(R.dims[0]) + "x" +
                    std::to_string(R.dims[1]) + "x" + std::to_string(R.dims[2]) + " (expected " +
                    std::to_string(n) + "x" + std::to_string(N) + "x3, from T and Z)");
    if (options.readCoulomb) {
        const Array X = reader.read("X", 3, "Coulomb matrices, n x N x N");
        if (X.dims[0] != n || X.dims[1] != N || X.dims[2] != N)
            reader.fail("variable X has shape " + std::to_string(X.dims[0]) + "x" +
                        std::to_string(X.dims[1]) + "x" + std::to_string(X.dims[2]) +
                        " (expected " + std::to_string(n) + "x" + std::to_string(N) + "x" +
                        std::to_string(N) + ", from T and Z)");
        data.coulomb.resize(n * N * N);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t a = 0; a < N; ++a)
                for (std::size_t b = 0; b < N; ++b)
                    data.coulomb[(i * N + a) * N + b] =
                        static_cast<float>(X.values[i + n * a + n * N * b]);
    }

    data.molecules.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const int frame = static_cast<int>(i + 1);
        Molecule m;
        m.name = std::to_string(i);
        m.energy = T.values[i];
        if (!std::isfinite(m.energy))
            reader.fail("the energy T of this molecule is not finite", frame);
        for (std::size_t a = 0; a < N; ++a) {
            const double z = Z.values[i + n * a];
            if (!isInteger(z) || z < 0 || z > 118)
                reader.fail("nuclear charge Z of atom " + std::to_string(a + 1) + " is " +
                                std::to_string(z) + ", not an element",
                            frame);
            if (z == 0)
                continue; // padding
            m.Z.push_back(static_cast<int>(z));
            for (std::size_t c = 0; c < 3; ++c) {
                const double x = R.values[i + n * a + n * N * c];
                if (!std::isfinite(x))
                    reader.fail("coordinate of atom " + std::to_string(a + 1) + " is not finite",
                                frame);
                m.R.push_back(x);
            }
        }
        if (m.Z.empty())
            reader.fail("this molecule has no atoms (all Z are 0)", frame);
        const auto [a, b] = findCoincidentAtoms(m, options.minDistance);
        if (a >= 0)
            reader.fail("atoms " + std::to_string(a + 1) + " and " + std::to_string(b + 1) +
                            " are at the same place",
                        frame);
        data.molecules.push_back(std::move(m));
    }

    if (reader.has("P")) {
        const Array P = reader.read("P", 2, "cross-validation folds, k x m");
        const std::size_t k = P.dims[0], m = P.dims[1];
        data.folds.assign(k, {});
        for (std::size_t f = 0; f < k; ++f) {
            data.folds[f].reserve(m);
            for (std::size_t j = 0; j < m; ++j) {
                const double v = P.values[f + k * j];
                if (!isInteger(v) || v < 0 || v >= static_cast<double>(n))
                    reader.fail("fold " + std::to_string(f + 1) + " of variable P holds index " +
                                std::to_string(v) + ", outside 0.." + std::to_string(n - 1));
                data.folds[f].push_back(static_cast<int>(v));
            }
        }
    }
    return data;
}

} // namespace qm7
