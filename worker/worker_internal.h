// Internals of the worker: the app dispatcher (route, convert, call, serialize) and JSON in C++.
// Everything here runs with the GIL held.
#pragma once

#include "middleware/middleware.h"
#include "router/router.h"
#include "shm/shm.h"

#include <pybind11/pybind11.h>
#include <simdjson.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turbo::worker {

namespace py = pybind11;

// ------------------------------------------------------------------------------------------- JSON

/// Appends json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")) to `out`.
/// Types JSON has no word for go through `fallback` (turboapi.encoders.jsonable_encoder) once.
/// Returns false with a Python exception set when `obj` cannot be serialized.
bool dump_json(PyObject* obj, std::string& out, PyObject* fallback);

/// Parses JSON text into Python objects (a new reference). Returns nullptr when the text is not
/// valid JSON (no Python exception set); the caller asks Python's json module for the exact error.
/// Integers beyond 64 bits are built through int() so nothing is lost.
PyObject* load_json(simdjson::dom::parser& parser, std::string_view text);

// ----------------------------------------------------------------------------------------- routes

enum class ParamSource : uint8_t { Path, Query, Header, Cookie, Body };
enum class ParamKind : uint8_t { Str, Int, Float, Bool, Any, Dict, List, Model };

/// One handler parameter, resolved once at start-up from the signature (turboapi.routing).
struct ParamSpec {
    std::string alias; // key in the request: path param, query key, lower-case header name
    ParamSource source = ParamSource::Query;
    ParamKind kind = ParamKind::Str;
    ParamKind item_kind = ParamKind::Str; // is_list: the kind of each value
    bool is_list = false;                 // query only: every value of a repeated key, as a list
    bool required = true;
    py::object default_value; // used when absent and not required (lists and dicts are copied)
    py::object model;         // kind Model: the turboapi.Model subclass
};

/// What a python-mode route (and an exception hook) receives: a copy of the request, turned into
/// Python objects only for the attributes Python reads (turboapi._native.RequestData).
struct RequestData {
    std::string method, path, raw_path, query, client;
    py::bytes body; // made once, here: Request.body() hands out this object (a large body is copied once)
    std::vector<std::pair<std::string, std::string>> headers; // names lower-case
    std::vector<std::pair<std::string, std::string>> path_params;
    uint8_t http_major = 1, http_minor = 1;
};

struct Route {
    bool python_mode = false; // the Python handler resolves everything (docs/design/app-contract.md)
    py::object handler;       // python mode: handler(RequestData) -> value or awaitable
    py::object serialize;     // native mode: applied to the endpoint's result, or None
    py::object endpoint;
    std::vector<ParamSpec> params;
    py::object kwnames; // tuple of parameter names, in `params` order (vectorcall)
    uint16_t status_code = 200;
    bool is_coroutine = false;
    bool has_body = false;
    std::string pattern;
    std::string allow; // "GET, POST": a 405's Allow when this route is the first one on the path
};

/// A response as the worker hands it to the master: the middleware view (status, headers, body or
/// borrowed_body) plus what only the worker knows.
struct Response : middleware::Response {
    py::object body_owner; // a Response's bytes, kept alive and read in place (borrowed_body views them)
    py::object stream;     // a StreamingResponse's body_iterator: the body is produced by it
    py::object background; // called after the response is pushed (may return an awaitable)
    py::object pending;    // concurrent mode: the handler's coroutine, to run as a task (no response yet)
    const struct Route* pending_route = nullptr;
    /// An unhandled exception's 500, or the answer of the app's 500/Exception handler: Starlette's
    /// ServerErrorMiddleware sends it outside every middleware, so on_response is skipped.
    bool outside_middleware = false;
    /// The body went through a Python middleware's call_next, which Starlette streams (so an outer
    /// GZip compresses it whatever its size).
    bool from_call_next = false;
    /// A stream whose content-length is below this is one body message in Starlette (FileResponse
    /// reads its file in one go), which GZip handles as a whole body.
    uint64_t single_message_below_bytes = 0;
    /// `stream` is already an iterator whose first chunk was taken (the pipeline looks at it before
    /// the head goes out): send `first_chunk` before the rest.
    bool has_first_chunk = false;
    std::string first_chunk;

    void clear() {
        status = 200;
        headers.clear();
        body.clear();
        borrowed_body.reset();
        streaming = false;
        body_owner = py::object();
        stream = py::object();
        background = py::object();
        pending = py::object();
        pending_route = nullptr;
        outside_middleware = false;
        from_call_next = false;
        single_message_below_bytes = 0;
        has_first_chunk = false;
        first_chunk.clear();
    }
};

