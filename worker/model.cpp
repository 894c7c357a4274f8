// turboapi.Model validation in C++ (see model.h and python/turboapi/models.py).
//
// Each Model class carries __turbo_fields__, a tuple of plain tuples computed once by its
// metaclass. The first validation parses it into a ModelSchema kept in a capsule in the class's own
// __dict__ (so it dies with the class and a subclass never sees its base's). Validation walks the
// data once, builds the instance's __dict__ directly and allocates the instance with tp_alloc:
// no Python __init__, no per-field Python calls for str/int/float/bool/list/dict/nested models.
//
// The rules and messages are pydantic 1.10's default (non-strict) validators: str accepts numbers
// (str(v)), int truncates floats and parses numeric strings, bool takes "yes"/"off"/0/1...,
// lists take tuples and sets, dicts take lists of pairs, extra keys are ignored. Regex constraints
// call the field's compiled Python `re` pattern, so the semantics are Python's.
#include "worker/model.h"

#include "worker/worker_internal.h"

#include <boost/container/small_vector.hpp>
#include <pybind11/eval.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <structmember.h>
#include <vector>

namespace turbo::worker {

namespace {

constexpr const char* kCapsuleName = "turboapi.ModelSchema";
constexpr Py_ssize_t kMaxStrInt = 4300; // pydantic 1's max_str_int (CVE-2020-10735)
constexpr int kMaxDepth = 256;          // nested models/lists deeper than this are refused

// Objects looked up once, when turboapi.models registers the Model base class.
struct Globals {
    PyObject* model_base = nullptr;       // turboapi.models.Model
    PyObject* model_meta = nullptr;       // its metaclass
    PyObject* validation_error = nullptr; // turboapi.models.ValidationError
    Py_ssize_t set_offset = 0;            // offset of Model's _turbo_set slot in an instance
    PyObject* enum_type = nullptr;
    PyObject* decimal_type = nullptr;
    PyObject* deque_type = nullptr;
    PyObject* deepcopy = nullptr;
    PyObject* bool_true = nullptr;  // pydantic's BOOL_TRUE: {1, '1', 'on', 't', 'true', 'y', 'yes'}
    PyObject* bool_false = nullptr; // BOOL_FALSE: {0, '0', 'off', 'f', 'false', 'n', 'no'}
    PyObject* k_capsule = nullptr;
    PyObject* k_prepare = nullptr;
    PyObject* k_value = nullptr;
    PyObject* k_loc = nullptr;
    PyObject* k_msg = nullptr;
    PyObject* k_type = nullptr;
    PyObject* k_ctx = nullptr;
    PyObject* k_limit_value = nullptr;
    PyObject* k_pattern = nullptr;
    PyObject* k_enum_values = nullptr;
    PyObject* k_multiple_of = nullptr;
    PyObject* k_key = nullptr; // "__key__": the location of a dict key's error
};
Globals g;

// Python: a type C++ does not check itself; the table gives a Python validate(value, loc) ->
// (value, None) | (None, errors) (turboapi._validation) and C++ calls it.
enum class Kind : uint8_t { Str, Int, Float, Bool, Any, List, Dict, Model, Enum, Python };
enum class CopyMode : uint8_t { Share, EmptyList, EmptyDict, DeepCopy };

struct Constraints {
    py::object gt, ge, lt, le, multiple_of; // numbers; null when absent
    py::object min_length, max_length;      // str
    py::object regex, regex_match;          // str: the source, and the compiled pattern's match
    py::object min_items, max_items;        // list
    Py_ssize_t min_len = -1, max_len = -1, min_n = -1, max_n = -1;
    bool numeric = false;
};

struct TypeSpec {
    Kind kind = Kind::Any;
    bool nullable = false;
    std::unique_ptr<Constraints> cons;
    std::unique_ptr<TypeSpec> item; // list items, dict values; null: kept as they are
    std::unique_ptr<TypeSpec> key;  // dict keys; null: kept as they are
    PyObject* cls = nullptr;        // Model subclass or Enum class (borrowed: the table holds it)
    PyObject* enum_map = nullptr;   // _value2member_map_ (borrowed)
    PyObject* enum_msg = nullptr;   // borrowed
    PyObject* enum_members = nullptr;
    bool int_enum = false;
};

struct FieldSpec {
    PyObject* name = nullptr;     // interned, borrowed from the table
    PyObject* alias = nullptr;    // interned, borrowed
    PyObject* alt_name = nullptr; // populate_by_name: the field's name, looked up when the alias is absent
    TypeSpec type;
    bool required = false;
    PyObject* default_value = nullptr; // borrowed
    PyObject* factory = nullptr;       // borrowed, or null
    CopyMode copy = CopyMode::Share;
};

struct ModelSchema {
    PyTypeObject* type = nullptr; // borrowed: the schema lives in the class's __dict__
    py::object table;             // __turbo_fields__, which owns everything borrowed above
    std::vector<FieldSpec> fields;
    std::vector<ModelKey> keys;
    bool forbid_extra = false; // extra="forbid": unknown keys are errors
};

// ------------------------------------------------------------------------------ building schemas

ModelSchema* schema_of(PyObject* cls);

bool set_error(PyObject* type, const char* msg) {
    PyErr_SetString(type, msg);
    return false;
}

Py_ssize_t size_or_minus_one(PyObject* o) {
    if (o == Py_None) return -1;
    return PyLong_AsSsize_t(o);
}

bool parse_spec(PyObject* t, TypeSpec& out) {
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 5) return set_error(PyExc_TypeError, "bad field spec");
    const char* kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 0));
    if (!kind) return false;
    static constexpr std::pair<const char*, Kind> kKinds[] = {
        {"str", Kind::Str},   {"int", Kind::Int},       {"float", Kind::Float}, {"bool", Kind::Bool},
        {"any", Kind::Any},   {"list", Kind::List},     {"dict", Kind::Dict},   {"model", Kind::Model},
        {"enum", Kind::Enum}, {"python", Kind::Python},
    };
    bool known = false;
    for (const auto& [n, k] : kKinds)
        if (std::strcmp(n, kind) == 0) out.kind = k, known = true;
    if (!known) return set_error(PyExc_TypeError, "unknown field kind");
    out.nullable = PyObject_IsTrue(PyTuple_GET_ITEM(t, 1)) == 1;
    PyObject* cons = PyTuple_GET_ITEM(t, 2);
    PyObject* a = PyTuple_GET_ITEM(t, 3);
    PyObject* b = PyTuple_GET_ITEM(t, 4);
    if (cons != Py_None) {
        if (!PyTuple_Check(cons) || PyTuple_GET_SIZE(cons) != 11)
            return set_error(PyExc_TypeError, "bad constraints");
        auto c = std::make_unique<Constraints>();
        auto get = [&](int i) {
            PyObject* v = PyTuple_GET_ITEM(cons, i);
            return v == Py_None ? py::object() : py::reinterpret_borrow<py::object>(v);
        };
        c->gt = get(0), c->ge = get(1), c->lt = get(2), c->le = get(3), c->multiple_of = get(4);
        c->min_length = get(5), c->max_length = get(6), c->regex = get(7), c->regex_match = get(8);
        c->min_items = get(9), c->max_items = get(10);
        c->numeric = c->gt || c->ge || c->lt || c->le || c->multiple_of;
        c->min_len = size_or_minus_one(PyTuple_GET_ITEM(cons, 5));
        c->max_len = size_or_minus_one(PyTuple_GET_ITEM(cons, 6));
        c->min_n = size_or_minus_one(PyTuple_GET_ITEM(cons, 9));
        c->max_n = size_or_minus_one(PyTuple_GET_ITEM(cons, 10));
        if (PyErr_Occurred()) return false;
        out.cons = std::move(c);
    }
    switch (out.kind) {
    case Kind::List:
        if (a != Py_None) {
            out.item = std::make_unique<TypeSpec>();
            if (!parse_spec(a, *out.item)) return false;
        }
        break;
    case Kind::Dict:
        if (a != Py_None) {
            out.key = std::make_unique<TypeSpec>();
            if (!parse_spec(a, *out.key)) return false;
        }
        if (b != Py_None) {
            out.item = std::make_unique<TypeSpec>();
            if (!parse_spec(b, *out.item)) return false;
        }
        break;
    case Kind::Model:
        out.cls = a;
        // Built now so that a broken nested model fails at the outer model's first use; a model
        // that refers to itself finds its capsule already registered.
        if (!schema_of(a)) return false;
        break;
    case Kind::Python:
        if (!PyCallable_Check(a)) return set_error(PyExc_TypeError, "bad python validator");
        out.cls = a;
        break;
    case Kind::Enum:
        if (!PyTuple_Check(b) || PyTuple_GET_SIZE(b) != 4) return set_error(PyExc_TypeError, "bad enum spec");
        out.cls = a;
        out.enum_map = PyTuple_GET_ITEM(b, 0);
        out.enum_msg = PyTuple_GET_ITEM(b, 1);
        out.enum_members = PyTuple_GET_ITEM(b, 2);
        out.int_enum = PyTuple_GET_ITEM(b, 3) == Py_True;
        break;
    default:
        break;
    }
    return true;
}

