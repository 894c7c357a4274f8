// turboapi._native as an extension module (for the TestClient and for users' tests).
#include "worker/worker_internal.h"

PYBIND11_MODULE(_native, m) {
    turbo::worker::define_module(m);
}
