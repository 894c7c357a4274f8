// JSON in C++: Python objects to text as FastAPI's JSONResponse renders them, and simdjson to
// Python objects as json.loads builds them.
#include "worker/model.h"
#include "worker/worker_internal.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace turbo::worker {

namespace {

constexpr int kMaxDepth = 512;

void write_string(const char* s, Py_ssize_t n, std::string& out) {
    static const char kHex[] = "0123456789abcdef";
    out.push_back('"');
    Py_ssize_t run = 0; // start of the current run of bytes that need no escaping
    for (Py_ssize_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s + run, size_t(i - run));
        run = i + 1;
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        default:
            out.append("\\u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    out.append(s + run, size_t(n - run));
    out.push_back('"');
}

bool write_unicode(PyObject* o, std::string& out) {
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(o, &n); // fails on lone surrogates, as .encode("utf-8") does
    if (!s) return false;
    write_string(s, n, out);
    return true;
}

// Python's float repr, exactly (json.dumps uses float.__repr__): the shortest digits that read back
// as `d`, laid out as repr lays them out. std::to_chars finds the same digits as Python's dtoa (both
// are the shortest correctly rounded string) at under half the cost; only the layout is Python's:
// positional when the decimal point falls within -4 < point <= 16 of the first digit, with ".0" when
// nothing follows it; otherwise d[.ddd]e+XX with at least two exponent digits.
bool write_float(double d, std::string& out) {
    if (!std::isfinite(d)) {
        PyErr_SetString(PyExc_ValueError, "Out of range float values are not JSON compliant");
        return false;
    }
    char sci[32]; // "-d.ddddddddddddddddde-308": at most 24
    const auto [end, ec] = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
    if (ec != std::errc()) {
        PyErr_SetString(PyExc_SystemError, "float formatting failed");
        return false;
    }
    const char* p = sci;
    if (*p == '-') out.push_back(*p++);
    char digits[20];
    size_t n = 0;
    for (; *p != 'e'; ++p)
        if (*p != '.') digits[n++] = *p;
    int exponent = 0;
    std::from_chars(p[1] == '+' ? p + 2 : p + 1, end, exponent);
    const int point = exponent + 1; // digits[0..point) come before the decimal point
    if (point > -4 && point <= 16) {
        if (point <= 0) {
            out.append("0.");
            out.append(size_t(-point), '0');
            out.append(digits, n);
        } else if (size_t(point) >= n) {
            out.append(digits, n);
            out.append(size_t(point) - n, '0');
            out.append(".0");
        } else {
            out.append(digits, size_t(point));
            out.push_back('.');
            out.append(digits + point, n - size_t(point));
        }
        return true;
    }
    out.push_back(digits[0]);
    if (n > 1) {
        out.push_back('.');
        out.append(digits + 1, n - 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out.push_back('0');
    char buf[4];
    const auto [e_end, e_ec] = std::to_chars(buf, buf + sizeof buf, magnitude);
    out.append(buf, e_end);
    return true;
}

bool write_int(PyObject* o, std::string& out) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred()) return false;
    if (!overflow) {
        char buf[24];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, end);
        return true;
    }
    PyObject* s = PyLong_Type.tp_repr(o);
    if (!s) return false;
    Py_ssize_t n = 0;
    const char* text = PyUnicode_AsUTF8AndSize(s, &n);
    if (text) out.append(text, size_t(n));
    Py_DECREF(s);
    return text != nullptr;
}

// json.dumps turns these key types into strings; anything else is a TypeError.
bool write_key(PyObject* k, std::string& out) {
    if (PyUnicode_Check(k)) return write_unicode(k, out);
    if (k == Py_True) return out.append("\"true\""), true;
    if (k == Py_False) return out.append("\"false\""), true;
    if (k == Py_None) return out.append("\"null\""), true;
    std::string text;
    if (PyLong_Check(k)) {
        if (!write_int(k, text)) return false;
    } else if (PyFloat_Check(k)) {
        if (!write_float(PyFloat_AS_DOUBLE(k), text)) return false;
    } else {
        PyErr_Format(PyExc_TypeError, "keys must be str, int, float, bool or None, not %.100s",
                     Py_TYPE(k)->tp_name);
        return false;
    }
    write_string(text.data(), Py_ssize_t(text.size()), out);
    return true;
}

bool dump(PyObject* o, std::string& out, PyObject* fallback, int depth) {
    if (depth > kMaxDepth) {
        PyErr_SetString(PyExc_ValueError, "response nested too deeply to serialize");
        return false;
    }
    if (o == Py_None) return out.append("null"), true;
    if (o == Py_True) return out.append("true"), true;
    if (o == Py_False) return out.append("false"), true;
    if (PyUnicode_Check(o)) return write_unicode(o, out);
    if (PyLong_Check(o)) return write_int(o, out);
    if (PyFloat_Check(o)) return write_float(PyFloat_AS_DOUBLE(o), out);
    if (PyDict_Check(o)) {
        out.push_back('{');
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        bool first = true;
        while (PyDict_Next(o, &pos, &k, &v)) {
            if (!first) out.push_back(',');
            first = false;
            if (!write_key(k, out)) return false;
            out.push_back(':');
            if (!dump(v, out, fallback, depth + 1)) return false;
        }
        out.push_back('}');
        return true;
    }
    if (PyList_Check(o) || PyTuple_Check(o)) {
        const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
        PyObject** items = PySequence_Fast_ITEMS(o);
        out.push_back('[');
        for (Py_ssize_t i = 0; i < n; ++i) {
            if (i) out.push_back(',');
            if (!dump(items[i], out, fallback, depth + 1)) return false;
        }
        out.push_back(']');
        return true;
    }
    const ModelKey* keys = nullptr;
    size_t nkeys = 0;
    if (const int is_model = model_keys(o, keys, nkeys)) {
        // A turboapi.Model: its fields in declaration order, keyed by alias as FastAPI's
        // jsonable_encoder(by_alias=True) does, without building the intermediate dict.
        if (is_model < 0) return false;
        PyObject* fields = PyObject_GenericGetDict(o, nullptr);
        if (!fields) return false;
        out.push_back('{');
        bool first = true, ok = true;
        for (size_t i = 0; ok && i < nkeys; ++i) {
            PyObject* v = PyDict_GetItemWithError(fields, keys[i].name);
            if (!v) {
                ok = !PyErr_Occurred(); // a field model_construct left out is left out here too
                continue;
            }
            if (!first) out.push_back(',');
            first = false;
            out.append(keys[i].json_key);
            ok = dump(v, out, fallback, depth + 1);
        }
        Py_DECREF(fields);
        out.push_back('}');
        return ok;
    }
    if (!fallback) {
        PyErr_Format(PyExc_TypeError, "Object of type %.100s is not JSON serializable", Py_TYPE(o)->tp_name);
        return false;
    }
    // Models, dataclasses, enums, datetimes, sets, bytes...: FastAPI's jsonable_encoder rules, once.
    PyObject* plain = PyObject_CallOneArg(fallback, o);
    if (!plain) return false;
    const bool ok = dump(plain, out, nullptr, depth + 1);
    Py_DECREF(plain);
    if (!ok && PyErr_ExceptionMatches(PyExc_TypeError)) {
        // The encoder returned something still not JSON: name the original type in the error.
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "Object of type %.100s is not JSON serializable", Py_TYPE(o)->tp_name);
    }
    return ok;
}