bool parse_field(PyObject* t, FieldSpec& f) {
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 8) return set_error(PyExc_TypeError, "bad field entry");
    f.name = PyTuple_GET_ITEM(t, 0);
    f.alias = PyTuple_GET_ITEM(t, 1);
    if (!PyUnicode_CheckExact(f.name) || !PyUnicode_CheckExact(f.alias))
        return set_error(PyExc_TypeError, "field names must be str");
    if (!parse_spec(PyTuple_GET_ITEM(t, 2), f.type)) return false;
    f.required = PyTuple_GET_ITEM(t, 3) == Py_True;
    f.default_value = PyTuple_GET_ITEM(t, 4);
    PyObject* factory = PyTuple_GET_ITEM(t, 5);
    f.factory = factory == Py_None ? nullptr : factory;
    const long mode = PyLong_AsLong(PyTuple_GET_ITEM(t, 6));
    if (mode < 0 || mode > 3) return PyErr_Occurred() ? false : set_error(PyExc_ValueError, "bad copy mode");
    f.copy = CopyMode(mode);
    PyObject* alt = PyTuple_GET_ITEM(t, 7);
    f.alt_name = alt == Py_None ? nullptr : alt;
    return true;
}

void free_schema(PyObject* capsule) {
    delete static_cast<ModelSchema*>(PyCapsule_GetPointer(capsule, kCapsuleName));
}

