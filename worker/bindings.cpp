// turboapi._native: the worker's C++ pieces as a Python module. The worker registers it as a
// built-in module; the TestClient loads the same code as an extension (native_module.cpp), so tests
// run the routing, validation and serialization the server runs.
#include "worker/form.h"
#include "worker/model.h"
#include "worker/worker_internal.h"

#include <pybind11/stl.h>

namespace turbo::worker {

namespace {

py::object split_client(const std::string& client) {
    if (client.empty()) return py::none();
    const auto colon = client.rfind(':');
    if (colon == std::string::npos) return py::make_tuple(client, 0);
    std::string host = client.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = 0;
    try {
        port = std::stoi(client.substr(colon + 1));
    } catch (...) {
        port = 0;
    }
    return py::make_tuple(host, port);
}

/// The TestClient's entry: one request through App::handle, answered as
/// (status, [(name, value)], body, stream_iterator_or_None, background_or_None).
class TestApp {
public:
    TestApp(py::object app, bool raise_exceptions) : app_(std::move(app)) {
        app_.capture_exceptions(raise_exceptions);
    }

    py::tuple handle(const std::string& method, const std::string& path, const std::string& query,
                     const std::vector<std::pair<std::string, std::string>>& headers, py::bytes body,
                     const std::string& client) {
        std::string_view body_view = body;
        shm::RequestView request;
        request.method = method;
        request.path = path;
        request.query = query;
        request.client = client;
        request.body = body_view;
        lowered_.clear();
        for (const auto& [n, v] : headers) {
            std::string lower = n;
            for (auto& c : lower)
                c = char(std::tolower(static_cast<unsigned char>(c)));
            lowered_.emplace_back(std::move(lower), v);
        }
        for (const auto& [n, v] : lowered_)
            request.headers.push_back({n, v});
        Response out;
        app_.serve(request, out, exchange_);
        if (py::object exc = app_.take_exception(); exc && !exc.is_none()) {
            PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
            throw py::error_already_set();
        }
        py::object stream = out.stream;
        if (stream && (out.has_first_chunk || exchange_.context.gzip_stream)) stream = drain(out);
        py::list out_headers;
        for (const auto& [n, v] : out.headers)
            out_headers.append(py::make_tuple(py::str(n), py::str(v)));
        const auto b = out.body_view();
        auto or_none = [](const py::object& o) { return o ? o : py::object(py::none()); };
        return py::make_tuple(out.status, out_headers, py::bytes(b.data(), b.size()), or_none(stream),
                              or_none(out.background));
    }

    // A stream the pipeline looked into (its first chunk taken) or compresses: read here, as the
    // worker sends it, into a list of the chunks that would go out. The generator's error propagates.
    py::list drain(Response& out) {
        py::list chunks;
        BodyIterator it(app_, out.stream.ptr());
        if (!it.ok()) throw py::error_already_set();
        std::string chunk, encoded;
        bool pending = out.has_first_chunk;
        auto emit = [&] {
            if (!encoded.empty()) chunks.append(py::bytes(encoded));
            encoded.clear();
        };
        while (true) {
            if (pending) {
                chunk.swap(out.first_chunk);
                pending = false;
            } else {
                const auto step = it.next(chunk);
                if (step == BodyIterator::Step::kEnd) break;
                if (step == BodyIterator::Step::kFailed) {
                    exchange_.context.gzip_stream = false;
                    throw py::error_already_set();
                }
            }
            if (!exchange_.encode_chunk(chunk, encoded)) throw std::runtime_error("gzip failed");
            emit();
        }
        if (!exchange_.end_stream(encoded)) throw std::runtime_error("gzip failed");
        emit();
        return chunks;
    }

    void startup() { app_.startup(); }
    void shutdown() { app_.shutdown(); }

private:
    App app_;
    Exchange exchange_;
    std::vector<std::pair<std::string, std::string>> lowered_;
};

} // namespace

void define_module(py::module_& m) {
    m.doc() = "TurboAPI's C++ request handling (routing, validation, JSON)";
    py::class_<RequestData, std::shared_ptr<RequestData>>(m, "RequestData")
        .def_property_readonly("method", [](const RequestData& r) { return py::str(r.method); })
        .def_property_readonly("path", [](const RequestData& r) { return py::str(r.path); })
        .def_property_readonly("raw_path", [](const RequestData& r) { return py::bytes(r.raw_path); })
        .def_property_readonly("query_string", [](const RequestData& r) { return py::bytes(r.query); })
        .def_property_readonly("headers",
                               [](const RequestData& r) {
                                   py::list l;
                                   for (const auto& [n, v] : r.headers)
                                       l.append(py::make_tuple(py::bytes(n), py::bytes(v)));
                                   return l;
                               })
        .def_property_readonly("body", [](const RequestData& r) { return r.body; })
        .def_property_readonly("client", [](const RequestData& r) { return split_client(r.client); })
        .def_property_readonly("http_version",
                               [](const RequestData& r) {
                                   return py::str(std::to_string(r.http_major) + "." +
                                                  std::to_string(r.http_minor));
                               })
        .def_property_readonly("path_params", [](const RequestData& r) {
            py::dict d;
            for (const auto& [n, v] : r.path_params)
                d[py::str(n)] = py::str(v);
            return d;
        });
    py::class_<TestApp>(m, "App")
        .def(py::init<py::object, bool>(), py::arg("app"), py::arg("raise_exceptions") = false)
        .def("handle", &TestApp::handle, py::arg("method"), py::arg("path"), py::arg("query_string"),
             py::arg("headers"), py::arg("body"), py::arg("client") = "testclient:50000")
        .def("startup", &TestApp::startup)
        .def("shutdown", &TestApp::shutdown);
    m.def("dumps", [](py::handle obj) {
        // Looked up on the first call (turboapi.encoders imports this module) and kept for the life
        // of the process: a static py::object would be released after the interpreter is gone.
        static PyObject* encoder =
            py::object(py::module_::import("turboapi.encoders").attr("jsonable_encoder")).release().ptr();
        std::string out;
        if (!dump_json(obj.ptr(), out, encoder)) throw py::error_already_set();
        return py::bytes(out);
    });
    bind_model(m);
    bind_form(m);
}

} // namespace turbo::worker
