// The invariant network (SchNet-like) in LibTorch: layout of its flat weights, padded batches,
// forward pass, Adam training with checkpoints, prediction, model.pt.
#include "qm7/analysis/invariant_net.h"

#include "io/zip_check.h"
#include "qm7/util/atomic_file.h"
#include "qm7/util/rng.h"
#include "train/deep_checkpoint.h"
#include "train/random.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace qm7 {

namespace {

using Clock = std::chrono::steady_clock;

/// One named tensor inside the flat weight vector.
struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    int64_t offset = 0;
    int64_t numel() const {
        int64_t n = 1;
        for (int64_t s : shape)
            n *= s;
        return n;
    }
};

/// The weights of an architecture, in order; forward reads them by position.
struct Layout {
    std::vector<Entry> entries;
    int64_t size = 0;
    void add(const std::string& name, std::vector<int64_t> shape) {
        entries.push_back({name, std::move(shape), size});
        size += entries.back().numel();
    }
};

Layout layoutOf(const InvariantConfig& c, int elements) {
    const int64_t F = c.features, K = c.basis;
    Layout l;
    l.add("embedding", {elements, F});
    for (int t = 0; t < c.interactions; ++t) {
        const std::string p = "interactions." + std::to_string(t) + ".";
        l.add(p + "filter1.weight", {F, K});
        l.add(p + "filter1.bias", {F});
        l.add(p + "filter2.weight", {F, F});
        l.add(p + "filter2.bias", {F});
        l.add(p + "input.weight", {F, F});
        l.add(p + "output1.weight", {F, F});
        l.add(p + "output1.bias", {F});
        l.add(p + "output2.weight", {F, F});
        l.add(p + "output2.bias", {F});
    }
    l.add("readout1.weight", {F / 2, F});
    l.add("readout1.bias", {F / 2});
    l.add("readout2.weight", {1, F / 2});
    l.add("readout2.bias", {1});
    return l;
}

/// Embedding rows ~ N(0, 1), weights ~ N(0, 1/fan-in), biases 0.
std::vector<float> initialWeights(const Layout& l, std::uint64_t seed) {
    std::vector<float> p(static_cast<std::size_t>(l.size), 0.0f);
    Rng rng(detail::streamSeed(seed, 11));
    for (const Entry& e : l.entries) {
        if (e.shape.size() != 2)
            continue;
        const double sd = e.name == "embedding" ? 1.0 : 1.0 / std::sqrt(double(e.shape[1]));
        for (int64_t i = 0; i < e.numel(); ++i)
            p[static_cast<std::size_t>(e.offset + i)] = static_cast<float>(sd * rng.normal());
    }
    return p;
}

void shuffle(std::vector<int>& v, Rng& rng) {
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[rng.below(i)]);
}

/// Shifted softplus, SchNet's activation: smooth, 0 at 0.
at::Tensor ssp(const at::Tensor& x) {
    return torch::softplus(x) - std::log(2.0);
}

/// Molecules padded to the largest of the batch; mask 1 for real atoms.
struct Batch {
    at::Tensor species, pos, mask;
};

Batch batchOf(const std::vector<const Molecule*>& ms, const std::vector<int>& elements,
              torch::Dtype dtype) {
    const auto B = static_cast<int64_t>(ms.size());
    int64_t N = 1;
    for (const Molecule* m : ms)
        N = std::max<int64_t>(N, m->atoms());
    at::Tensor species = torch::zeros({B, N}, torch::kLong);
    at::Tensor pos = torch::zeros({B, N, 3}, torch::kFloat64);
    at::Tensor mask = torch::zeros({B, N}, torch::kFloat64);
    auto s = species.accessor<int64_t, 2>();
    auto p = pos.accessor<double, 3>();
    auto k = mask.accessor<double, 2>();
    for (int64_t b = 0; b < B; ++b) {
        const Molecule& m = *ms[static_cast<std::size_t>(b)];
        for (int i = 0; i < m.atoms(); ++i) {
            const auto at = std::lower_bound(elements.begin(), elements.end(), m.Z[i]);
            s[b][i] = at - elements.begin();
            for (int x = 0; x < 3; ++x)
                p[b][i][x] = m.R[static_cast<std::size_t>(3 * i + x)];
            k[b][i] = 1.0;
        }
    }
    return {species, pos.to(dtype), mask.to(dtype)};
}

