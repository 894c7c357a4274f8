// Form bodies in C++ (see form.h). Stub until the forms work lands.
#include "worker/form.h"

namespace turbo::worker {

void bind_form(py::module_& m) {}

} // namespace turbo::worker