bool is_ascii(std::string_view s) {
    size_t i = 0;
    uint64_t any = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t chunk;
        std::memcpy(&chunk, s.data() + i, 8);
        any |= chunk;
    }
    for (; i < s.size(); ++i)
        any |= static_cast<unsigned char>(s[i]);
    return (any & 0x8080808080808080ull) == 0;
}

// A str from ASCII JSON text: copied straight into a new compact str, which costs a third of going
// through the UTF-8 decoder.
PyObject* ascii_str(std::string_view s) {
    PyObject* o = PyUnicode_New(Py_ssize_t(s.size()), 127);
    if (o) std::memcpy(PyUnicode_1BYTE_DATA(o), s.data(), s.size());
    return o;
}

// A str from JSON text (simdjson has validated its UTF-8).
PyObject* new_str(std::string_view s) {
    return is_ascii(s) ? ascii_str(s) : PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), nullptr);
}

// The str objects of recent object keys. Keys repeat from one body to the next (a model's field
// names), so most cost a lookup here instead of a new str and its hash. What an entry holds is a
// pure function of the key's bytes (str objects are immutable), and the table is bounded:
// kKeySlots entries of ASCII keys up to kMaxKeyBytes, a new key replacing the one in its slot.
// Used with the GIL held, in the one interpreter of the process.
class KeyCache {
public:
    PyObject* get(std::string_view key) {
        if (key.size() > kMaxKeyBytes) return new_str(key);
        if (!is_ascii(key)) return PyUnicode_DecodeUTF8(key.data(), Py_ssize_t(key.size()), nullptr);
        uint32_t h = 2166136261u; // FNV-1a
        for (const char c : key)
            h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
        PyObject*& slot = slots_[h % kKeySlots];
        if (slot && size_t(PyUnicode_GET_LENGTH(slot)) == key.size() &&
            std::memcmp(PyUnicode_1BYTE_DATA(slot), key.data(), key.size()) == 0)
            return Py_NewRef(slot);
        PyObject* str = ascii_str(key);
        if (!str || PyObject_Hash(str) == -1) { // hashed once, here: later dict operations reuse it
            Py_XDECREF(str);
            return nullptr;
        }
        Py_XSETREF(slot, Py_NewRef(str));
        return str;
    }

private:
    static constexpr size_t kKeySlots = 256;
    static constexpr size_t kMaxKeyBytes = 64;
    PyObject* slots_[kKeySlots] = {};
};