ModelSchema* schema_of(PyObject* cls) {
    if (!PyType_Check(cls)) {
        PyErr_Format(PyExc_TypeError, "expected a turboapi.Model subclass, got %.100s",
                     Py_TYPE(cls)->tp_name);
        return nullptr;
    }
    auto* type = reinterpret_cast<PyTypeObject*>(cls);
    if (PyObject* cap = PyDict_GetItemWithError(type->tp_dict, g.k_capsule))
        return static_cast<ModelSchema*>(PyCapsule_GetPointer(cap, kCapsuleName));
    if (PyErr_Occurred()) return nullptr;
    if (!g.model_base) {
        PyErr_SetString(PyExc_RuntimeError, "turboapi.models is not imported");
        return nullptr;
    }
    if (cls == g.model_base || !PyType_IsSubtype(type, reinterpret_cast<PyTypeObject*>(g.model_base))) {
        PyErr_Format(PyExc_TypeError, "%.100s is not a turboapi.Model subclass", type->tp_name);
        return nullptr;
    }
    // _turbo_prepare() -> (__turbo_fields__, forbid_extra)
    PyObject* prepared = PyObject_CallMethodNoArgs(cls, g.k_prepare);
    if (!prepared) return nullptr;
    if (!PyTuple_Check(prepared) || PyTuple_GET_SIZE(prepared) != 2 ||
        !PyTuple_Check(PyTuple_GET_ITEM(prepared, 0))) {
        Py_DECREF(prepared);
        PyErr_SetString(PyExc_TypeError, "_turbo_prepare() must return (tuple, bool)");
        return nullptr;
    }
    PyObject* table = PyTuple_GET_ITEM(prepared, 0);
    auto* schema = new ModelSchema;
    schema->type = type;
    schema->table = py::reinterpret_steal<py::object>(prepared); // owns the field table
    schema->forbid_extra = PyTuple_GET_ITEM(prepared, 1) == Py_True;
    PyObject* cap = PyCapsule_New(schema, kCapsuleName, free_schema);
    if (!cap) {
        delete schema;
        return nullptr;
    }
    // Registered before the fields are parsed, so that a self-referencing model finds itself.
    const int set = PyObject_SetAttr(cls, g.k_capsule, cap);
    Py_DECREF(cap);
    if (set < 0) return nullptr;
    const Py_ssize_t n = PyTuple_GET_SIZE(table);
    schema->fields.resize(size_t(n));
    bool ok = true;
    for (Py_ssize_t i = 0; ok && i < n; ++i)
        ok = parse_field(PyTuple_GET_ITEM(table, i), schema->fields[size_t(i)]);
    for (Py_ssize_t i = 0; ok && i < n; ++i) {
        const FieldSpec& f = schema->fields[size_t(i)];
        ModelKey key{f.name, {}};
        ok = dump_json(f.alias, key.json_key, nullptr);
        key.json_key.push_back(':');
        schema->keys.push_back(std::move(key));
    }
    if (!ok) {
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        if (PyObject_DelAttr(cls, g.k_capsule) < 0) PyErr_Clear();
        PyErr_Restore(t, v, tb);
        return nullptr;
    }
    return schema;
}

// ----------------------------------------------------------------------------------- validation

PyObject* new_instance(PyTypeObject* type, PyObject* dict, PyObject* fields_set, PyObject* into) {
    PyObject* obj = into;
    if (obj)
        Py_INCREF(obj);
    else if (!(obj = type->tp_alloc(type, 0)))
        return nullptr;
    if (PyObject_GenericSetDict(obj, dict, nullptr) < 0) {
        Py_DECREF(obj);
        return nullptr;
    }
    auto** slot = reinterpret_cast<PyObject**>(reinterpret_cast<char*>(obj) + g.set_offset);
    Py_XSETREF(*slot, Py_NewRef(fields_set ? fields_set : Py_None));
    return obj;
}

class Validator {
public:
    explicit Validator(PyObject* prefix) : prefix_(prefix) {}
    ~Validator() { Py_XDECREF(errors_); }

    /// The instance (new reference) or nullptr: errors recorded (errors() non-null) or a Python
    /// exception set.
    PyObject* model(const ModelSchema& s, PyObject* data, PyObject* into);

    PyObject* take_errors() { return std::exchange(errors_, nullptr); }

private:
    struct Loc {
        PyObject* key; // borrowed; null: `index`
        Py_ssize_t index;
    };

    PyObject* value(const TypeSpec& t, PyObject* v);
    PyObject* str_value(const TypeSpec& t, PyObject* v);
    PyObject* int_value(PyObject* v);
    PyObject* float_value(PyObject* v);
    PyObject* bool_value(PyObject* v);
    PyObject* list_value(const TypeSpec& t, PyObject* v);
    PyObject* dict_value(const TypeSpec& t, PyObject* v);
    PyObject* enum_value(const TypeSpec& t, PyObject* v);
    PyObject* python_value(const TypeSpec& t, PyObject* v);
    PyObject* make_loc();
    PyObject* copy_instance(PyObject* v);
    bool extra_keys(const ModelSchema& s, PyObject* src);
    bool numeric_ok(const Constraints& c, PyObject* v);
    PyObject* default_of(const FieldSpec& f);

    // Records an error at the current location. `ctx_key`/`ctx_value` (borrowed) is the one ctx
    // entry pydantic gives, if any. Returns nullptr so that callers can `return fail(...)`.
    PyObject* fail(const char* msg, const char* type, PyObject* ctx_key = nullptr,
                   PyObject* ctx_value = nullptr);
    PyObject* fail_obj(PyObject* msg, const char* type, PyObject* ctx_key, PyObject* ctx_value);
    // An error whose message is the current Python exception's text (pydantic wraps stray
    // ValueError/TypeError this way); the exception is cleared.
    PyObject* fail_exception(const char* type);
    PyObject* fail_limit(const char* prefix, PyObject* limit, const char* suffix, const char* type);

    PyObject* prefix_;
    PyObject* errors_ = nullptr;
    // Inline: a Validator lives for one body, and a heap vector cost an allocation per request.
    boost::container::small_vector<Loc, 8> loc_;
    int depth_ = 0;
};

PyObject* Validator::fail_obj(PyObject* msg, const char* type, PyObject* ctx_key, PyObject* ctx_value) {
    if (!msg) return nullptr;
    if (!errors_ && !(errors_ = PyList_New(0))) {
        Py_DECREF(msg);
        return nullptr;
    }
    PyObject* loc = make_loc();
    PyObject* err = PyDict_New();
    PyObject* type_str = PyUnicode_FromString(type);
    bool ok = loc && err && type_str;
    ok = ok && PyDict_SetItem(err, g.k_loc, loc) == 0 && PyDict_SetItem(err, g.k_msg, msg) == 0 &&
         PyDict_SetItem(err, g.k_type, type_str) == 0;
    if (ok && ctx_key) {
        PyObject* ctx = PyDict_New();
        ok = ctx && PyDict_SetItem(ctx, ctx_key, ctx_value) == 0 && PyDict_SetItem(err, g.k_ctx, ctx) == 0;
        Py_XDECREF(ctx);
    }
    ok = ok && PyList_Append(errors_, err) == 0;
    Py_XDECREF(loc);
    Py_XDECREF(err);
    Py_XDECREF(type_str);
    Py_DECREF(msg);
    return nullptr;
}

