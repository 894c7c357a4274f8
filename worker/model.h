// turboapi.Model validation in C++: a model's fields (read once per class from its
// __turbo_fields__) checked against Python data with pydantic 1's rules and error messages.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>

namespace turbo::worker {

namespace py = pybind11;

/// validate_model(cls, data) -> (instance, None) on success, (None, errors) otherwise, where errors
/// is a list of FastAPI/pydantic-1 error dicts ({"loc": (...), "msg": ..., "type": ..., "ctx"?})
/// with locations relative to the model. Throws py::error_already_set only when validation itself
/// cannot run (cls is not a Model subclass, a field type cannot be resolved, out of memory).
py::tuple validate_model(py::handle cls, py::handle data);

/// The same without C++ exceptions, for the request path. Returns a new reference to the instance;
/// or nullptr with `*errors` set to a new list of error dicts whose locations start with the items
/// of `loc_prefix` (a tuple, e.g. ("body",), or nullptr); or nullptr with `*errors` == nullptr and a
/// Python exception set. `data` is what json.loads returns.
PyObject* validate_model_object(PyObject* cls, PyObject* data, PyObject* loc_prefix, PyObject** errors);

/// A model field as the JSON serializer writes it: the attribute name and `"alias":`, ready to append.
struct ModelKey {
    PyObject* name;       // interned field name (the key in the instance's __dict__)
    std::string json_key; // the alias as a JSON string, then ':' (FastAPI serializes by alias)
};

/// For dump_json: 1 with `keys`/`count` set to the fields of `obj`'s class in declaration order when
/// `obj` is a turboapi.Model instance; 0 when it is not; -1 with a Python exception set.
int model_keys(PyObject* obj, const ModelKey*& keys, size_t& count);

/// Registers validate_model, model_init and _register_model_base in turboapi._native.
void bind_model(py::module_& m);

} // namespace turbo::worker
