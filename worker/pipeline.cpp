// The native middleware pipeline (middleware/) around the app: built at start-up from
// app._turbo_middleware(), run for every request by App::serve.
//
//   on_request, outermost first: an early answer (preflight, 400, redirect, 429) goes out at once,
//   without entering Python;
//   the app (handle: native route, Python route and Python middleware, router 404/405/307, 422...);
//   on_response, innermost first, unless the answer is an unhandled exception's 500 (Starlette's
//   ServerErrorMiddleware sits outside every middleware).
#include "worker/worker_internal.h"

#include <pybind11/stl.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <stdexcept>

namespace turbo::worker {

namespace {

constexpr size_t kHeapRateLimitBuckets = 4096; // the TestClient's table (one process, few clients)

std::unique_ptr<middleware::Middleware> make_middleware(const std::string& name, const py::dict& o,
                                                        middleware::RateLimitTable table) {
    using S = std::vector<std::string>;
    if (name == "CORSMiddleware") {
        middleware::CorsConfig c;
        c.allow_origins = o["allow_origins"].cast<S>();
        c.allow_methods = o["allow_methods"].cast<S>();
        c.allow_headers = o["allow_headers"].cast<S>();
        c.allow_credentials = o["allow_credentials"].cast<bool>();
        c.allow_origin_regex = o["allow_origin_regex"].cast<std::string>();
        c.expose_headers = o["expose_headers"].cast<S>();
        c.max_age_seconds = o["max_age"].cast<int64_t>();
        return middleware::make_cors(c);
    }
    if (name == "GZipMiddleware") {
        middleware::GzipConfig c;
        c.minimum_size_bytes = o["minimum_size"].cast<size_t>();
        c.compresslevel = o["compresslevel"].cast<int>();
        return middleware::make_gzip(c);
    }
    if (name == "TrustedHostMiddleware") {
        middleware::TrustedHostConfig c;
        c.allowed_hosts = o["allowed_hosts"].cast<S>();
        c.www_redirect = o["www_redirect"].cast<bool>();
        return middleware::make_trusted_host(c);
    }
    if (name == "HTTPSRedirectMiddleware") return middleware::make_https_redirect();
    if (name == "RequestIdMiddleware") {
        middleware::RequestIdConfig c;
        c.header_name = o["header_name"].cast<std::string>();
        c.max_length_bytes = o["max_length"].cast<size_t>();
        return middleware::make_request_id(c);
    }
    if (name == "TimingMiddleware") {
        middleware::TimingConfig c;
        c.metric_name = o["metric_name"].cast<std::string>();
        return middleware::make_timing(c);
    }
    if (name == "RateLimitMiddleware") {
        middleware::RateLimitConfig c;
        c.rate_per_second = o["rate_per_second"].cast<double>();
        c.burst = o["burst"].cast<uint32_t>();
        c.trusted_proxies = o["trusted_proxies"].cast<S>();
        return middleware::make_rate_limit(c, table);
    }
    throw std::invalid_argument(name + ": not a native middleware");
}

} // namespace

void App::build_pipeline(py::handle specs, middleware::RateLimitTable table) {
    attr_streamed_ = py::reinterpret_steal<py::object>(PyUnicode_InternFromString("_turbo_streamed"));
    attr_server_error_ = py::reinterpret_steal<py::object>(PyUnicode_InternFromString("_turbo_server_error"));
    attr_single_message_ =
        py::reinterpret_steal<py::object>(PyUnicode_InternFromString("_turbo_single_message_below"));
    std::vector<std::unique_ptr<middleware::Middleware>> list;
    for (py::handle h : specs) {
        const auto spec = py::reinterpret_borrow<py::dict>(h);
        const auto name = spec["name"].cast<std::string>();
        const py::dict options = spec["options"];
        if (name == "RateLimitMiddleware" && !table.valid()) {
            // No server segment (the TestClient): the buckets live on the heap of this process.
            const size_t bytes =
                (middleware::RateLimitTable::bytes_for(kHeapRateLimitBuckets) + 63) / 64 * 64;
            heap_rate_limit_block_.reset(std::aligned_alloc(64, bytes));
            if (!heap_rate_limit_block_ ||
                middleware::RateLimitTable::init(heap_rate_limit_block_.get(), kHeapRateLimitBuckets,
                                                 table) != middleware::RateLimitTable::Error::kNone)
                throw std::runtime_error("RateLimitMiddleware: cannot allocate the rate-limit table");
        }
        try {
            list.push_back(make_middleware(name, options, table));
        } catch (const std::invalid_argument& e) { // the factories' messages start with the class name
            throw std::runtime_error(e.what());
        } catch (const py::cast_error& e) {
            throw std::runtime_error(name + ": an option has the wrong type (" + e.what() + ")");
        } catch (const py::error_already_set& e) {
            throw std::runtime_error(name + ": bad options (" + e.what() + ")");
        }
        pipeline_gzip_ |= name == "GZipMiddleware";
    }
    try {
        pipeline_ = middleware::Pipeline(std::move(list));
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(e.what());
    }
}

void Exchange::bind(const shm::RequestView& view) {
    percent_decode(view.path, path, false);
    headers.clear();
    for (const auto& h : view.headers)
        headers.push_back({h.name, h.value});
    request.method = view.method;
    request.path = path;
    request.query = view.query;
    request.scheme = "http"; // the server speaks plain HTTP (as uvicorn without proxy headers)
    request.headers = headers;
    // "ip:port" as the master writes it ("::1:5555" for IPv6), "" for a unix socket.
    std::string_view client = view.client;
    if (const size_t colon = client.rfind(':'); colon != std::string_view::npos)
        client = client.substr(0, colon);
    if (client.size() >= 2 && client.front() == '[' && client.back() == ']')
        client = client.substr(1, client.size() - 2);
    request.client_ip = client;
    request.server_host = "localhost"; // used only by URLs of a request without Host
    request.server_port = 80;
}

bool Exchange::encode_chunk(std::string_view chunk, std::string& out) {
    if (!context.gzip_stream) {
        out.append(chunk);
        return true;
    }
    return context.gzip.feed(chunk, out, context.gzip_sync_flush);
}

bool Exchange::end_stream(std::string& out) {
    if (!context.gzip_stream) return true;
    context.gzip_stream = false;
    return context.gzip.finish(out);
}

namespace {

// The stream's announced content-length is below the response's single-message size.
bool single_message(const Response& out) {
    if (out.single_message_below_bytes == 0) return false;
    const std::string* length = middleware::find_header(out, "content-length");
    if (!length) return false;
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    return ec == std::errc() && end == length->data() + length->size() && n < out.single_message_below_bytes;
}

} // namespace

void App::serve(const shm::RequestView& request, Response& out, Exchange& exchange) {
    if (!has_pipeline()) {
        handle(request, out);
        return;
    }
    out.clear();
    exchange.bind(request);
    exchange.context.reset();
    if (pipeline_.on_request(exchange.request, out, exchange.context) == middleware::Decision::kRespond)
        return; // answered by a middleware: no Python ran
    handle(request, out);
    if (!out.pending) after_app(request, out, exchange);
}

void App::serve_task(const Route& route, PyObject* task, const shm::RequestView& request, Response& out,
                     Exchange& exchange) {
    finish_task(route, task, request, out);
    if (!has_pipeline()) return;
    exchange.bind(request); // the request was decoded again: its views moved
    after_app(request, out, exchange);
}

void App::after_app(const shm::RequestView& request, Response& out, Exchange& exchange) {
    if (out.outside_middleware) return;
    if (out.stream) {
        out.streaming = true;
        // Only when GZip may compress it: otherwise the head goes out before the first chunk, as always.
        std::string_view accept;
        const bool gzip = pipeline_gzip_ &&
                          middleware::find_header(exchange.request, "accept-encoding", accept) &&
                          accept.find("gzip") != std::string_view::npos;
        if (gzip && !(single_message(out) ? read_whole_stream(request, out) : prefetch_stream(request, out)))
            return;
    } else {
        // Starlette streams what comes out of a BaseHTTPMiddleware's call_next, one chunk per
        // message; an empty body is no chunk at all.
        out.streaming = out.from_call_next && !out.body_view().empty();
    }
    pipeline_.on_response(exchange.request, out, exchange.context);
    if (out.stream && !out.streaming && !out.body_view().empty()) out.stream = py::object(); // see prefetch
    if (exchange.context.gzip_stream && !out.stream) {
        // A whole body Starlette would have streamed: its one chunk compressed at once.
        std::string& packed = exchange.context.scratch;
        packed.clear();
        if (!exchange.encode_chunk(out.body_view(), packed) || !exchange.end_stream(packed)) {
            spdlog::error("gzip failed (out of memory?) for {} {}", request.method,
                          std::string(request.path));
            out.clear();
            internal_error(out);
            return;
        }
        out.body.swap(packed);
        out.borrowed_body.reset();
    }
}

// GZip decides on a stream by its first body message (Starlette's GZipResponder): an empty stream is
// one empty, final message, which it leaves alone. So the first chunk is taken before the head goes out.
bool App::prefetch_stream(const shm::RequestView& request, Response& out) {
    BodyIterator it(*this, out.stream.ptr());
    const auto step = it.ok() ? it.next(out.first_chunk) : BodyIterator::Step::kFailed;
    if (step == BodyIterator::Step::kFailed) {
        // Nothing was sent yet: as in Starlette behind GZip, the error becomes the 500.
        log_exception(request, fetch_exception());
        out.clear();
        internal_error(out);
        return false;
    }
    if (step == BodyIterator::Step::kEnd) {
        // Still sent as an (empty, chunked) stream, unless GZip gives it a body (minimum_size 0).
        out.stream = it.iterator();
        out.streaming = false;
        return true;
    }
    out.stream = it.iterator();
    out.has_first_chunk = true;
    return true;
}

// A small FileResponse: Starlette sends it as one final body message, so GZip compresses it as a
// whole body (minimum_size applies, content-length kept). Read here; the file is under 64 KiB.
bool App::read_whole_stream(const shm::RequestView& request, Response& out) {
    BodyIterator it(*this, out.stream.ptr());
    std::string chunk;
    out.body.clear();
    auto step = it.ok() ? it.next(chunk) : BodyIterator::Step::kFailed;
    for (; step == BodyIterator::Step::kChunk; step = it.next(chunk))
        out.body.append(chunk);
    if (step == BodyIterator::Step::kFailed) {
        log_exception(request, fetch_exception());
        out.clear();
        internal_error(out);
        return false;
    }
    out.stream = py::object();
    out.borrowed_body.reset();
    out.streaming = false;
    return true;
}

// turboapi.responses.Response has these as class attributes; turboapi's middleware code sets the
// first two on an instance (middleware/base.py, applications.py), FileResponse the third.
void App::read_marks(PyObject* response, Response& out) {
    for (auto [name, flag] : {std::pair{attr_streamed_.ptr(), &out.from_call_next},
                              std::pair{attr_server_error_.ptr(), &out.outside_middleware}}) {
        PyObject* v = PyObject_GetAttr(response, name);
        if (!v) {
            PyErr_Clear();
            continue;
        }
        *flag = v == Py_True;
        Py_DECREF(v);
    }
    if (PyObject* v = PyObject_GetAttr(response, attr_single_message_.ptr())) {
        const unsigned long long n = PyLong_Check(v) ? PyLong_AsUnsignedLongLong(v) : 0;
        out.single_message_below_bytes = PyErr_Occurred() ? 0 : n;
        PyErr_Clear();
        Py_DECREF(v);
    } else {
        PyErr_Clear();
    }
}

} // namespace turbo::worker
