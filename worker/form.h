// Form bodies in C++: application/x-www-form-urlencoded and multipart/form-data.
#pragma once

#include <pybind11/pybind11.h>

namespace turbo::worker {

namespace py = pybind11;

/// Registers parse_form in turboapi._native.
void bind_form(py::module_& m);

} // namespace turbo::worker