/// The network's summed output per molecule (B).
at::Tensor forward(const at::Tensor& flat, const Layout& l, const InvariantConfig& c,
                   const Batch& batch) {
    std::size_t next = 0;
    auto w = [&]() {
        const Entry& e = l.entries[next++];
        return flat.narrow(0, e.offset, e.numel()).view(e.shape);
    };
    const int64_t B = batch.pos.size(0), N = batch.pos.size(1), F = c.features;
    const auto opts = batch.pos.options();
    at::Tensor x = w().index_select(0, batch.species.reshape({-1})).view({B, N, F});
    const at::Tensor diff = batch.pos.unsqueeze(2) - batch.pos.unsqueeze(1); // B,N,N,3
    const at::Tensor pair =
        batch.mask.unsqueeze(2) * batch.mask.unsqueeze(1) * (1 - torch::eye(N, opts)).unsqueeze(0);
    // Masked pairs (an atom with itself, padding) get 1 added so that sqrt stays differentiable.
    const at::Tensor d = torch::sqrt((diff * diff).sum(-1) + (1 - pair));
    const at::Tensor centres = torch::linspace(0.0, c.cutoff, c.basis, opts);
    const double spacing = c.cutoff / std::max(1, c.basis - 1);
    const at::Tensor rbf =
        torch::exp(-0.5 / (spacing * spacing) * (d.unsqueeze(-1) - centres).pow(2)); // B,N,N,K
    const at::Tensor cut =
        (0.5 * (torch::cos(d * (M_PI / c.cutoff)) + 1)) * (d < c.cutoff).to(opts.dtype()) * pair;
    for (int t = 0; t < c.interactions; ++t) {
        const at::Tensor f1w = w(), f1b = w(), f2w = w(), f2b = w(), in = w();
        const at::Tensor o1w = w(), o1b = w(), o2w = w(), o2b = w();
        const at::Tensor filter =
            at::linear(ssp(at::linear(rbf, f1w, f1b)), f2w, f2b) * cut.unsqueeze(-1); // B,N,N,F
        const at::Tensor v = at::linear(x, in);                                       // B,N,F
        const at::Tensor message = (filter * v.unsqueeze(1)).sum(2); // m_i = sum_j W_ij v_j
        x = x + at::linear(ssp(at::linear(message, o1w, o1b)), o2w, o2b);
    }
    const at::Tensor r1w = w(), r1b = w(), r2w = w(), r2b = w();
    const at::Tensor atomwise = at::linear(ssp(at::linear(x, r1w, r1b)), r2w, r2b).squeeze(-1);
    return (atomwise * batch.mask).sum(1);
}

/// The reference energy of a molecule: the sum of its atoms' per-element energies.
double referenceOf(const InvariantModel& m, const Molecule& mol) {
    double e = 0;
    for (int z : mol.Z) {
        const auto at = std::lower_bound(m.elements.begin(), m.elements.end(), z);
        e += m.reference[static_cast<std::size_t>(at - m.elements.begin())];
    }
    return e;
}

/// Per-element energies by least squares on the molecules' element counts (a tiny ridge keeps
/// the system solvable), and the standard deviation of the residuals. Energy is extensive: the
/// residual is about ten times smaller than the energies' spread, and the network learns it.
void fitReference(InvariantModel& m, const std::vector<const Molecule*>& ms) {
    const std::size_t E = m.elements.size();
    std::vector<double> A(E * E, 0.0), b(E, 0.0);
    for (const Molecule* mol : ms) {
        std::vector<double> count(E, 0.0);
        for (int z : mol->Z)
            count[static_cast<std::size_t>(
                std::lower_bound(m.elements.begin(), m.elements.end(), z) - m.elements.begin())] +=
                1;
        for (std::size_t i = 0; i < E; ++i) {
            b[i] += count[i] * mol->energy;
            for (std::size_t j = 0; j < E; ++j)
                A[i * E + j] += count[i] * count[j];
        }
    }
    for (std::size_t i = 0; i < E; ++i)
        A[i * E + i] += 1e-6 * (1.0 + A[i * E + i]);
    // Gaussian elimination with partial pivoting (E is 5 for QM7).
    for (std::size_t col = 0; col < E; ++col) {
        std::size_t piv = col;
        for (std::size_t r = col + 1; r < E; ++r)
            if (std::abs(A[r * E + col]) > std::abs(A[piv * E + col]))
                piv = r;
        for (std::size_t k = 0; k < E; ++k)
            std::swap(A[col * E + k], A[piv * E + k]);
        std::swap(b[col], b[piv]);
        for (std::size_t r = col + 1; r < E; ++r) {
            const double f = A[r * E + col] / A[col * E + col];
            for (std::size_t k = col; k < E; ++k)
                A[r * E + k] -= f * A[col * E + k];
            b[r] -= f * b[col];
        }
    }
    m.reference.assign(E, 0.0);
    for (std::size_t i = E; i-- > 0;) {
        double s = b[i];
        for (std::size_t k = i + 1; k < E; ++k)
            s -= A[i * E + k] * m.reference[k];
        m.reference[i] = s / A[i * E + i];
    }
    double ss = 0;
    for (const Molecule* mol : ms) {
        const double r = mol->energy - referenceOf(m, *mol);
        ss += r * r;
    }
    m.scale = ms.empty() ? 1.0 : std::sqrt(ss / double(ms.size()));
    if (!(m.scale > 1e-9))
        m.scale = 1.0;
}

