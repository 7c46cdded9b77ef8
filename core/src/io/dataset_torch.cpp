// Reading and writing dataset.pt: the only place that hands dataset bytes to LibTorch.
#include "qm7/io/dataset.h"

#include "qm7/util/atomic_file.h"
#include "io/zip_check.h"

#include <torch/torch.h>

#include <array>
#include <fstream>
#include <sstream>

namespace qm7 {

namespace {

constexpr std::array<const char*, 3> kSplits = {"train", "val", "test"};

std::vector<char> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DatasetError(path + ": file not found or not readable");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw DatasetError(path + ": read error");
    return bytes;
}

std::string legacyAdvice(const std::string& path) {
    return path +
           ": this is PyTorch's legacy (pre-1.6) file format, which LibTorch cannot read. "
           "Re-save it in the zip format with:\n  python3 -c \"import torch; "
           "torch.save(torch.load('" +
           path + "'), 'dataset_zip.pt')\"";
}

/// Checks the bytes before the unpickler sees them (it can crash on corrupted input).
void checkContainer(const std::vector<char>& bytes, const std::string& path) {
    if (bytes.empty())
        throw DatasetError(path + ": the file is empty");
    if (!detail::looksLikeZip(bytes)) {
        // Pickle protocol 2+ starts with 0x80; legacy torch.save files are plain pickles.
        if (static_cast<unsigned char>(bytes[0]) == 0x80)
            throw DatasetError(legacyAdvice(path));
        throw DatasetError(path + ": not a PyTorch file (expected the zip format that "
                                  "torch.save writes)");
    }
    std::vector<detail::ZipEntry> entries;
    try {
        entries = detail::checkZip(bytes);
    } catch (const std::exception& e) {
        throw DatasetError(path + ": " + e.what());
    }
    bool hasPickle = false;
    for (const auto& e : entries) {
        const std::string suffix = "/data.pkl";
        if (e.name.size() >= suffix.size() &&
            e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0)
            hasPickle = true;
    }
    if (!hasPickle)
        throw DatasetError(path + ": the archive has no data.pkl; it was not written by "
                                  "torch.save");
}

std::string shapeOf(const at::Tensor& t) {
    std::ostringstream s;
    s << "(";
    for (int64_t i = 0; i < t.dim(); ++i)
        s << (i ? ", " : "") << t.size(i);
    s << (t.dim() == 1 ? ",)" : ")");
    return s.str();
}

at::Tensor tensorAt(const c10::Dict<c10::IValue, c10::IValue>& dict, const std::string& key,
                    const std::string& path) {
    auto it = dict.find(c10::IValue(key));
    if (it == dict.end())
        throw DatasetError(path + ": the key '" + key +
                           "' is missing (a data set needs X_train, y_train, X_val, y_val, "
                           "X_test, y_test)");
    if (!it->value().isTensor())
        throw DatasetError(path + ": '" + key + "' is a " + it->value().tagKind() +
                           ", not a tensor");
    at::Tensor t = it->value().toTensor();
    if (!at::isFloatingType(t.scalar_type()) && !at::isIntegralType(t.scalar_type(), false))
        throw DatasetError(path + ": '" + key + "' has dtype " +
                           std::string(c10::toString(t.scalar_type())) +
                           "; expected float32 or float64");
    return t;
}

std::vector<float> toFloats(const at::Tensor& t) {
    at::Tensor c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

} // namespace

Dataset loadDataset(const std::string& path) {
    const std::vector<char> bytes = readBytes(path);
    checkContainer(bytes, path);

    c10::IValue root;
    try {
        root = torch::pickle_load(bytes);
    } catch (const std::exception& e) {
        std::string why = e.what();
        why = why.substr(0, why.find('\n'));
        throw DatasetError(path + ": the file could not be unpickled (" + why + ")");
    }
    if (!root.isGenericDict())
        throw DatasetError(path + ": holds a " + std::string(root.tagKind()) +
                           ", not a dict of tensors (save a dict: torch.save({'X_train': ..., "
                           "...}, path))");
    const auto dict = root.toGenericDict();

    Dataset data;
    data.source = path;
    std::array<Split*, 3> splits = {&data.train, &data.val, &data.test};
    int d = -1;
    for (std::size_t i = 0; i < kSplits.size(); ++i) {
        const std::string name = kSplits[i];
        const at::Tensor X = tensorAt(dict, "X_" + name, path);
        const at::Tensor y = tensorAt(dict, "y_" + name, path);
        if (X.dim() != 2)
            throw DatasetError(path + ": X_" + name + " has shape " + shapeOf(X) +
                               "; expected (n, d)");
        if (!(y.dim() == 1 || (y.dim() == 2 && y.size(1) == 1)))
            throw DatasetError(path + ": y_" + name + " has shape " + shapeOf(y) +
                               "; expected (n,) or (n, 1)");
        if (X.size(0) != y.size(0))
            throw DatasetError(path + ": X_" + name + " has " + std::to_string(X.size(0)) +
                               " rows but y_" + name + " has " + std::to_string(y.size(0)));
        if (X.size(0) == 0)
            throw DatasetError(path + ": the " + name + " split is empty");
        if (d >= 0 && X.size(1) != d)
            throw DatasetError(path + ": X_" + name + " has " + std::to_string(X.size(1)) +
                               " features but X_train has " + std::to_string(d) +
                               " (all splits need the same d)");
        d = static_cast<int>(X.size(1));
        if (i == 0)
            data.sourceDtype = X.scalar_type() == torch::kFloat32 ? "float32"
                               : X.scalar_type() == torch::kFloat64
                                   ? "float64"
                                   : c10::toString(X.scalar_type());
        splits[i]->X = toFloats(X);
        splits[i]->y = toFloats(y.reshape({-1}));
    }
    data.d = d;
    auto rep = dict.find(c10::IValue(std::string("representation")));
    if (rep != dict.end() && rep->value().isString())
        data.representation = rep->value().toStringRef();
    if (data.representation == "eigen") {
        data.atoms = d;
    } else {
        data.atoms = triangularAtoms(d);
        if (data.atoms < 0)
            throw DatasetError(path + ": d = " + std::to_string(d) +
                               " is not N(N+1)/2 for any N; expected the upper triangle of an "
                               "N x N Coulomb matrix (d = 276 for N = 23)");
    }
    validateDataset(data, path);
    return data;
}

void saveDataset(const Dataset& data, const std::string& path) {
    validateDataset(data, path);
    c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
    const std::array<const Split*, 3> splits = {&data.train, &data.val, &data.test};
    for (std::size_t i = 0; i < kSplits.size(); ++i) {
        const auto n = static_cast<int64_t>(splits[i]->rows());
        // from_blob does not own: clone so the dict holds its own storage.
        at::Tensor X =
            torch::from_blob(const_cast<float*>(splits[i]->X.data()), {n, data.d}, torch::kFloat32)
                .clone();
        at::Tensor y =
            torch::from_blob(const_cast<float*>(splits[i]->y.data()), {n}, torch::kFloat32).clone();
        dict.insert(std::string("X_") + kSplits[i], X);
        dict.insert(std::string("y_") + kSplits[i], y);
    }
    if (data.representation != "cm")
        dict.insert(std::string("representation"), data.representation);
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

} // namespace qm7
