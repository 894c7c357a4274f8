// JSON in C++ (worker/json.cpp, what the worker runs) against what FastAPI runs, in one embedded CPython:
//   serialize a returned value:  dump_json(obj)            vs  Starlette's JSONResponse.render(obj):
//                                                             json.dumps(obj, ensure_ascii=False,
//                                                             allow_nan=False, indent=None, separators=(",",
//                                                             ":")).encode("utf-8") and FastAPI's
//                                                             jsonable_encoder(obj) before it
//   parse a request body:        load_json(simdjson, text)  vs  json.loads(body)
// Two payloads: {"message": "Hello, World!"} (GET /json) and a list of 20 item dicts (GET /mw, 1.2 KiB).
#include "worker/worker_internal.h"

#include <benchmark/benchmark.h>
#include <pybind11/embed.h>

#include <string>

namespace {

namespace py = pybind11;

// The Python side, defined once (the interpreter lives for the whole run, started in main.cpp).
const char* kPython = R"(
import json, sys
SMALL = {"message": "Hello, World!"}
ITEMS = [{"id": i, "name": f"item {i}", "price": 9.99, "tags": ["tools", "blue"]} for i in range(20)]
PAYLOADS = {"small": SMALL, "items": ITEMS}
_dumps = json.dumps
def render(content):  # starlette.responses.JSONResponse.render
    return _dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")
try:
    from fastapi.encoders import jsonable_encoder
    def fastapi_serialize(content):  # what FastAPI does with a returned value: encode, then render
        return render(jsonable_encoder(content))
except ImportError:
    fastapi_serialize = None
loads = json.loads
)";

py::dict& ns() {
    static py::dict* d = [] {
        auto* g = new py::dict();
        py::exec(kPython, *g);
        return g;
    }();
    return *d;
}

py::object payload(int which) {
    return ns()["PAYLOADS"][which == 0 ? "small" : "items"];
}

void label(benchmark::State& state, int which) {
    state.SetLabel(which == 0 ? "GET /json dict" : "20 item dicts");
}

void BM_SerializeTurbo(benchmark::State& state) {
    py::object obj = payload(int(state.range(0)));
    std::string out;
    for (auto _ : state) {
        out.clear();
        if (!turbo::worker::dump_json(obj.ptr(), out, nullptr)) {
            state.SkipWithError("dump_json failed");
            PyErr_Clear();
            return;
        }
        benchmark::DoNotOptimize(out.data());
    }
    label(state, int(state.range(0)));
    state.SetItemsProcessed(state.iterations());
}

void call_python(benchmark::State& state, const char* fn) {
    py::object f = ns()[fn];
    if (f.is_none()) {
        state.SkipWithError("fastapi is not importable");
        return;
    }
    py::object obj = payload(int(state.range(0)));
    for (auto _ : state) {
        PyObject* r = PyObject_CallOneArg(f.ptr(), obj.ptr());
        if (!r) {
            PyErr_Clear();
            state.SkipWithError("the Python call failed");
            return;
        }
        Py_DECREF(r);
    }
    label(state, int(state.range(0)));
    state.SetItemsProcessed(state.iterations());
}

void BM_SerializeStarletteRender(benchmark::State& state) {
    call_python(state, "render");
}
void BM_SerializeFastAPI(benchmark::State& state) {
    call_python(state, "fastapi_serialize");
}

std::string text_of(int which) {
    std::string out;
    turbo::worker::dump_json(payload(which).ptr(), out, nullptr);
    return out;
}

void BM_ParseTurbo(benchmark::State& state) {
    const std::string text = text_of(int(state.range(0)));
    simdjson::dom::parser parser;
    for (auto _ : state) {
        PyObject* r = turbo::worker::load_json(parser, text);
        if (!r) {
            state.SkipWithError("load_json failed");
            return;
        }
        Py_DECREF(r);
    }
    label(state, int(state.range(0)));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}

void BM_ParsePythonJson(benchmark::State& state) {
    const std::string text = text_of(int(state.range(0)));
    py::bytes body(text);
    py::object loads = ns()["loads"];
    for (auto _ : state) {
        PyObject* r = PyObject_CallOneArg(loads.ptr(), body.ptr());
        if (!r) {
            PyErr_Clear();
            state.SkipWithError("json.loads failed");
            return;
        }
        Py_DECREF(r);
    }
    label(state, int(state.range(0)));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}

} // namespace

// Argument 0: {"message": "Hello, World!"}; 1: 20 item dicts.
BENCHMARK(BM_SerializeTurbo)->Arg(0)->Arg(1);
BENCHMARK(BM_SerializeStarletteRender)->Arg(0)->Arg(1);
BENCHMARK(BM_SerializeFastAPI)->Arg(0)->Arg(1);
BENCHMARK(BM_ParseTurbo)->Arg(0)->Arg(1);
BENCHMARK(BM_ParsePythonJson)->Arg(0)->Arg(1);