std::vector<const Molecule*> pointers(const std::vector<Molecule>& ms) {
    std::vector<const Molecule*> p;
    p.reserve(ms.size());
    for (const Molecule& m : ms)
        p.push_back(&m);
    return p;
}

void checkMolecules(const InvariantModel& model, const std::vector<Molecule>& ms,
                    const std::string& what) {
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const std::string why = whyInvariantCannotTake(model, ms[i]);
        if (!why.empty())
            throw std::invalid_argument(what + " molecule " + std::to_string(i + 1) +
                                        (ms[i].name.empty() ? "" : " (" + ms[i].name + ")") + ": " +
                                        why);
    }
}

/// Summed network outputs of molecules, in chunks, without gradients.
std::vector<double> outputs(const at::Tensor& flat, const Layout& l, const InvariantConfig& c,
                            const std::vector<int>& elements,
                            const std::vector<const Molecule*>& ms) {
    torch::NoGradGuard noGrad;
    std::vector<double> out;
    out.reserve(ms.size());
    constexpr std::size_t kChunk = 128;
    for (std::size_t i0 = 0; i0 < ms.size(); i0 += kChunk) {
        const std::vector<const Molecule*> part(
            ms.begin() + static_cast<long>(i0),
            ms.begin() + static_cast<long>(std::min(ms.size(), i0 + kChunk)));
        const at::Tensor y =
            forward(flat, l, c, batchOf(part, elements, flat.scalar_type())).to(torch::kFloat64);
        const auto a = y.accessor<double, 1>();
        for (int64_t i = 0; i < y.size(0); ++i)
            out.push_back(a[i]);
    }
    return out;
}

std::string checkpointKey(const InvariantConfig& c, const InvariantModel& m) {
    std::ostringstream k;
    k.precision(17);
    k << "invariant F=" << c.features << " T=" << c.interactions << " K=" << c.basis
      << " rc=" << c.cutoff << " epochs=" << c.epochs << " batch=" << c.batchSize << " lr=" << c.lr
      << " lrFinal=" << c.lrFinal << " seed=" << c.seed << " n=" << c.trainSize
      << " every=" << c.evalEvery << " elements=";
    for (int z : m.elements)
        k << z << ",";
    return k.str();
}

/// Restores torch's thread count when training ends.
struct TorchThreadsGuard {
    int saved = at::get_num_threads();
    explicit TorchThreadsGuard(int threads) { at::set_num_threads(threads > 0 ? threads : 1); }
    ~TorchThreadsGuard() { at::set_num_threads(saved); }
};

at::Tensor tensorOf(std::vector<float>& v) {
    return torch::from_blob(v.data(), {static_cast<int64_t>(v.size())}, torch::kFloat32);
}

} // namespace