PyObject* Validator::make_loc() {
    const Py_ssize_t np = prefix_ ? PyTuple_GET_SIZE(prefix_) : 0;
    PyObject* loc = PyTuple_New(np + Py_ssize_t(loc_.size()));
    if (!loc) return nullptr;
    for (Py_ssize_t i = 0; i < np; ++i)
        PyTuple_SET_ITEM(loc, i, Py_NewRef(PyTuple_GET_ITEM(prefix_, i)));
    for (size_t i = 0; i < loc_.size(); ++i) {
        PyObject* part = loc_[i].key ? Py_NewRef(loc_[i].key) : PyLong_FromSsize_t(loc_[i].index);
        if (!part) {
            Py_DECREF(loc);
            return nullptr;
        }
        PyTuple_SET_ITEM(loc, np + Py_ssize_t(i), part);
    }
    return loc;
}

PyObject* Validator::python_value(const TypeSpec& t, PyObject* v) {
    PyObject* loc = make_loc();
    if (!loc) return nullptr;
    PyObject* r = PyObject_CallFunctionObjArgs(t.cls, v, loc, nullptr);
    Py_DECREF(loc);
    if (!r) return nullptr;
    if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != 2) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_TypeError, "a field validator must return (value, errors)");
        return nullptr;
    }
    PyObject* errors = PyTuple_GET_ITEM(r, 1);
    if (errors == Py_None || (PyList_Check(errors) && PyList_GET_SIZE(errors) == 0)) {
        PyObject* value = Py_NewRef(PyTuple_GET_ITEM(r, 0));
        Py_DECREF(r);
        return value;
    }
    // The validator's errors carry their full locations already (it was given ours).
    bool ok = errors_ || (errors_ = PyList_New(0));
    if (ok) {
        PyObject* seq = PySequence_Fast(errors, "errors must be a list");
        ok = seq != nullptr;
        for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); ++i)
            ok = PyList_Append(errors_, PySequence_Fast_GET_ITEM(seq, i)) == 0;
        Py_XDECREF(seq);
    }
    Py_DECREF(r);
    return nullptr;
}

PyObject* Validator::fail(const char* msg, const char* type, PyObject* ctx_key, PyObject* ctx_value) {
    return fail_obj(PyUnicode_FromString(msg), type, ctx_key, ctx_value);
}

PyObject* Validator::fail_exception(const char* type) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyObject* msg = v ? PyObject_Str(v) : PyUnicode_FromString("");
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    return fail_obj(msg, type, nullptr, nullptr);
}

PyObject* Validator::fail_limit(const char* prefix, PyObject* limit, const char* suffix, const char* type) {
    // pydantic formats the template with str(limit_value).
    PyObject* msg = PyUnicode_FromFormat("%s%S%s", prefix, limit, suffix);
    return fail_obj(msg, type, g.k_limit_value, limit);
}

PyObject* Validator::default_of(const FieldSpec& f) {
    if (f.factory) return PyObject_CallNoArgs(f.factory);
    switch (f.copy) {
    case CopyMode::Share:
        return Py_NewRef(f.default_value);
    case CopyMode::EmptyList:
        return PyList_New(0);
    case CopyMode::EmptyDict:
        return PyDict_New();
    case CopyMode::DeepCopy:
        return PyObject_CallOneArg(g.deepcopy, f.default_value);
    }
    return nullptr;
}

PyObject* Validator::copy_instance(PyObject* v) {
    // pydantic 1's copy_on_model_validation="shallow": a new instance with the same field values.
    PyObject* d = PyObject_GenericGetDict(v, nullptr);
    if (!d) return nullptr;
    PyObject* copy = PyDict_Copy(d);
    Py_DECREF(d);
    if (!copy) return nullptr;
    auto** slot = reinterpret_cast<PyObject**>(reinterpret_cast<char*>(v) + g.set_offset);
    PyObject* set = *slot && *slot != Py_None ? PySet_New(*slot) : nullptr;
    if (*slot && *slot != Py_None && !set) {
        Py_DECREF(copy);
        return nullptr;
    }
    PyObject* r = new_instance(Py_TYPE(v), copy, set, nullptr);
    Py_DECREF(copy);
    Py_XDECREF(set);
    return r;
}

