#include "train/deep_checkpoint.h"

#include "qm7/util/atomic_file.h"

#include <cstring>
#include <sstream>
#include <stdexcept>

namespace qm7::detail {

namespace {

constexpr char kMagic[8] = {'Q', 'M', '7', 'D', 'E', 'E', 'P', '1'};

class Writer {
  public:
    template <typename T> void put(const T& v) {
        m_bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void put(const std::string& s) {
        put(static_cast<std::uint64_t>(s.size()));
        m_bytes += s;
    }
    void put(const std::vector<float>& v) {
        put(static_cast<std::uint64_t>(v.size()));
        m_bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    }
    std::string& bytes() { return m_bytes; }

  private:
    std::string m_bytes;
};

class Reader {
  public:
    Reader(const std::string& bytes, const std::string& path) : m_bytes(bytes), m_path(path) {}
    template <typename T> void get(T& v) {
        need(sizeof v);
        std::memcpy(&v, m_bytes.data() + m_at, sizeof v);
        m_at += sizeof v;
    }
    void get(std::string& s) {
        std::uint64_t n = 0;
        get(n);
        need(n);
        s.assign(m_bytes.data() + m_at, n);
        m_at += n;
    }
    void get(std::vector<float>& v) {
        std::uint64_t n = 0;
        get(n);
        need(n * sizeof(float));
        v.resize(n);
        std::memcpy(v.data(), m_bytes.data() + m_at, n * sizeof(float));
        m_at += n * sizeof(float);
    }

  private:
    void need(std::uint64_t n) const {
        if (n > m_bytes.size() - m_at)
            throw std::runtime_error(m_path + ": the checkpoint is truncated; delete it to start "
                                              "the run afresh");
    }
    const std::string& m_bytes;
    std::string m_path;
    std::size_t m_at = 0;
};

} // namespace

std::string checkpointKey(const DeepConfig& c, const DeepShape& s) {
    std::ostringstream k;
    k.precision(17);
    k << "d=" << s.d << " layers=";
    for (int w : c.layers)
        k << w << ",";
    k << " act=" << activationName(c.activation) << " opt=" << optimizerName(c.optimizer)
      << " batch=" << c.batchSize << " lr=" << c.lr << " avg=" << c.averageWeights
      << " scale=" << c.scaleBackprop << " seed=" << c.seed << " n=" << c.trainSize
      << " every=" << c.evalEvery << " draws=" << c.evalDraws;
    if (c.centerInputs) // only when on: the keys of runs without it stay as they were
        k << " center=1";
    if (c.weightDecay != 0.0) // likewise
        k << " wd=" << c.weightDecay;
    return k.str();
}

void writeCheckpoint(const std::string& path, const DeepState& st) {
    Writer w;
    w.bytes().append(kMagic, sizeof kMagic);
    w.put(st.key);
    w.put(st.step);
    w.put(st.seconds);
    w.put(st.bestVal);
    w.put(st.bestStep);
    w.put(st.lossSum);
    w.put(st.lossCount);
    w.put(static_cast<std::uint64_t>(st.history.size()));
    for (const DeepStats& h : st.history)
        w.put(h);
    for (const auto* v : {&st.params, &st.m, &st.v, &st.average, &st.best})
        w.put(*v);
    writeFileAtomically(path, w.bytes());
}

bool readCheckpoint(const std::string& path, DeepState& st) {
    const std::string bytes = readFile(path);
    if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        throw std::runtime_error(path + ": not a qm7 deep checkpoint");
    const std::string body = bytes.substr(sizeof kMagic);
    Reader r(body, path);
    DeepState s;
    r.get(s.key);
    if (s.key != st.key)
        return false;
    r.get(s.step);
    r.get(s.seconds);
    r.get(s.bestVal);
    r.get(s.bestStep);
    r.get(s.lossSum);
    r.get(s.lossCount);
    std::uint64_t n = 0;
    r.get(n);
    if (n > 100000000)
        throw std::runtime_error(path + ": the checkpoint is damaged");
    s.history.resize(n);
    for (DeepStats& h : s.history)
        r.get(h);
    for (auto* v : {&s.params, &s.m, &s.v, &s.average, &s.best})
        r.get(*v);
    if (s.params.empty())
        throw std::runtime_error(path + ": the checkpoint holds no weights");
    st = std::move(s);
    return true;
}

} // namespace qm7::detail
