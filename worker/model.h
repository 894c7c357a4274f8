// turboapi.Model validation in C++: a model's fields (read once per class from its
// __turbo_fields__) checked against Python data with pydantic 1's rules and error messages.
#pragma once

#include <pybind11/pybind11.h>

namespace turbo::worker {

namespace py = pybind11;

/// validate_model(cls, data) -> (instance, None) on success, (None, errors) otherwise, where errors
/// is a list of FastAPI/pydantic-1 error dicts ({"loc": (...), "msg": ..., "type": ..., "ctx"?})
/// with locations relative to the model.
py::tuple validate_model(py::handle cls, py::handle data);

/// Registers validate_model (and helpers) in turboapi._native.
void bind_model(py::module_& m);

} // namespace turbo::worker