PyObject* Validator::model(const ModelSchema& s, PyObject* data, PyObject* into) {
    if (!into && PyObject_TypeCheck(data, s.type)) return copy_instance(data);
    PyObject* src = data;
    if (!PyDict_Check(data)) {
        // BaseModel.validate: dict(value), and "value is not a valid dict" when that fails.
        src = PyObject_CallOneArg(reinterpret_cast<PyObject*>(&PyDict_Type), data);
        if (!src) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError))
                return nullptr;
            PyErr_Clear();
            return fail("value is not a valid dict", "type_error.dict");
        }
    } else {
        Py_INCREF(src);
    }
    if (++depth_ > kMaxDepth) {
        --depth_;
        Py_DECREF(src);
        PyErr_SetString(PyExc_RecursionError, "data nested too deeply to validate");
        return nullptr;
    }
    const Py_ssize_t errors_before = errors_ ? PyList_GET_SIZE(errors_) : 0;
    PyObject* dict = _PyDict_NewPresized(Py_ssize_t(s.fields.size()));
    size_t given = 0;
    bool fatal = !dict;
    for (size_t i = 0; !fatal && i < s.fields.size(); ++i) {
        const FieldSpec& f = s.fields[i];
        PyObject* v = PyDict_GetItemWithError(src, f.alias);
        if (!v && f.alt_name && !PyErr_Occurred()) v = PyDict_GetItemWithError(src, f.alt_name);
        PyObject* r;
        if (v) {
            ++given;
            loc_.push_back({f.alias, 0});
            r = value(f.type, v);
            loc_.pop_back();
        } else if (PyErr_Occurred()) {
            fatal = true;
            break;
        } else if (f.required) {
            loc_.push_back({f.alias, 0});
            fail("field required", "value_error.missing");
            loc_.pop_back();
            r = nullptr;
        } else {
            r = default_of(f);
        }
        if (!r) {
            fatal = PyErr_Occurred() != nullptr;
            continue;
        }
        if (PyDict_SetItem(dict, f.name, r) < 0) fatal = true;
        Py_DECREF(r);
    }
    --depth_;
    if (!fatal && s.forbid_extra && PyDict_GET_SIZE(src) > Py_ssize_t(given)) fatal = !extra_keys(s, src);
    PyObject* result = nullptr;
    if (!fatal && (errors_ ? PyList_GET_SIZE(errors_) : 0) == errors_before) {
        PyObject* fields_set = nullptr; // None: every field was given
        if (given != s.fields.size()) {
            fields_set = PySet_New(nullptr);
            for (size_t i = 0; fields_set && i < s.fields.size(); ++i) {
                PyObject* v = PyDict_GetItemWithError(src, s.fields[i].alias);
                if (!v && s.fields[i].alt_name && !PyErr_Occurred())
                    v = PyDict_GetItemWithError(src, s.fields[i].alt_name);
                if ((v && PySet_Add(fields_set, s.fields[i].name) < 0) || (!v && PyErr_Occurred()))
                    Py_CLEAR(fields_set);
            }
        }
        if (given == s.fields.size() || fields_set) result = new_instance(s.type, dict, fields_set, into);
        Py_XDECREF(fields_set);
    }
    Py_XDECREF(dict);
    Py_DECREF(src);
    return result;
}

// extra="forbid": "extra fields not permitted" for each key no field used, in input order (pydantic
// reports them in set order, which varies from run to run). A key counts as used when it is a
// field's alias, or its name when populate_by_name found the field by name.
bool Validator::extra_keys(const ModelSchema& s, PyObject* src) {
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(src, &pos, &k, &v)) {
        bool used = false;
        for (const FieldSpec& f : s.fields) {
            if (PyUnicode_Check(k) && PyUnicode_Compare(k, f.alias) == 0) {
                used = true;
            } else if (f.alt_name && PyUnicode_Check(k) && PyUnicode_Compare(k, f.alt_name) == 0) {
                PyObject* by_alias = PyDict_GetItemWithError(src, f.alias);
                if (!by_alias && PyErr_Occurred()) return false;
                used = !by_alias; // the name counts only when the alias was absent
            }
            if (used) break;
        }
        if (used) continue;
        loc_.push_back({k, 0});
        fail("extra fields not permitted", "value_error.extra");
        loc_.pop_back();
        if (PyErr_Occurred()) return false;
    }
    return true;
}

PyObject* Validator::value(const TypeSpec& t, PyObject* v) {
    if (v == Py_None && t.nullable) return Py_NewRef(Py_None);
    if (v == Py_None && t.kind != Kind::Any)
        return fail("none is not an allowed value", "type_error.none.not_allowed");
    switch (t.kind) {
    case Kind::Any:
        return Py_NewRef(v);
    case Kind::Str:
        return str_value(t, v);
    case Kind::Int:
    case Kind::Float: {
        PyObject* r = t.kind == Kind::Int ? int_value(v) : float_value(v);
        if (r && t.cons && t.cons->numeric && !numeric_ok(*t.cons, r)) Py_CLEAR(r);
        return r;
    }
    case Kind::Bool:
        return bool_value(v);
    case Kind::List:
        return list_value(t, v);
    case Kind::Dict:
        return dict_value(t, v);
    case Kind::Model: {
        ModelSchema* s = schema_of(t.cls);
        return s ? model(*s, v, nullptr) : nullptr;
    }
    case Kind::Enum:
        return enum_value(t, v);
    case Kind::Python:
        return python_value(t, v);
    }
    return nullptr;
}

PyObject* Validator::str_value(const TypeSpec& t, PyObject* v) {
    PyObject* s;
    if (PyUnicode_CheckExact(v)) {
        s = Py_NewRef(v);
    } else if (PyUnicode_Check(v)) {
        const int is_enum = PyObject_IsInstance(v, g.enum_type);
        if (is_enum < 0) return nullptr;
        s = is_enum ? PyObject_GetAttr(v, g.k_value) : Py_NewRef(v);
        if (!s) return nullptr;
    } else if (PyLong_Check(v) || PyFloat_Check(v) || PyObject_TypeCheck(v, (PyTypeObject*)g.decimal_type)) {
        // pydantic 1 is not strict: numbers (and bools, which are ints) become their str().
        s = PyObject_Str(v);
        if (!s) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError)) return nullptr;
            return fail_exception("value_error"); // an int beyond sys.get_int_max_str_digits()
        }
    } else if (PyBytes_Check(v) || PyByteArray_Check(v)) {
        s = PyBytes_Check(v)
                ? PyUnicode_DecodeUTF8(PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v), nullptr)
                : PyUnicode_DecodeUTF8(PyByteArray_AS_STRING(v), PyByteArray_GET_SIZE(v), nullptr);
        if (!s) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return nullptr;
            return fail_exception("value_error.unicodedecode");
        }
    } else {
        return fail("str type expected", "type_error.str");
    }
    if (!t.cons) return s;
    const Constraints& c = *t.cons;
    const Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (c.min_len >= 0 && n < c.min_len) {
        Py_DECREF(s);
        return fail_limit("ensure this value has at least ", c.min_length.ptr(), " characters",
                          "value_error.any_str.min_length");
    }
    if (c.max_len >= 0 && n > c.max_len) {
        Py_DECREF(s);
        return fail_limit("ensure this value has at most ", c.max_length.ptr(), " characters",
                          "value_error.any_str.max_length");
    }
    if (c.regex_match) {
        PyObject* m = PyObject_CallOneArg(c.regex_match.ptr(), s);
        if (!m) {
            Py_DECREF(s);
            return nullptr;
        }
        const bool matched = m != Py_None;
        Py_DECREF(m);
        if (!matched) {
            Py_DECREF(s);
            return fail_obj(PyUnicode_FromFormat("string does not match regex \"%S\"", c.regex.ptr()),
                            "value_error.str.regex", g.k_pattern, c.regex.ptr());
        }
    }
    return s;
}

