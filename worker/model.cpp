// turboapi.Model validation in C++ (see model.h). Stub until the models work lands.
#include "worker/model.h"

namespace turbo::worker {

py::tuple validate_model(py::handle cls, py::handle data) {
    throw py::type_error("validate_model is not implemented yet");
}

void bind_model(py::module_& m) {
    m.def("validate_model", &validate_model, py::arg("cls"), py::arg("data"));
}

} // namespace turbo::worker