std::string InvariantConfig::validate() const {
    std::ostringstream why;
    if (features < 2 || features > 4096)
        why << "features " << features << " must be between 2 and 4096";
    else if (interactions < 1 || interactions > 20)
        why << "interaction layers " << interactions << " must be between 1 and 20";
    else if (basis < 2 || basis > 1000)
        why << "radial basis functions " << basis << " must be between 2 and 1000";
    else if (!(cutoff > 0.5) || !(cutoff <= 100))
        why << "cutoff " << cutoff << " Bohr must be > 0.5 and <= 100";
    else if (epochs < 1 || epochs > 1000000)
        why << "epochs " << epochs << " must be between 1 and 1000000";
    else if (steps < 0)
        why << "steps " << steps << " must be 0 (no cap) or positive";
    else if (batchSize < 1 || batchSize > 100000)
        why << "batch size " << batchSize << " must be between 1 and 100000";
    else if (!(lr > 0) || !(lr <= 10) || !(lrFinal > 0) || !(lrFinal <= lr))
        why << "learning rates " << lr << " -> " << lrFinal << " must satisfy 0 < final <= start"
            << " <= 10";
    else if (evalEvery < 1)
        why << "evaluation interval " << evalEvery << " must be at least 1 epoch";
    else if (trainSize < 0)
        why << "training size " << trainSize << " must be 0 (all) or positive";
    return why.str();
}

std::string whyInvariantCannotTake(const InvariantModel& model, const Molecule& molecule) {
    if (molecule.R.size() != 3 * molecule.Z.size())
        return "it has " + std::to_string(molecule.R.size()) + " coordinates for " +
               std::to_string(molecule.Z.size()) + " atoms";
    for (double r : molecule.R)
        if (!std::isfinite(r))
            return "a coordinate is not a number";
    // The network has no atom limit: only the element and coincident-atom checks apply.
    return whyModelCannotTake(molecule, model.elements, 1 << 30);
}