PyObject* Validator::int_value(PyObject* v) {
    if (PyLong_Check(v) && !PyBool_Check(v)) return Py_NewRef(v);
    if ((PyUnicode_Check(v) && PyUnicode_GET_LENGTH(v) > kMaxStrInt) ||
        (PyBytes_Check(v) && PyBytes_GET_SIZE(v) > kMaxStrInt) ||
        (PyByteArray_Check(v) && PyByteArray_GET_SIZE(v) > kMaxStrInt))
        return fail("value is not a valid integer", "type_error.integer");
    // int(v), as pydantic calls it: floats truncate, "42" and " 4_2 " parse, nan/inf fail.
    PyObject* r = PyNumber_Long(v);
    if (r) return r;
    if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError) &&
        !PyErr_ExceptionMatches(PyExc_OverflowError))
        return nullptr;
    PyErr_Clear();
    return fail("value is not a valid integer", "type_error.integer");
}

PyObject* Validator::float_value(PyObject* v) {
    if (PyFloat_Check(v)) return Py_NewRef(v);
    PyObject* r = PyNumber_Float(v);
    if (r) return r;
    // OverflowError (an int beyond a double) escapes pydantic 1 as a 500; here it is a 422.
    if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError) &&
        !PyErr_ExceptionMatches(PyExc_OverflowError))
        return nullptr;
    PyErr_Clear();
    return fail("value is not a valid float", "type_error.float");
}

PyObject* Validator::bool_value(PyObject* v) {
    if (v == Py_True || v == Py_False) return Py_NewRef(v);
    PyObject* probe = nullptr; // owned
    if (PyBytes_Check(v)) {
        probe = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v), nullptr);
        if (!probe) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return nullptr;
            return fail_exception("value_error.unicodedecode");
        }
    }
    PyObject* s = probe ? probe : v;
    if (PyUnicode_Check(s)) {
        // str.lower() of a non-ASCII string never yields one of the ASCII words below.
        PyObject* lower = PyObject_CallMethod(s, "lower", nullptr);
        Py_XDECREF(probe);
        if (!lower) return nullptr;
        probe = lower;
        s = lower;
    }
    int r = PySet_Contains(g.bool_true, s);
    const int f = r == 0 ? PySet_Contains(g.bool_false, s) : 0;
    Py_XDECREF(probe);
    if (r < 0 || f < 0) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError)) return nullptr; // unhashable: not a bool
        PyErr_Clear();
        return fail("value could not be parsed to a boolean", "type_error.bool");
    }
    if (r) return Py_NewRef(Py_True);
    if (f) return Py_NewRef(Py_False);
    return fail("value could not be parsed to a boolean", "type_error.bool");
}

bool Validator::numeric_ok(const Constraints& c, PyObject* v) {
    auto check = [&](const py::object& limit, int op, const char* msg, const char* type) {
        if (!limit) return 1;
        const int ok = PyObject_RichCompareBool(v, limit.ptr(), op);
        if (ok < 0) return -1;
        if (!ok) fail_limit(msg, limit.ptr(), "", type);
        return ok;
    };
    int r = 1;
    if (c.gt)
        r = check(c.gt, Py_GT, "ensure this value is greater than ", "value_error.number.not_gt");
    else if (c.ge)
        r = check(c.ge, Py_GE, "ensure this value is greater than or equal to ", "value_error.number.not_ge");
    if (r == 1) r = check(c.lt, Py_LT, "ensure this value is less than ", "value_error.number.not_lt");
    if (r == 1)
        r = check(c.le, Py_LE, "ensure this value is less than or equal to ", "value_error.number.not_le");
    if (r == 1 && c.multiple_of) {
        // pydantic: float(v) / float(multiple_of) % 1, almost 0 or almost 1.
        const double x = PyFloat_AsDouble(v), m = PyFloat_AsDouble(c.multiple_of.ptr());
        if (PyErr_Occurred()) PyErr_Clear();
        const double q = x / m;
        double mod = q - std::floor(q);
        constexpr double kEps = 2.220446049250313e-16; // sys.float_info.epsilon
        if (!(std::fabs(mod) <= kEps) && !(std::fabs(mod - 1.0) <= kEps)) {
            fail_obj(PyUnicode_FromFormat("ensure this value is a multiple of %S", c.multiple_of.ptr()),
                     "value_error.number.not_multiple", g.k_multiple_of, c.multiple_of.ptr());
            r = 0;
        }
    }
    return r == 1;
}

bool sequence_like(PyObject* v) {
    return PyList_Check(v) || PyTuple_Check(v) || PyAnySet_Check(v) || PyGen_Check(v) ||
           PyObject_TypeCheck(v, reinterpret_cast<PyTypeObject*>(g.deque_type));
}

