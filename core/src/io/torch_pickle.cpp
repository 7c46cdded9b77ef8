// The state_dict reader: a pickle machine for the opcodes torch.save emits, on plain values.
#include "io/torch_pickle.h"

#include "io/zip_check.h"

#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

namespace qm7::detail {

namespace {

struct Value;
using Ptr = std::shared_ptr<Value>;

struct Value {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        Str,
        Tuple,
        List,
        Dict,
        Global,
        Object,
        Storage,
        Tensor,
        Mark
    } kind = Kind::None;
    long long i = 0;
    double f = 0;
    std::string s;  ///< Str, Global (module.name), Object (class), Storage (key)
    std::string s2; ///< Storage: dtype
    std::vector<Ptr> items;
    std::vector<std::pair<Ptr, Ptr>> dict;
    bool module = false; ///< Object: built with _parameters/_modules (an nn.Module)
    // Tensor
    Ptr storage;
    long long offset = 0;
    std::vector<std::int64_t> shape, stride;
};

Ptr make(Value::Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
}

Ptr makeStr(Value::Kind k, std::string s) {
    auto v = make(k);
    v->s = std::move(s);
    return v;
}

constexpr std::size_t kMaxItems = 1u << 24; // a state_dict of a student's network is far below

class Machine {
  public:
    explicit Machine(std::string bytes) : m_b(std::move(bytes)) {}

    Ptr run() {
        for (;;) {
            const auto op = static_cast<unsigned char>(byte());
            switch (op) {
            case 0x80:
                byte();
                break; // PROTO
            case 0x95:
                take(8);
                break; // FRAME
            case '(':
                push(make(Value::Kind::Mark));
                break;
            case '.':
                if (m_stack.size() != 1)
                    fail("the pickle stops with a malformed stack");
                return m_stack.back();
            case '0':
                pop();
                break;
            case '1':
                popMark();
                break;
            case '2':
                push(top());
                break;
            case 'N':
                push(make(Value::Kind::None));
                break;
            case 0x88:
            case 0x89: {
                auto v = make(Value::Kind::Bool);
                v->i = op == 0x88;
                push(v);
                break;
            }
            case 'J':
                pushInt(static_cast<std::int32_t>(le(4)));
                break;
            case 'K':
                pushInt(static_cast<unsigned char>(byte()));
                break;
            case 'M':
                pushInt(static_cast<long long>(le(2)));
                break;
            case 0x8a:
                pushLong(static_cast<std::size_t>(static_cast<unsigned char>(byte())));
                break;
            case 0x8b:
                pushLong(static_cast<std::size_t>(le(4)));
                break;
            case 'G': {
                std::uint64_t u = 0;
                for (int k = 0; k < 8; ++k)
                    u = (u << 8) | static_cast<unsigned char>(byte());
                auto v = make(Value::Kind::Float);
                std::memcpy(&v->f, &u, 8);
                push(v);
                break;
            }
            case 'X':
                push(makeStr(Value::Kind::Str, take(le(4))));
                break;
            case 0x8c:
                push(makeStr(Value::Kind::Str, take(static_cast<unsigned char>(byte()))));
                break;
            case 0x8d:
                push(makeStr(Value::Kind::Str, take(le(8))));
                break;
            case 'T':
            case 'B':
                push(makeStr(Value::Kind::Str, take(le(4))));
                break;
            case 'U':
            case 'C':
                push(makeStr(Value::Kind::Str, take(static_cast<unsigned char>(byte()))));
                break;
            case 0x8e:
                push(makeStr(Value::Kind::Str, take(le(8))));
                break;
            case ')':
                push(make(Value::Kind::Tuple));
                break;
            case 0x85:
            case 0x86:
            case 0x87: {
                const std::size_t n = op - 0x84u;
                if (m_stack.size() < n)
                    fail("a tuple needs more values than the stack holds");
                auto t = make(Value::Kind::Tuple);
                t->items.assign(m_stack.end() - static_cast<long>(n), m_stack.end());
                m_stack.resize(m_stack.size() - n);
                push(t);
                break;
            }
            case 't': {
                auto t = make(Value::Kind::Tuple);
                t->items = popMark();
                push(t);
                break;
            }
            case ']':
                push(make(Value::Kind::List));
                break;
            case 'l': {
                auto t = make(Value::Kind::List);
                t->items = popMark();
                push(t);
                break;
            }
            case 'a': {
                Ptr v = pop();
                list(top())->items.push_back(v);
                grow(top()->items);
                break;
            }
            case 'e': {
                auto vs = popMark();
                Ptr l = list(top());
                l->items.insert(l->items.end(), vs.begin(), vs.end());
                grow(l->items);
                break;
            }
            case 0x8f:
                push(make(Value::Kind::List));
                break; // EMPTY_SET
            case 0x90: {
                auto vs = popMark();
                Ptr l = list(top()); // ADDITEMS
                l->items.insert(l->items.end(), vs.begin(), vs.end());
                grow(l->items);
                break;
            }
            case 0x91: {
                auto t = make(Value::Kind::List);
                t->items = popMark();
                push(t);
                break;
            }
            case '}':
                push(make(Value::Kind::Dict));
                break;
            case 'd': {
                auto d = make(Value::Kind::Dict);
                setItems(d, popMark());
                push(d);
                break;
            }
            case 's': {
                Ptr v = pop();
                Ptr k = pop();
                setItems(top(), {k, v});
                break;
            }
            case 'u': {
                auto kv = popMark();
                setItems(top(), kv);
                break;
            }
            case 'q':
                memo(static_cast<unsigned char>(byte()));
                break;
            case 'r':
                memo(le(4));
                break;
            case 0x94:
                memo(m_memo.size());
                break;
            case 'h':
                push(recall(static_cast<unsigned char>(byte())));
                break;
            case 'j':
                push(recall(le(4)));
                break;
            case 'c': {
                std::string module = line();
                std::string name = line();
                push(global(module, name));
                break;
            }
            case 0x93: {
                Ptr name = pop();
                Ptr module = pop();
                if (name->kind != Value::Kind::Str || module->kind != Value::Kind::Str)
                    fail("STACK_GLOBAL without a module and a name");
                push(global(module->s, name->s));
                break;
            }
            case 'Q':
                push(persistent(pop()));
                break;
            case 'R': {
                Ptr args = pop();
                Ptr fn = pop();
                push(reduce(fn, args));
                break;
            }
            case 0x81: {
                Ptr args = pop();
                Ptr cls = pop();
                push(object(cls));
                (void)args;
                break;
            }
            case 0x92: {
                pop();
                pop();
                Ptr cls = pop();
                push(object(cls));
                break;
            }
            case 'b': {
                Ptr state = pop();
                build(top(), state);
                break;
            }
            default: {
                std::ostringstream s;
                s << "unsupported pickle opcode 0x" << std::hex << static_cast<int>(op) << std::dec
                  << " at byte " << (m_at - 1) << " of data.pkl";
                fail(s.str());
            }
            }
        }
    }

