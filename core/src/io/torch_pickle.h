#pragma once
/// @file torch_pickle.h
/// A small reader of the files Python's torch.save writes (zip: data.pkl + data/N storages) for
/// the one thing LibTorch's pickle_load cannot give back: a state_dict (its OrderedDict comes
/// back as None there). It runs the pickle opcodes of protocols 2-4 on plain values, rebuilds
/// tensors from their storages (float16/32/64), and never calls Python classes: a pickled module
/// (torch.save(model)) is reported by its class name. No torch headers.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace qm7::detail {

/// A tensor read from the file: its name in the state_dict, shape and values (row-major).
struct PickledTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    std::vector<double> values;
    std::string dtype; ///< float32, float64, float16
};

/// What a torch.save file holds.
struct TorchFileContents {
    enum class Kind {
        StateDict,     ///< a dict of tensors (tensors in the file's order)
        TorchScript,   ///< torch.jit.save: has code/ and constants.pkl; load it with torch::jit
        PickledModule, ///< torch.save(model): a Python class (className)
        Other          ///< something else (what says what)
    } kind = Kind::Other;
    std::vector<PickledTensor> tensors;
    std::string className; ///< the pickled class for PickledModule, e.g. __main__.Net
    std::string what;      ///< for Other: what the file holds, in words
};

/// Any file that is not a readable torch.save / torch.jit.save zip: what() says why.
class TorchFileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Reads a torch.save or torch.jit.save file from its bytes (checked as a zip first).
/// A dict holding a state_dict under "state_dict" or "model_state_dict" (a checkpoint) gives
/// that state_dict. Throws TorchFileError for anything unreadable.
TorchFileContents readTorchFile(const std::vector<char>& bytes);

} // namespace qm7::detail