PyObject* Validator::list_value(const TypeSpec& t, PyObject* v) {
    if (!sequence_like(v)) return fail("value is not a valid list", "type_error.list");
    PyObject* seq = PyList_Check(v) ? Py_NewRef(v) : PySequence_List(v);
    if (!seq) return nullptr;
    const Py_ssize_t n = PyList_GET_SIZE(seq);
    if (t.cons && t.cons->min_n >= 0 && n < t.cons->min_n) {
        Py_DECREF(seq);
        return fail_limit("ensure this value has at least ", t.cons->min_items.ptr(), " items",
                          "value_error.list.min_items");
    }
    if (t.cons && t.cons->max_n >= 0 && n > t.cons->max_n) {
        Py_DECREF(seq);
        return fail_limit("ensure this value has at most ", t.cons->max_items.ptr(), " items",
                          "value_error.list.max_items");
    }
    if (!t.item) return seq;
    if (++depth_ > kMaxDepth) {
        --depth_;
        Py_DECREF(seq);
        PyErr_SetString(PyExc_RecursionError, "data nested too deeply to validate");
        return nullptr;
    }
    PyObject* out = PyList_New(n);
    bool failed = !out, fatal = !out;
    for (Py_ssize_t i = 0; !fatal && i < n; ++i) {
        loc_.push_back({nullptr, i});
        PyObject* r = value(*t.item, PyList_GET_ITEM(seq, i));
        loc_.pop_back();
        if (r) {
            PyList_SET_ITEM(out, i, r);
        } else {
            failed = true;
            fatal = PyErr_Occurred() != nullptr;
            // Keep the list valid for its destructor.
            PyList_SET_ITEM(out, i, Py_NewRef(Py_None));
        }
    }
    --depth_;
    Py_DECREF(seq);
    if (failed) Py_CLEAR(out);
    return out;
}

PyObject* Validator::dict_value(const TypeSpec& t, PyObject* v) {
    PyObject* src;
    if (PyDict_Check(v)) {
        src = Py_NewRef(v);
    } else {
        src = PyObject_CallOneArg(reinterpret_cast<PyObject*>(&PyDict_Type), v);
        if (!src) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError))
                return nullptr;
            PyErr_Clear();
            return fail("value is not a valid dict", "type_error.dict");
        }
    }
    if (!t.key && !t.item) return src;
    if (++depth_ > kMaxDepth) {
        --depth_;
        Py_DECREF(src);
        PyErr_SetString(PyExc_RecursionError, "data nested too deeply to validate");
        return nullptr;
    }
    PyObject* out = PyDict_New();
    bool failed = !out, fatal = !out;
    Py_ssize_t pos = 0;
    PyObject *k, *x;
    while (!fatal && PyDict_Next(src, &pos, &k, &x)) {
        PyObject* key;
        if (t.key) {
            loc_.push_back({g.k_key, 0});
            key = value(*t.key, k);
            loc_.pop_back();
            if (!key) {
                failed = true;
                fatal = PyErr_Occurred() != nullptr;
                continue;
            }
        } else {
            key = Py_NewRef(k);
        }
        PyObject* r;
        if (t.item) {
            loc_.push_back({k, 0});
            r = value(*t.item, x);
            loc_.pop_back();
        } else {
            r = Py_NewRef(x);
        }
        if (!r) {
            failed = true;
            fatal = PyErr_Occurred() != nullptr;
        } else if (!failed && PyDict_SetItem(out, key, r) < 0) {
            fatal = failed = true;
        }
        Py_DECREF(key);
        Py_XDECREF(r);
    }
    --depth_;
    Py_DECREF(src);
    if (failed) Py_CLEAR(out);
    return out;
}

PyObject* Validator::enum_value(const TypeSpec& t, PyObject* v) {
    PyObject* in = t.int_enum ? int_value(v) : Py_NewRef(v); // IntEnum: int_validator first
    if (!in) return nullptr;
    // Enum(value) looks the value up in _value2member_map_ first: do that without the call.
    PyObject* member = PyDict_GetItemWithError(t.enum_map, in);
    if (member) {
        Py_DECREF(in);
        return Py_NewRef(member);
    }
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
            Py_DECREF(in);
            return nullptr;
        }
        PyErr_Clear();
    }
    PyObject* r = PyObject_CallOneArg(t.cls, in);
    Py_DECREF(in);
    if (r) return r;
    if (!PyErr_ExceptionMatches(PyExc_ValueError)) return nullptr;
    PyErr_Clear();
    return fail_obj(Py_NewRef(t.enum_msg), "type_error.enum", g.k_enum_values, t.enum_members);
}

PyObject* run(PyObject* cls, PyObject* data, PyObject* loc_prefix, PyObject* into, PyObject** errors) {
    *errors = nullptr;
    ModelSchema* s = schema_of(cls);
    if (!s) return nullptr;
    Validator v(loc_prefix);
    PyObject* r = v.model(*s, data, into);
    if (r || PyErr_Occurred()) return r;
    *errors = v.take_errors();
    if (!*errors) PyErr_SetString(PyExc_SystemError, "validation failed without an error");
    return nullptr;
}

// --------------------------------------------------------------------------------- Python entry

PyObject* py_validate_model(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2 && nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "validate_model(cls, data, loc_prefix=()) takes 2 or 3 arguments");
        return nullptr;
    }
    PyObject* prefix = nargs == 3 ? args[2] : nullptr;
    if (prefix && !PyTuple_Check(prefix)) {
        PyErr_SetString(PyExc_TypeError, "loc_prefix must be a tuple");
        return nullptr;
    }
    PyObject* errors = nullptr;
    PyObject* r = run(args[0], args[1], prefix, nullptr, &errors);
    if (r) {
        PyObject* t = PyTuple_Pack(2, r, Py_None);
        Py_DECREF(r);
        return t;
    }
    if (!errors) return nullptr;
    PyObject* t = PyTuple_Pack(2, Py_None, errors);
    Py_DECREF(errors);
    return t;
}

// Model.__init__: validates keyword arguments into `self`; returns None or the error list.
PyObject* py_model_init(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "model_init(self, data) takes 2 arguments");
        return nullptr;
    }
    PyObject* errors = nullptr;
    PyObject* r = run(reinterpret_cast<PyObject*>(Py_TYPE(args[0])), args[1], nullptr, args[0], &errors);
    if (r) {
        Py_DECREF(r);
        Py_RETURN_NONE;
    }
    return errors;
}