/// The native middleware pipeline's state for one request, reused across requests (the worker keeps
/// one per request in progress; nothing here is allocated per request once warm).
struct Exchange {
    middleware::Context context;
    middleware::Request request;             // views into the shm request and `path`
    std::vector<middleware::Header> headers; // the request's headers as the middlewares read them
    std::string path;                        // percent-decoded, as ASGI's scope["path"]
    /// Points `request` at `view`, whose bytes must stay valid while the exchange is in use.
    void bind(const shm::RequestView& view);
    /// A streamed body's chunk as it goes out (gzip'd when the pipeline compresses the stream),
    /// appended to `out`; end_stream appends the end of the encoding. False when zlib failed.
    bool encode_chunk(std::string_view chunk, std::string& out);
    bool end_stream(std::string& out);
};

class App;

/// A StreamingResponse's body_iterator (sync or async), chunk by chunk.
class BodyIterator {
public:
    enum class Step { kChunk, kEnd, kFailed };       // kFailed: a Python exception is set
    BodyIterator(App& app, PyObject* body_iterator); // check ok() (a Python exception is set)
    ~BodyIterator();
    BodyIterator(const BodyIterator&) = delete;
    BodyIterator& operator=(const BodyIterator&) = delete;
    bool ok() const { return it_ != nullptr; }
    /// The iterator itself (a new reference), to resume later.
    py::object iterator() const { return py::reinterpret_borrow<py::object>(it_); }
    Step next(std::string& chunk);
    /// Closes the generator now (close / aclose), so its finally blocks run. Errors are printed.
    void close();

private:
    App& app_;
    PyObject* it_ = nullptr;
    bool is_async_ = false;
};

/// The app as the worker serves it. Built once at boot; handle() never throws.
class App {
public:
    /// Reads the routes and the native middleware of a turboapi.TurboAPI instance. Throws
    /// std::runtime_error (start-up only) with a readable message for invalid routes or middleware
    /// options. `rate_limit_table`: the server's shared token buckets (a heap table is made when it
    /// is not valid and the app limits rates: the TestClient).
    explicit App(py::object app, middleware::RateLimitTable rate_limit_table = {});
    ~App();

    /// Serves one request into `out`: the native middleware pipeline around handle() (pipeline.cpp).
    /// Early answers (CORS preflight, TrustedHost 400, HTTPS redirect, rate limit 429) never enter
    /// Python. A coroutine is left in `out.pending`: call serve_task() with the done task.
    void serve(const shm::RequestView& request, Response& out, Exchange& exchange);
    void serve_task(const Route& route, PyObject* task, const shm::RequestView& request, Response& out,
                    Exchange& exchange);
    bool has_pipeline() const { return pipeline_.size() != 0; }

    /// Serves one request into `out`, without the native middleware. Python errors become 500
    /// (traceback on stderr).
    void handle(const shm::RequestView& request, Response& out);

    /// The app's startup / shutdown hooks (on_event, lifespan), once per process. Startup errors
    /// throw (the worker fails to boot); shutdown errors are logged.
    void startup();
    void shutdown();

    /// Runs an awaitable to completion on the worker's event loop (a new reference, or nullptr with
    /// a Python exception set).
    PyObject* await_result(PyObject* awaitable);

    /// Concurrent mode (the worker's loop): a handler that returns a coroutine leaves it in
    /// `out.pending` instead of running it to completion; the caller runs it as a task on the event
    /// loop and calls finish_task() with the done task and the same request.
    void set_concurrent(bool on) { concurrent_ = on; }
    void finish_task(const Route& route, PyObject* task, const shm::RequestView& request, Response& out);
    py::object event_loop() const { return event_loop_; }

    /// TestClient(raise_server_exceptions=True): an unhandled exception is kept for the caller
    /// instead of logged; take_exception() returns it once (or a null object).
    void capture_exceptions(bool on) { capture_exceptions_ = on; }
    py::object take_exception() { return std::move(captured_exception_); }

    /// Runs a response's background callable (after the response went out). Errors are logged.
    void run_background(py::object background);

private:
    /// One 422 error, rendered as FastAPI's JSON object ({"loc":[...],"msg":...,"type":...}).
    using Error = std::string;