InvariantResult trainInvariant(const MoleculeSplits& splits, const InvariantConfig& config,
                               const DeepOptions& options) {
    const std::string why = config.validate();
    if (!why.empty())
        throw std::invalid_argument(why);
    const int available = static_cast<int>(splits.train.size());
    if (available < 1)
        throw std::invalid_argument("the invariant network needs training molecules");
    if (config.trainSize > available)
        throw std::invalid_argument("training size " + std::to_string(config.trainSize) +
                                    " exceeds the " + std::to_string(available) +
                                    " training molecules");
    const auto start = Clock::now();
    const TorchThreadsGuard threadsGuard(options.threads);

    InvariantModel model;
    model.config = config;
    {
        // QM7's elements always (a small training subset may lack sulfur), plus any others
        // the training molecules hold.
        std::set<int> z{1, 6, 7, 8, 16};
        for (const Molecule& m : splits.train)
            z.insert(m.Z.begin(), m.Z.end());
        model.elements.assign(z.begin(), z.end());
    }
    checkMolecules(model, splits.train, "training");
    checkMolecules(model, splits.val, "validation");
    checkMolecules(model, splits.test, "test");
    const std::vector<int> rows = trainingRows(available, config.trainSize, config.seed);
    std::vector<const Molecule*> used;
    for (int r : rows)
        used.push_back(&splits.train[static_cast<std::size_t>(r)]);
    fitReference(model, used);
    const auto targetOf = [&](const Molecule& m) {
        return (m.energy - referenceOf(model, m)) / model.scale;
    };
    const std::vector<const Molecule*> val = pointers(splits.val);
    std::vector<double> valTarget;
    for (const Molecule* m : val)
        valTarget.push_back(targetOf(*m));

    const Layout layout = layoutOf(config, static_cast<int>(model.elements.size()));
    const auto B = static_cast<std::size_t>(config.batchSize);
    const long long perEpoch = static_cast<long long>((rows.size() + B - 1) / B);
    const long long total = perEpoch * config.epochs;
    const long long last = config.steps > 0 ? std::min(config.steps, total) : total;

    detail::DeepState st;
    st.key = checkpointKey(config, model);
    bool resumed = false;
    if (!options.checkpoint.empty() && std::filesystem::exists(options.checkpoint))
        resumed = detail::readCheckpoint(options.checkpoint, st);
    if (resumed && (st.params.size() != static_cast<std::size_t>(layout.size) ||
                    st.m.size() != st.params.size() || st.v.size() != st.params.size()))
        throw std::runtime_error(options.checkpoint + ": the checkpoint's weights do not fit "
                                                      "the network; delete it to start afresh");
    if (!resumed) {
        st.params = initialWeights(layout, config.seed);
        st.m.assign(st.params.size(), 0.0f);
        st.v.assign(st.params.size(), 0.0f);
    }
    // The tensors share st's memory: st always holds the current state for a checkpoint.
    const at::Tensor flat = tensorOf(st.params).requires_grad_(true);
    const at::Tensor m1 = tensorOf(st.m), m2 = tensorOf(st.v);

    const double secondsBefore = st.seconds;
    auto seconds = [&] {
        return secondsBefore + std::chrono::duration<double>(Clock::now() - start).count();
    };
    auto lastCheckpoint = Clock::now();
    auto save = [&] {
        if (options.checkpoint.empty())
            return;
        st.seconds = seconds();
        detail::writeCheckpoint(options.checkpoint, st);
        lastCheckpoint = Clock::now();
    };
    auto cancelled = [&] { return options.control && options.control->cancel.load(); };
    auto evaluate = [&] {
        DeepStats s;
        s.step = st.step;
        s.batchLoss = st.lossCount ? st.lossSum / double(st.lossCount) : NAN;
        st.lossSum = 0;
        st.lossCount = 0;
        if (!val.empty()) {
            const std::vector<double> out = outputs(flat, layout, config, model.elements, val);
            double sse = 0, sae = 0;
            for (std::size_t i = 0; i < out.size(); ++i) {
                const double e = out[i] - valTarget[i];
                sse += e * e;
                sae += std::abs(e);
            }
            s.valLoss = sse / double(out.size());
            s.valRmse = std::sqrt(s.valLoss) * model.scale;
            s.valMae = sae / double(out.size()) * model.scale;
        }
        s.seconds = seconds();
        st.history.push_back(s);
        if (val.empty() || s.valLoss < st.bestVal) {
            st.bestVal = s.valLoss;
            st.bestStep = st.step;
            st.best = st.params;
        }
        if (options.observer)
            options.observer->onEval(s);
    };

    std::vector<int> order, batchOrder;
    long long orderEpoch = -1;
    std::vector<const Molecule*> batch;
    std::vector<double> target;
    while (st.step < last && !cancelled()) {
        while (options.control && options.control->pause.load() && !cancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (cancelled())
            break;
        const long long epoch = st.step / perEpoch;
        if (epoch != orderEpoch) { // each epoch visits every molecule once, in a seeded order
            order = rows;
            Rng rng(Rng::mix(config.seed, 3, static_cast<std::uint64_t>(epoch)));
            shuffle(order, rng);
            // Batches of molecules of similar size waste less padding: each run of 16 batches
            // is sorted by atom count, then the batches are visited in a random order.
            const std::size_t run = 16 * B;
            for (std::size_t r0 = 0; r0 < order.size(); r0 += run)
                std::stable_sort(order.begin() + static_cast<long>(r0),
                                 order.begin() +
                                     static_cast<long>(std::min(order.size(), r0 + run)),
                                 [&](int a, int b) {
                                     return splits.train[static_cast<std::size_t>(a)].atoms() <
                                            splits.train[static_cast<std::size_t>(b)].atoms();
                                 });
            batchOrder.resize(static_cast<std::size_t>(perEpoch));
            std::iota(batchOrder.begin(), batchOrder.end(), 0);
            shuffle(batchOrder, rng);
            orderEpoch = epoch;
        }
        const std::size_t b0 =
            static_cast<std::size_t>(batchOrder[static_cast<std::size_t>(st.step % perEpoch)]) * B;
        batch.clear();
        target.clear();
        for (std::size_t i = b0; i < std::min(order.size(), b0 + B); ++i) {
            const Molecule& m = splits.train[static_cast<std::size_t>(order[i])];
            batch.push_back(&m);
            target.push_back(targetOf(m));
        }
        const at::Tensor y = torch::tensor(target, torch::kFloat64).to(torch::kFloat32);
        const at::Tensor pred =
            forward(flat, layout, config, batchOf(batch, model.elements, torch::kFloat32));
        const at::Tensor loss = (pred - y).pow(2).mean();
        if (flat.grad().defined())
            flat.mutable_grad().zero_();
        loss.backward();
        const double lossValue = loss.item<double>();
        {
            torch::NoGradGuard noGrad;
            const at::Tensor g = flat.grad();
            const double rate =
                config.lr * std::pow(config.lrFinal / config.lr, double(st.step) / double(total));
            const double t = double(st.step + 1), b1 = 0.9, b2 = 0.999;
            m1.mul_(b1).add_(g, 1 - b1);
            m2.mul_(b2).addcmul_(g, g, 1 - b2);
            const at::Tensor denom = (m2 / (1 - std::pow(b2, t))).sqrt_().add_(1e-8);
            flat.addcdiv_(m1, denom, -rate / (1 - std::pow(b1, t)));
        }
        st.lossSum += lossValue;
        ++st.lossCount;
        ++st.step;
        if (!std::isfinite(lossValue))
            break; // diverged: the NaN weights are tested and the fold shows as failed
        if ((st.step % perEpoch == 0 && (st.step / perEpoch) % config.evalEvery == 0) ||
            st.step == last)
            evaluate();
        if (options.observer && (st.step % 20 == 0 || st.step == last))
            options.observer->onProgress(st.step, last, seconds());
        if (std::chrono::duration<double>(Clock::now() - lastCheckpoint).count() >=
            options.checkpointSeconds)
            save();
    }

    InvariantResult res;
    res.config = config;
    res.resumed = resumed;
    res.stepsDone = st.step;
    res.stepsPerEpoch = perEpoch;
    res.trainRows = static_cast<int>(rows.size());
    res.cancelled = st.step < last && cancelled();
    if (st.best.empty() && st.step > 0)
        evaluate(); // stopped before the first validation: test the weights as they are
    save();
    res.history = st.history;
    res.bestStep = st.bestStep;
    res.select = options.select;
    const bool final = options.select == DeepSelect::Final || st.best.empty();
    model.params = final ? st.params : st.best;
    res.selectedStep = final ? st.step : st.bestStep;
    res.model = model;
    if (!splits.test.empty() && st.step > 0) {
        const std::vector<double> pred = predictInvariant(model, splits.test);
        for (std::size_t i = 0; i < pred.size(); ++i) {
            res.testTrue.push_back(static_cast<float>(splits.test[i].energy));
            res.testPred.push_back(static_cast<float>(pred[i]));
        }
        res.test = computeMetrics(res.testTrue, res.testPred);
    }
    res.seconds = seconds();
    return res;
}

std::vector<double> predictInvariant(const InvariantModel& model,
                                     const std::vector<Molecule>& molecules) {
    const Layout layout = layoutOf(model.config, static_cast<int>(model.elements.size()));
    if (model.params.size() != static_cast<std::size_t>(layout.size) ||
        model.reference.size() != model.elements.size())
        throw std::invalid_argument("invariant network: the weights do not fit its architecture");
    checkMolecules(model, molecules, "");
    std::vector<float> params = model.params;
    const at::Tensor flat = tensorOf(params).to(torch::kFloat64);
    const std::vector<double> out =
        outputs(flat, layout, model.config, model.elements, pointers(molecules));
    std::vector<double> energy(out.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        energy[i] = referenceOf(model, molecules[i]) + model.scale * out[i];
    return energy;
}

double invariantLoss(const InvariantModel& model, const std::vector<double>& params,
                     const std::vector<Molecule>& molecules, std::vector<double>* gradient) {
    const Layout layout = layoutOf(model.config, static_cast<int>(model.elements.size()));
    if (params.size() != static_cast<std::size_t>(layout.size))
        throw std::invalid_argument("invariant network: the weights do not fit its architecture");
    checkMolecules(model, molecules, "");
    std::vector<double> target;
    for (const Molecule& m : molecules)
        target.push_back((m.energy - referenceOf(model, m)) / model.scale);
    const at::Tensor flat =
        torch::tensor(params, torch::kFloat64).requires_grad_(gradient != nullptr);
    const at::Tensor pred = forward(flat, layout, model.config,
                                    batchOf(pointers(molecules), model.elements, torch::kFloat64));
    const at::Tensor loss = (pred - torch::tensor(target, torch::kFloat64)).pow(2).mean();
    if (gradient) {
        loss.backward();
        const at::Tensor g = flat.grad().contiguous();
        gradient->assign(g.data_ptr<double>(), g.data_ptr<double>() + g.numel());
    }
    return loss.item<double>();
}

void saveInvariantRun(const InvariantResult& run, const std::string& dir) {
    std::filesystem::create_directories(dir);
    saveInvariantModel(run.model, (std::filesystem::path(dir) / "model.pt").string());
    std::ostringstream h;
    h.precision(9);
    h << "step,epoch,batch_loss,val_mse,val_rmse_kcal_mol,val_mae_kcal_mol,seconds\n";
    for (const DeepStats& s : run.history)
        h << s.step << ',' << double(s.step) / double(std::max(1LL, run.stepsPerEpoch)) << ','
          << s.batchLoss << ',' << s.valLoss << ',' << s.valRmse << ',' << s.valMae << ','
          << s.seconds << '\n';
    writeFileAtomically((std::filesystem::path(dir) / "history.csv").string(), h.str());
}

void saveInvariantModel(const InvariantModel& m, const std::string& path) {
    const Layout layout = layoutOf(m.config, static_cast<int>(m.elements.size()));
    if (m.params.size() != static_cast<std::size_t>(layout.size))
        throw std::invalid_argument("invariant network: the weights do not fit its architecture");
    std::vector<float> params = m.params;
    const at::Tensor flat = tensorOf(params);
    c10::Dict<std::string, at::Tensor> dict;
    for (const Entry& e : layout.entries)
        dict.insert(e.name, flat.narrow(0, e.offset, e.numel()).view(e.shape).clone());
    std::vector<int64_t> z(m.elements.begin(), m.elements.end());
    dict.insert("elements", torch::tensor(z, torch::kLong));
    dict.insert("reference", torch::tensor(m.reference, torch::kFloat64));
    dict.insert("scale", torch::tensor(m.scale, torch::kFloat64));
    dict.insert("cutoff", torch::tensor(m.config.cutoff, torch::kFloat64));
    dict.insert("basis", torch::tensor(static_cast<int64_t>(m.config.basis)));
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

InvariantModel loadInvariantModel(const std::string& path) {
    const std::string text = readFile(path);
    const std::vector<char> bytes(text.begin(), text.end());
    c10::IValue root;
    try {
        detail::checkZip(bytes);
        root = torch::pickle_load(bytes);
    } catch (const std::exception&) {
        throw std::runtime_error(path + ": not a model file written by qm7 or torch.save");
    }
    if (!root.isGenericDict())
        throw std::runtime_error(path + ": not a state_dict");
    const auto dict = root.toGenericDict();
    auto has = [&](const std::string& key) {
        const auto it = dict.find(c10::IValue(key));
        return it != dict.end() && it->value().isTensor();
    };
    auto get = [&](const std::string& key) {
        if (!has(key))
            throw std::runtime_error(path + ": the state_dict has no tensor '" + key +
                                     "' (not an invariant network)");
        return dict.at(c10::IValue(key)).toTensor();
    };
    InvariantModel m;
    const at::Tensor emb = get("embedding");
    if (emb.dim() != 2 || emb.size(0) < 1)
        throw std::runtime_error(path + ": 'embedding' is not elements x features");
    m.config.features = static_cast<int>(emb.size(1));
    m.config.basis = static_cast<int>(get("basis").item<int64_t>());
    m.config.cutoff = get("cutoff").item<double>();
    m.config.interactions = 0;
    while (has("interactions." + std::to_string(m.config.interactions) + ".filter1.weight"))
        ++m.config.interactions;
    const at::Tensor z = get("elements").to(torch::kLong).contiguous();
    m.elements.assign(z.data_ptr<int64_t>(), z.data_ptr<int64_t>() + z.numel());
    const at::Tensor ref = get("reference").to(torch::kFloat64).contiguous();
    m.reference.assign(ref.data_ptr<double>(), ref.data_ptr<double>() + ref.numel());
    m.scale = get("scale").item<double>();
    if (m.elements.size() != static_cast<std::size_t>(emb.size(0)) ||
        m.reference.size() != m.elements.size() ||
        !std::is_sorted(m.elements.begin(), m.elements.end()) || !(m.scale > 0) ||
        !std::isfinite(m.scale) || m.config.interactions < 1 || !m.config.validate().empty())
        throw std::runtime_error(path + ": the invariant network's elements, reference, scale or "
                                        "sizes are inconsistent");
    const Layout layout = layoutOf(m.config, static_cast<int>(m.elements.size()));
    m.params.reserve(static_cast<std::size_t>(layout.size));
    for (const Entry& e : layout.entries) {
        const at::Tensor t = get(e.name).to(torch::kFloat32).contiguous();
        if (t.sizes().vec() != e.shape)
            throw std::runtime_error(path + ": '" + e.name + "' has an unexpected shape");
        m.params.insert(m.params.end(), t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
    return m;
}

} // namespace qm7