    std::string foreignClass; ///< the first Python class (not a dict, tensor or storage) seen

  private:
    [[noreturn]] void fail(const std::string& why) const { throw TorchFileError(why); }

    char byte() {
        if (m_at >= m_b.size())
            fail("data.pkl ends in the middle of the pickle (truncated)");
        return m_b[m_at++];
    }
    std::string take(std::size_t n) {
        if (n > m_b.size() - m_at)
            fail("data.pkl ends in the middle of a value (truncated)");
        std::string s = m_b.substr(m_at, n);
        m_at += n;
        return s;
    }
    std::size_t le(int n) {
        std::uint64_t v = 0;
        for (int k = 0; k < n; ++k)
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(byte())) << (8 * k);
        return static_cast<std::size_t>(v);
    }
    std::string line() {
        const std::size_t end = m_b.find('\n', m_at);
        if (end == std::string::npos || end - m_at > 256)
            fail("a malformed GLOBAL in data.pkl");
        std::string s = m_b.substr(m_at, end - m_at);
        m_at = end + 1;
        return s;
    }
    void push(Ptr v) {
        if (m_stack.size() >= kMaxItems)
            fail("the pickle's stack grows without bound");
        m_stack.push_back(std::move(v));
    }
    Ptr pop() {
        if (m_stack.empty() || m_stack.back()->kind == Value::Kind::Mark)
            fail("the pickle pops an empty stack (corrupted data.pkl)");
        Ptr v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    Ptr top() {
        if (m_stack.empty())
            fail("the pickle reads an empty stack (corrupted data.pkl)");
        return m_stack.back();
    }
    std::vector<Ptr> popMark() {
        std::size_t k = m_stack.size();
        while (k > 0 && m_stack[k - 1]->kind != Value::Kind::Mark)
            --k;
        if (k == 0)
            fail("the pickle closes a mark it never opened (corrupted data.pkl)");
        std::vector<Ptr> vs(m_stack.begin() + static_cast<long>(k), m_stack.end());
        m_stack.resize(k - 1);
        return vs;
    }
    void pushInt(long long v) {
        auto p = make(Value::Kind::Int);
        p->i = v;
        push(p);
    }
    void pushLong(std::size_t n) {
        if (n > 8)
            fail("an integer too large for a tensor's shape");
        const std::string s = take(n);
        std::uint64_t u = 0;
        for (std::size_t k = 0; k < n; ++k)
            u |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[k])) << (8 * k);
        if (n > 0 && n < 8 && (static_cast<unsigned char>(s[n - 1]) & 0x80))
            u |= ~std::uint64_t{0} << (8 * n); // sign-extend
        pushInt(static_cast<long long>(u));
    }
    void grow(const std::vector<Ptr>& v) const {
        if (v.size() > kMaxItems)
            fail("a list in data.pkl grows without bound");
    }
    Ptr list(const Ptr& v) const {
        if (v->kind != Value::Kind::List)
            fail("APPEND to something that is not a list");
        return v;
    }
    void setItems(const Ptr& d, const std::vector<Ptr>& kv) const {
        if (kv.size() % 2)
            fail("a dict with a key and no value (corrupted data.pkl)");
        if (d->kind != Value::Kind::Dict) {
            if (d->kind == Value::Kind::Object)
                return; // items of a class we do not rebuild
            fail("SETITEM on something that is not a dict");
        }
        for (std::size_t k = 0; k < kv.size(); k += 2)
            d->dict.emplace_back(kv[k], kv[k + 1]);
        if (d->dict.size() > kMaxItems)
            fail("a dict in data.pkl grows without bound");
    }
    void memo(std::size_t key) {
        if (key > kMaxItems)
            fail("a memo index out of range (corrupted data.pkl)");
        m_memo[key] = top();
    }
    Ptr recall(std::size_t key) const {
        auto it = m_memo.find(key);
        if (it == m_memo.end())
            fail("the pickle recalls a value it never stored (corrupted)");
        return it->second;
    }
    Ptr global(const std::string& module, const std::string& name) {
        const std::string full = module + "." + name;
        const bool known = full == "collections.OrderedDict" || module == "torch._utils" ||
                           (module == "torch" && name.size() > 7 &&
                            name.compare(name.size() - 7, 7, "Storage") == 0) ||
                           module == "builtins" || module == "__builtin__" || module == "_codecs" ||
                           module == "torch" || module == "copyreg" ||
                           module == "torch.jit._pickle";
        if (!known && foreignClass.empty())
            foreignClass = full;
        return makeStr(Value::Kind::Global, full);
    }
    Ptr persistent(const Ptr& pid) const {
        // ('storage', storage_type, key, location, numel)
        if (pid->kind != Value::Kind::Tuple || pid->items.size() < 3 ||
            pid->items[0]->kind != Value::Kind::Str || pid->items[0]->s != "storage" ||
            pid->items[1]->kind != Value::Kind::Global || pid->items[2]->kind != Value::Kind::Str)
            fail("a persistent id that is not a tensor storage");
        auto st = makeStr(Value::Kind::Storage, pid->items[2]->s);
        const std::string& type = pid->items[1]->s;
        st->s2 = type == "torch.FloatStorage"    ? "float32"
                 : type == "torch.DoubleStorage" ? "float64"
                 : type == "torch.HalfStorage"   ? "float16"
                                                 : type;
        return st;
    }
    static std::vector<std::int64_t> ints(const Ptr& t, const char* what) {
        if (t->kind != Value::Kind::Tuple && t->kind != Value::Kind::List)
            throw TorchFileError(std::string("a tensor's ") + what + " is not a tuple");
        std::vector<std::int64_t> v;
        for (const Ptr& x : t->items) {
            if (x->kind != Value::Kind::Int || x->i < 0 || x->i > (1LL << 40))
                throw TorchFileError(std::string("a tensor's ") + what + " is not sizes");
            v.push_back(x->i);
        }
        return v;
    }
    Ptr reduce(const Ptr& fn, const Ptr& args) const {
        if (fn->kind != Value::Kind::Global) {
            if (fn->kind == Value::Kind::Object)
                return fn;
            fail("REDUCE of something that is not a callable");
        }
        if (args->kind != Value::Kind::Tuple)
            fail("REDUCE without an argument tuple");
        const auto& a = args->items;
        if (fn->s == "collections.OrderedDict")
            return make(Value::Kind::Dict);
        // LibTorch's own pickler (torch::pickle_save) wraps typed dicts and lists in this.
        if (fn->s == "torch.jit._pickle.restore_type_tag") {
            if (a.empty())
                fail("restore_type_tag without a value");
            return a[0];
        }
        if (fn->s == "torch._utils._rebuild_tensor_v2" || fn->s == "torch._utils._rebuild_tensor") {
            if (a.size() < 4 || a[0]->kind != Value::Kind::Storage ||
                a[1]->kind != Value::Kind::Int)
                fail("a tensor with malformed arguments");
            auto t = make(Value::Kind::Tensor);
            t->storage = a[0];
            t->offset = a[1]->i;
            t->shape = ints(a[2], "shape");
            t->stride = ints(a[3], "stride");
            if (t->shape.size() != t->stride.size() || t->offset < 0)
                fail("a tensor whose shape and strides disagree");
            return t;
        }
        if (fn->s == "torch._utils._rebuild_parameter" ||
            fn->s == "torch._utils._rebuild_parameter_with_state") {
            if (a.empty() || a[0]->kind != Value::Kind::Tensor)
                fail("a parameter without a tensor");
            return a[0];
        }
        return object(fn);
    }
    static Ptr object(const Ptr& cls) {
        auto o = makeStr(Value::Kind::Object, cls->kind == Value::Kind::Global ? cls->s : "?");
        return o;
    }
    static void build(const Ptr& obj, const Ptr& state) {
        if (obj->kind != Value::Kind::Object || state->kind != Value::Kind::Dict)
            return;
        for (const auto& [k, v] : state->dict)
            if (k->kind == Value::Kind::Str && (k->s == "_parameters" || k->s == "_modules"))
                obj->module = true;
    }

    const std::string m_b;
    std::size_t m_at = 0;
    std::vector<Ptr> m_stack;
    std::map<std::size_t, Ptr> m_memo;
};

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