// Model.__init__ itself (bound through an instancemethod): validates keyword arguments into
// `self` and raises turboapi.models.ValidationError, without a Python frame in between.
PyObject* py_model_init_method(PyObject*, PyObject* args, PyObject* kwargs) {
    if (PyTuple_GET_SIZE(args) != 1) {
        PyErr_Format(PyExc_TypeError, "__init__() takes exactly 1 positional argument (%zd given)",
                     PyTuple_GET_SIZE(args));
        return nullptr;
    }
    PyObject* self = PyTuple_GET_ITEM(args, 0);
    PyObject* data = kwargs ? Py_NewRef(kwargs) : PyDict_New();
    if (!data) return nullptr;
    PyObject* errors = nullptr;
    PyObject* cls = reinterpret_cast<PyObject*>(Py_TYPE(self));
    PyObject* r = run(cls, data, nullptr, self, &errors);
    Py_DECREF(data);
    if (r) {
        Py_DECREF(r);
        Py_RETURN_NONE;
    }
    if (!errors) return nullptr;
    PyObject* exc = PyObject_CallFunctionObjArgs(g.validation_error, errors, cls, nullptr);
    Py_DECREF(errors);
    if (exc) {
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc)), exc);
        Py_DECREF(exc);
    }
    return nullptr;
}

PyMethodDef kInitMethodDef = {
    "__init__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_model_init_method)),
    METH_VARARGS | METH_KEYWORDS, "Validates the keyword arguments (pydantic 1 rules)."};

PyMethodDef kValidateDef = {
    "validate_model", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_validate_model)),
    METH_FASTCALL,
    "validate_model(cls, data, loc_prefix=()) -> (instance, None) | (None, errors); error locations "
    "start with loc_prefix"};
PyMethodDef kInitDef = {"model_init",
                        reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_model_init)),
                        METH_FASTCALL, "model_init(self, data) -> None | errors (Model.__init__)"};

void register_model_base(py::object base, py::object meta, py::object validation_error) {
    auto intern = [](const char* s) { return PyUnicode_InternFromString(s); };
    py::object descr = base.attr("__dict__")["_turbo_set"];
    if (!Py_IS_TYPE(descr.ptr(), &PyMemberDescr_Type))
        throw py::type_error("Model._turbo_set must be a slot");
    g.set_offset = reinterpret_cast<PyMemberDescrObject*>(descr.ptr())->d_member->offset;
    g.model_base = base.release().ptr();
    g.model_meta = meta.release().ptr();
    g.validation_error = validation_error.release().ptr();
    g.enum_type = py::object(py::module_::import("enum").attr("Enum")).release().ptr();
    g.decimal_type = py::object(py::module_::import("decimal").attr("Decimal")).release().ptr();
    g.deque_type = py::object(py::module_::import("collections").attr("deque")).release().ptr();
    g.deepcopy = py::object(py::module_::import("copy").attr("deepcopy")).release().ptr();
    g.bool_true = py::eval("frozenset({1, '1', 'on', 't', 'true', 'y', 'yes'})").release().ptr();
    g.bool_false = py::eval("frozenset({0, '0', 'off', 'f', 'false', 'n', 'no'})").release().ptr();
    g.k_capsule = intern("__turbo_native__");
    g.k_prepare = intern("_turbo_prepare");
    g.k_value = intern("value");
    g.k_loc = intern("loc");
    g.k_msg = intern("msg");
    g.k_type = intern("type");
    g.k_ctx = intern("ctx");
    g.k_limit_value = intern("limit_value");
    g.k_pattern = intern("pattern");
    g.k_enum_values = intern("enum_values");
    g.k_multiple_of = intern("multiple_of");
    g.k_key = intern("__key__");
}

} // namespace

PyObject* validate_model_object(PyObject* cls, PyObject* data, PyObject* loc_prefix, PyObject** errors) {
    return run(cls, data, loc_prefix, nullptr, errors);
}

py::tuple validate_model(py::handle cls, py::handle data) {
    PyObject* errors = nullptr;
    PyObject* r = run(cls.ptr(), data.ptr(), nullptr, nullptr, &errors);
    if (r) return py::make_tuple(py::reinterpret_steal<py::object>(r), py::none());
    if (!errors) throw py::error_already_set();
    return py::make_tuple(py::none(), py::reinterpret_steal<py::object>(errors));
}

int model_keys(PyObject* obj, const ModelKey*& keys, size_t& count) {
    if (!g.model_meta) return 0;
    PyTypeObject* meta = Py_TYPE(Py_TYPE(obj));
    if (reinterpret_cast<PyObject*>(meta) != g.model_meta &&
        !PyType_IsSubtype(meta, reinterpret_cast<PyTypeObject*>(g.model_meta)))
        return 0;
    ModelSchema* s = schema_of(reinterpret_cast<PyObject*>(Py_TYPE(obj)));
    if (!s) return -1;
    keys = s->keys.data();
    count = s->keys.size();
    return 1;
}

void bind_model(py::module_& m) {
    m.add_object("validate_model",
                 py::reinterpret_steal<py::object>(PyCFunction_NewEx(&kValidateDef, nullptr, m.ptr())));
    m.add_object("model_init",
                 py::reinterpret_steal<py::object>(PyCFunction_NewEx(&kInitDef, nullptr, m.ptr())));
    PyObject* init = PyCFunction_NewEx(&kInitMethodDef, nullptr, nullptr);
    if (!init) throw py::error_already_set();
    m.add_object("model_init_method", py::reinterpret_steal<py::object>(PyInstanceMethod_New(init)));
    Py_DECREF(init);
    m.def("_register_model_base", &register_model_base, py::arg("base"), py::arg("meta"),
          py::arg("validation_error"),
          "Called once by turboapi.models: the Model base class, its metaclass and ValidationError.");
}

} // namespace turbo::worker
