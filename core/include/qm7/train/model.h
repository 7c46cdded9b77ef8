#pragma once
/// @file model.h
/// The network d -> p -> 1 with ReLU as a torch::nn module, initialized as PyTorch's nn.Linear.
/// This header includes torch: include it only in .cpp files that need torch.

#include "qm7/train/model_weights.h"

#include <torch/torch.h>

namespace qm7 {

/// f(x) = fc2(ReLU(fc1(x))), fc1: d -> p, fc2: p -> 1.
struct MlpImpl : torch::nn::Module {
    MlpImpl(int d, int hidden);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

/// A fresh model as `torch.manual_seed(seed); nn.Linear(d, p); nn.Linear(p, 1)` makes it.
Mlp makeMlp(int d, int hidden, std::uint64_t seed);

/// Copies weights out of / into a module.
ModelWeights weightsOf(Mlp& model);
void loadWeights(Mlp& model, const ModelWeights& weights);

} // namespace qm7