KeyCache g_keys;

PyObject* build(simdjson::dom::element e);

PyObject* build(simdjson::dom::element e) {
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::OBJECT: {
        PyObject* d = PyDict_New();
        if (!d) return nullptr;
        for (auto field : simdjson::dom::object(e)) {
            PyObject* k = g_keys.get(field.key);
            PyObject* v = k ? build(field.value) : nullptr;
            if (!v || PyDict_SetItem(d, k, v) < 0) {
                Py_XDECREF(k);
                Py_XDECREF(v);
                Py_DECREF(d);
                return nullptr;
            }
            Py_DECREF(k);
            Py_DECREF(v);
        }
        return d;
    }
    case element_type::ARRAY: {
        auto arr = simdjson::dom::array(e);
        PyObject* l = PyList_New(Py_ssize_t(arr.size()));
        if (!l) return nullptr;
        Py_ssize_t i = 0;
        for (auto item : arr) {
            PyObject* v = build(item);
            if (!v) {
                Py_DECREF(l);
                return nullptr;
            }
            PyList_SET_ITEM(l, i++, v);
        }
        return l;
    }
    case element_type::STRING: {
        return new_str(e.get_string().value_unsafe());
    }
    case element_type::INT64:
        return PyLong_FromLongLong(e.get_int64().value_unsafe());
    case element_type::UINT64:
        return PyLong_FromUnsignedLongLong(e.get_uint64().value_unsafe());
    case element_type::DOUBLE:
        return PyFloat_FromDouble(e.get_double().value_unsafe());
    case element_type::BOOL:
        return PyBool_FromLong(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
        Py_RETURN_NONE;
    }
    Py_RETURN_NONE;
}

} // namespace

bool dump_json(PyObject* obj, std::string& out, PyObject* fallback) {
    return dump(obj, out, fallback, 0);
}

PyObject* load_json(simdjson::dom::parser& parser, std::string_view text) {
    simdjson::dom::element root;
    auto err = parser.parse(text.data(), text.size()).get(root);
    if (err == simdjson::NUMBER_OUT_OF_RANGE || err == simdjson::NUMBER_ERROR) {
        // Valid JSON that simdjson's DOM cannot hold: let Python's parser build it.
        PyObject* json = PyImport_ImportModule("json");
        if (!json) return nullptr;
        PyObject* r = PyObject_CallMethod(json, "loads", "s#", text.data(), Py_ssize_t(text.size()));
        Py_DECREF(json);
        if (!r) PyErr_Clear();
        return r;
    }
    if (err) return nullptr;
    PyObject* r = build(root);
    if (!r) PyErr_Clear();
    return r;
}

} // namespace turbo::worker