    void routing_error(uint16_t status, const shm::RequestView& request, Response& out);
    bool routing_error_in_python(uint16_t status, const char* header, const std::string& value,
                                 const shm::RequestView& request, Response& out);
    bool try_slash_redirect(const shm::RequestView& request, router::Method method, Response& out);
    void call(const Route& route, const shm::RequestView& request, Response& out);
    void call_python(const Route& route, const shm::RequestView& request, Response& out);
    void finish(const Route& route, PyObject* result, const shm::RequestView& request, Response& out);
    py::object request_data(const shm::RequestView& request) const;
    void log_exception(const shm::RequestView& request, py::object exc);
    bool convert(ParamKind kind, std::string_view text, PyObject*& value, const char*& msg, const char*& type,
                 bool latin1 = false);
    PyObject* body_value(const Route& route, const ParamSpec& spec, const shm::RequestView& request,
                         std::vector<Error>& errors, Response& out, bool& answered);
    void result_to_response(const Route& route, PyObject* result, Response& out);
    bool read_response(PyObject* r, Response& out);
    void exception_to_response(const Route& route, const shm::RequestView& request, Response& out);
    void json_detail(uint16_t status, std::string_view detail_json, Response& out);
    void validation_errors(const std::vector<Error>& errors, Response& out);
    PyObject* query_list(const ParamSpec& spec, std::vector<Error>& errors);
    PyObject* default_copy(const ParamSpec& spec);
    void parse_cookies(const shm::RequestView& request);
    std::string_view cookie_value(std::string_view name) const;
    void internal_error(Response& out);
    // pipeline.cpp
    void build_pipeline(py::handle specs, middleware::RateLimitTable table);
    void after_app(const shm::RequestView& request, Response& out, Exchange& exchange);
    bool prefetch_stream(const shm::RequestView& request, Response& out);
    bool read_whole_stream(const shm::RequestView& request, Response& out);
    void read_marks(PyObject* response, Response& out);
    void parse_query(std::string_view query);
    std::string_view query_value(std::string_view key) const;

    router::Router router_;
    std::vector<Route> routes_;
    router::Match match_;
    simdjson::dom::parser json_parser_;
    py::object response_type_;       // turboapi.responses.Response
    py::object http_exception_type_; // turboapi.exceptions.HTTPException
    py::object jsonable_encoder_;    // turboapi.encoders.jsonable_encoder
    py::object parse_json_body_;     // turboapi._internal.parse_json_body
    py::object app_;
    py::object error_hook_;   // app._turbo_error_hook, or None
    py::object event_loop_;   // the worker's asyncio loop (turboapi._internal.worker_loop)
    py::object is_awaitable_; // inspect.isawaitable
    bool capture_exceptions_ = false;
    bool concurrent_ = false;
    bool route_errors_in_python_ = false; // router 404/405/307 through app._turbo_http_error
    py::object http_error_hook_;
    Route router_error_route_; // stands for "no route" when those answer
    py::object captured_exception_;
    py::object body_loc_; // ("body",): where a body model's errors are located
    py::object attr_status_code_, attr_body_, attr_raw_headers_; // interned attribute names
    std::string path_;      // percent-decoded path of the current request
    std::string query_buf_; // decoded query keys and values
    std::vector<std::pair<std::pair<uint32_t, uint32_t>, std::pair<uint32_t, uint32_t>>> query_;
    std::vector<PyObject*> args_;
    std::vector<std::pair<std::string, std::string>> cookies_; // of the current request, parsed on demand

    middleware::Pipeline pipeline_; // app._turbo_middleware(), ordered by priority
    bool pipeline_gzip_ = false;    // GZipMiddleware is in it (streams are looked at before their head)
    struct FreeBlock {
        void operator()(void* p) const { std::free(p); }
    };
    std::unique_ptr<void, FreeBlock> heap_rate_limit_block_;             // the TestClient's token buckets
    py::object attr_streamed_, attr_server_error_, attr_single_message_; // interned mark names (read_marks)
};

/// Takes the pending Python exception (normalized, with its traceback attached), or a null object.
py::object fetch_exception();

/// Logs `what` and the traceback of `exc` (or of the pending Python exception, which it clears) as
/// one error record, so one write: tracebacks of workers failing at once do not interleave.
void log_python_error(std::string_view what, py::handle exc);
void log_python_error(std::string_view what);

/// Defines turboapi._native in `m` (bindings.cpp).
void define_module(py::module_& m);

/// Percent-decodes `in` into `out` ('+' is a space when `plus_is_space`). Invalid escapes stay as they are.
void percent_decode(std::string_view in, std::string& out, bool plus_is_space);

} // namespace turbo::worker