float halfToFloat(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000u) << 16;
    std::uint32_t exp = (h >> 10) & 0x1Fu;
    std::uint32_t mant = h & 0x3FFu;
    std::uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal
            exp = 127 - 15 + 1;
            while (!(mant & 0x400u)) {
                mant <<= 1;
                --exp;
            }
            bits = sign | (exp << 23) | ((mant & 0x3FFu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

PickledTensor materialize(const std::string& name, const Value& t, const std::vector<char>& bytes,
                          const std::map<std::string, ZipEntry>& storages) {
    PickledTensor out;
    out.name = name;
    out.shape = t.shape;
    out.dtype = t.storage->s2;
    std::size_t elem = out.dtype == "float32"   ? 4
                       : out.dtype == "float64" ? 8
                       : out.dtype == "float16" ? 2
                                                : 0;
    if (elem == 0)
        throw TorchFileError("tensor '" + name + "' has storage type " + out.dtype +
                             "; expected float32, float64 or float16");
    auto it = storages.find(t.storage->s);
    if (it == storages.end())
        throw TorchFileError("tensor '" + name + "' names storage data/" + t.storage->s +
                             ", which the archive lacks");
    const ZipEntry& e = it->second;
    const std::size_t count = e.size / elem;
    // The largest element index the view reaches.
    std::size_t numel = 1, last = static_cast<std::size_t>(t.offset);
    for (std::size_t k = 0; k < t.shape.size(); ++k) {
        numel *= static_cast<std::size_t>(t.shape[k]);
        if (numel > kMaxItems * 64)
            throw TorchFileError("tensor '" + name + "' is too large");
        if (t.shape[k] > 0)
            last += static_cast<std::size_t>((t.shape[k] - 1) * t.stride[k]);
    }
    if (numel > 0 && last >= count)
        throw TorchFileError("tensor '" + name + "' reaches past the end of its storage");
    out.values.resize(numel);
    std::vector<std::int64_t> idx(t.shape.size(), 0);
    for (std::size_t n = 0; n < numel; ++n) {
        std::size_t at = static_cast<std::size_t>(t.offset);
        for (std::size_t k = 0; k < idx.size(); ++k)
            at += static_cast<std::size_t>(idx[k] * t.stride[k]);
        const char* p = bytes.data() + e.offset + at * elem;
        if (elem == 4) {
            float f;
            std::memcpy(&f, p, 4);
            out.values[n] = f;
        } else if (elem == 8) {
            std::memcpy(&out.values[n], p, 8);
        } else {
            std::uint16_t h;
            std::memcpy(&h, p, 2);
            out.values[n] = halfToFloat(h);
        }
        for (std::size_t k = idx.size(); k-- > 0;) {
            if (++idx[k] < t.shape[k])
                break;
            idx[k] = 0;
        }
    }
    return out;
}

std::string kindName(const Value& v) {
    switch (v.kind) {
    case Value::Kind::None:
        return "None";
    case Value::Kind::Bool:
        return "bool";
    case Value::Kind::Int:
        return "int";
    case Value::Kind::Float:
        return "float";
    case Value::Kind::Str:
        return "string";
    case Value::Kind::Tuple:
        return "tuple";
    case Value::Kind::List:
        return "list";
    case Value::Kind::Dict:
        return "dict";
    case Value::Kind::Tensor:
        return "tensor";
    case Value::Kind::Object:
        return v.s;
    default:
        return "value";
    }
}

} // namespace

TorchFileContents readTorchFile(const std::vector<char>& bytes) {
    if (bytes.empty())
        throw TorchFileError("the file is empty");
    if (!looksLikeZip(bytes)) {
        if (static_cast<unsigned char>(bytes[0]) == 0x80)
            throw TorchFileError("this is PyTorch's legacy (pre-1.6) format; re-save it with a "
                                 "recent PyTorch (torch.save writes the zip format)");
        throw TorchFileError("not a PyTorch file (torch.save and torch.jit.save write a zip "
                             "archive)");
    }
    std::vector<ZipEntry> entries;
    try {
        entries = checkZip(bytes, /*allowCompressed=*/true);
    } catch (const std::exception& e) {
        throw TorchFileError(e.what());
    }
    const ZipEntry* pickle = nullptr;
    bool code = false, constants = false;
    for (const auto& e : entries) {
        if (endsWith(e.name, "/data.pkl") && !pickle && e.stored)
            pickle = &e;
        if (e.name.find("/code/") != std::string::npos)
            code = true;
        if (endsWith(e.name, "/constants.pkl"))
            constants = true;
    }
    TorchFileContents out;
    if (code && constants) {
        out.kind = TorchFileContents::Kind::TorchScript;
        return out;
    }
    if (!pickle)
        throw TorchFileError("the archive has no data.pkl; torch.save did not write it");
    const std::string prefix = pickle->name.substr(0, pickle->name.size() - 8); // ".../"
    std::map<std::string, ZipEntry> storages;
    for (const auto& e : entries)
        if (e.name.compare(0, prefix.size() + 5, prefix + "data/") == 0 &&
            e.name.size() > prefix.size() + 5 && e.stored)
            storages[e.name.substr(prefix.size() + 5)] = e;

    Machine machine(std::string(bytes.data() + pickle->offset, pickle->size));
    Ptr root;
    try {
        root = machine.run();
    } catch (const TorchFileError& e) {
        if (!machine.foreignClass.empty())
            throw TorchFileError(std::string(e.what()) + " (the file pickles the Python class " +
                                 machine.foreignClass + ")");
        throw;
    }
    if (root->kind == Value::Kind::Object) {
        out.kind =
            root->module ? TorchFileContents::Kind::PickledModule : TorchFileContents::Kind::Other;
        out.className = root->s;
        out.what = "a pickled " + root->s;
        return out;
    }
    if (root->kind == Value::Kind::Dict) {
        // A checkpoint dict: the state_dict under a conventional key.
        bool tensors = false;
        for (const auto& [k, v] : root->dict)
            tensors |= v->kind == Value::Kind::Tensor;
        if (!tensors)
            for (const auto& [k, v] : root->dict)
                if (k->kind == Value::Kind::Str && v->kind == Value::Kind::Dict &&
                    (k->s == "state_dict" || k->s == "model_state_dict" || k->s == "model")) {
                    root = v;
                    break;
                }
        std::vector<std::string> others;
        for (const auto& [k, v] : root->dict) {
            const std::string key = k->kind == Value::Kind::Str ? k->s : "<" + kindName(*k) + ">";
            if (v->kind == Value::Kind::Tensor)
                out.tensors.push_back(materialize(key, *v, bytes, storages));
            else
                others.push_back(key + " (" + kindName(*v) + ")");
        }
        if (!out.tensors.empty()) {
            out.kind = TorchFileContents::Kind::StateDict;
            return out;
        }
        out.what = "a dict without tensors";
        if (!others.empty()) {
            out.what += ": ";
            for (std::size_t k = 0; k < others.size() && k < 6; ++k)
                out.what += (k ? ", " : "") + others[k];
        }
        return out;
    }
    out.what = "a " + kindName(*root) + ", not a state_dict";
    return out;
}

} // namespace qm7::detail
