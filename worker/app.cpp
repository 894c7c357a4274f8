// The app as a worker serves it: routing, parameter conversion, the handler call and the response,
// with FastAPI's status codes and error bodies.
#include "worker/worker_internal.h"

#include <spdlog/spdlog.h>

#include "worker/model.h"

#include <cstring>
#include <stdexcept>

namespace turbo::worker {

namespace {

const std::pair<std::string, std::string> kJsonType{"content-type", "application/json"};
const std::pair<std::string, std::string> kTextType{"content-type", "text/plain; charset=utf-8"};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

ParamSource parse_source(const std::string& s) {
    if (s == "path") return ParamSource::Path;
    if (s == "query") return ParamSource::Query;
    if (s == "header") return ParamSource::Header;
    if (s == "cookie") return ParamSource::Cookie;
    if (s == "body") return ParamSource::Body;
    throw std::runtime_error("unknown parameter source '" + s + "'");
}

ParamKind parse_kind(const std::string& s) {
    if (s == "str") return ParamKind::Str;
    if (s == "int") return ParamKind::Int;
    if (s == "float") return ParamKind::Float;
    if (s == "bool") return ParamKind::Bool;
    if (s == "any") return ParamKind::Any;
    if (s == "dict") return ParamKind::Dict;
    if (s == "list") return ParamKind::List;
    if (s == "model") return ParamKind::Model;
    throw std::runtime_error("unknown parameter kind '" + s + "'");
}

const char* source_name(ParamSource s) {
    switch (s) {
    case ParamSource::Path:
        return "path";
    case ParamSource::Query:
        return "query";
    case ParamSource::Header:
        return "header";
    case ParamSource::Cookie:
        return "cookie";
    case ParamSource::Body:
        return "body";
    }
    return "query";
}

bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
}

// pydantic 1's bool parsing, which FastAPI applies to query, path and header values.
int parse_bool(std::string_view s) {
    static const char* kTrue[] = {"1", "on", "t", "true", "y", "yes"};
    static const char* kFalse[] = {"0", "off", "f", "false", "n", "no"};
    for (const char* t : kTrue)
        if (ascii_iequals(s, t)) return 1;
    for (const char* f : kFalse)
        if (ascii_iequals(s, f)) return 0;
    return -1;
}

bool is_json_content_type(std::string_view ct) {
    // FastAPI reads the body as JSON when there is no content type or it is application/json or +json.
    if (ct.empty()) return true;
    auto semi = ct.find(';');
    std::string_view mime = ct.substr(0, semi);
    while (!mime.empty() && mime.back() == ' ')
        mime.remove_suffix(1);
    while (!mime.empty() && mime.front() == ' ')
        mime.remove_prefix(1);
    if (mime.size() < 12 || !ascii_iequals(mime.substr(0, 12), "application/")) return false;
    std::string_view sub = mime.substr(12);
    return ascii_iequals(sub, "json") ||
           (sub.size() >= 5 && ascii_iequals(sub.substr(sub.size() - 5), "+json"));
}

// {"loc":[source,name(,index)],"msg":msg,"type":type}
std::string render_error(const char* source, std::string_view name, long index, std::string_view msg,
                         std::string_view type) {
    std::string e = "{\"loc\":[\"";
    e.append(source).append("\"");
    if (!name.empty()) {
        e.push_back(',');
        py::str n(name.data(), name.size());
        dump_json(n.ptr(), e, nullptr);
    }
    if (index >= 0) e.append(",").append(std::to_string(index));
    e.append("],\"msg\":\"").append(msg).append("\",\"type\":\"").append(type).append("\"}");
    return e;
}

// str.strip() for the whitespace a Cookie header carries.
std::string_view trim_space(std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
        t.remove_suffix(1);
    return t;
}

// http.cookies._unquote, which Starlette applies to every value: a double-quoted value loses its
// quotes, and inside them \ooo (octal) and \c escapes are decoded.
std::string cookie_unquote(std::string_view v) {
    if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
    v = v.substr(1, v.size() - 2);
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '\\' || i + 1 >= v.size()) {
            out.push_back(v[i]);
            continue;
        }
        if (i + 3 < v.size() + 0 && v[i + 1] >= '0' && v[i + 1] <= '3' && v[i + 2] >= '0' &&
            v[i + 2] <= '7' && v[i + 3] >= '0' && v[i + 3] <= '7') {
            out.push_back(char((v[i + 1] - '0') * 64 + (v[i + 2] - '0') * 8 + (v[i + 3] - '0')));
            i += 3;
        } else {
            out.push_back(v[i + 1]);
            ++i;
        }
    }
    return out;
}

} // namespace

// Takes the pending Python exception (normalized, with its traceback attached), or a null object.
py::object fetch_exception() {
    PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb && value) PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return py::reinterpret_steal<py::object>(value);
}

void percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
    out.clear();
    if (in.find('%') == std::string_view::npos &&
        (!plus_is_space || in.find('+') == std::string_view::npos)) {
        out.assign(in);
        return;
    }
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%' && i + 2 < in.size()) {
            const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(char(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
}

App::App(py::object app, middleware::RateLimitTable rate_limit_table) : app_(app) {
    response_type_ = py::module_::import("turboapi.responses").attr("Response");
    http_exception_type_ = py::module_::import("turboapi.exceptions").attr("HTTPException");
    jsonable_encoder_ = py::module_::import("turboapi.encoders").attr("jsonable_encoder");
    auto internal = py::module_::import("turboapi._internal");
    parse_json_body_ = internal.attr("parse_json_body");
    is_awaitable_ = py::module_::import("inspect").attr("isawaitable");
    attr_status_code_ = py::reinterpret_steal<py::object>(PyUnicode_InternFromString("status_code"));
    attr_body_ = py::reinterpret_steal<py::object>(PyUnicode_InternFromString("body"));
    attr_raw_headers_ = py::reinterpret_steal<py::object>(PyUnicode_InternFromString("raw_headers"));
    if (!py::hasattr(app, "_turbo_routes"))
        throw std::runtime_error(
            "the application object is not a turboapi.TurboAPI (it has no _turbo_routes)");
    error_hook_ = py::getattr(app, "_turbo_error_hook", py::none());
    body_loc_ = py::make_tuple(py::str("body"));
    // The router's 404/405/307 go through Python only when the app has middleware or its own
    // handler for them (turboapi.applications: _turbo_route_errors_in_python).
    if (py::hasattr(app, "_turbo_route_errors_in_python") && py::hasattr(app, "_turbo_http_error")) {
        route_errors_in_python_ = app.attr("_turbo_route_errors_in_python")().cast<bool>();
        http_error_hook_ = app.attr("_turbo_http_error");
        router_error_route_.python_mode = true; // a failure is logged as a handler's and answered 500
        router_error_route_.pattern = "(no route)";
    }
    // One loop per worker process, shared with the app's startup/shutdown hooks and dependencies.
    event_loop_ = internal.attr("worker_loop")();
    py::list specs = app.attr("_turbo_routes")();
    for (py::handle spec_h : specs) {
        py::dict spec = py::reinterpret_borrow<py::dict>(spec_h);
        Route route;
        route.pattern = spec["path"].cast<std::string>();
        route.python_mode = spec.contains("mode") && spec["mode"].cast<std::string>() == "python";
        if (spec.contains("handler")) route.handler = spec["handler"];
        if (route.python_mode) {
            if (!route.handler || route.handler.is_none())
                throw std::runtime_error("route " + route.pattern + ": python mode without a handler");
        } else {
            route.endpoint = spec["endpoint"];
            route.status_code = spec["status_code"].cast<uint16_t>();
            route.is_coroutine = spec["is_coroutine"].cast<bool>();
            if (spec.contains("serialize") && !spec["serialize"].is_none())
                route.serialize = spec["serialize"];
            py::list names;
            for (py::handle p_h : spec["params"]) {
                py::dict p = py::reinterpret_borrow<py::dict>(p_h);
                ParamSpec ps;
                ps.alias = p["alias"].cast<std::string>();
                ps.source = parse_source(p["source"].cast<std::string>());
                ps.kind = parse_kind(p["kind"].cast<std::string>());
                ps.required = p["required"].cast<bool>();
                ps.default_value = p["default"];
                if (p.contains("is_list")) ps.is_list = p["is_list"].cast<bool>();
                if (ps.is_list) ps.item_kind = parse_kind(p["item_kind"].cast<std::string>());
                if (ps.kind == ParamKind::Model) {
                    if (ps.source != ParamSource::Body || !p.contains("model"))
                        throw std::runtime_error("route " + route.pattern +
                                                 ": a model parameter must be the body");
                    ps.model = p["model"];
                }
                route.has_body |= ps.source == ParamSource::Body;
                names.append(py::str(p["name"]));
                route.params.push_back(std::move(ps));
            }
            route.kwnames = py::tuple(names);
        }
        const uint32_t id = uint32_t(routes_.size());
        for (py::handle m : spec["methods"]) {
            if (!route.allow.empty()) route.allow.append(", ");
            route.allow.append(m.cast<std::string>());
            const auto name = m.cast<std::string>();
            const auto method = router::parse_method(name);
            if (!method) throw std::runtime_error("route " + route.pattern + ": unsupported method " + name);
            const auto err = router_.add(*method, route.pattern, id);
            if (err != router::AddError::Ok)
                throw std::runtime_error("route " + name + " " + route.pattern + ": " +
                                         std::string(router::error_message(err)));
        }
        routes_.push_back(std::move(route));
    }
    if (py::hasattr(app, "_turbo_middleware"))
        build_pipeline(app.attr("_turbo_middleware")(), rate_limit_table);
}

App::~App() = default;

void App::handle(const shm::RequestView& request, Response& out) {
    out.clear();
    percent_decode(request.path, path_, false);
    const auto method = router::parse_method(request.method);
    router_.match(method.value_or(router::Method::Get), path_, match_);
    if (!method && match_.status != router::MatchStatus::NotFound) {
        routing_error(405, request, out);
        return;
    }
    switch (match_.status) {
    case router::MatchStatus::Found: {
        const Route& route = routes_[match_.handler];
        if (route.python_mode)
            call_python(route, request, out);
        else
            call(route, request, out);
        return;
    }
    case router::MatchStatus::MethodNotAllowed:
        routing_error(405, request, out);
        return;
    case router::MatchStatus::NotFound:
        if (method && try_slash_redirect(request, *method, out)) return;
        routing_error(404, request, out);
        return;
    }
}

// 404 and 405 from the router. Starlette raises HTTPException for them, so an app's handler for 404,
// 405 or HTTPException answers them, and its middleware sees them; without those, FastAPI's bodies
// are written here. The Allow of a 405 is the methods of the first route whose path matched.
void App::routing_error(uint16_t status, const shm::RequestView& request, Response& out) {
    std::string allow;
    if (status == 405)
        allow = match_.handler < routes_.size() ? routes_[match_.handler].allow
                                                : router::allow_header(match_.allowed);
    if (route_errors_in_python_ &&
        routing_error_in_python(status, status == 405 ? "allow" : "", allow, request, out))
        return;
    if (status == 404) {
        json_detail(404, "\"Not Found\"", out);
        return;
    }
    json_detail(405, "\"Method Not Allowed\"", out);
    out.headers.emplace_back("allow", std::move(allow));
}

// app._turbo_http_error(request_data, status, headers): a Response, a coroutine (the middleware
// stack, run like a python-mode handler: a task in the worker), or None for the default answer. True
// when `out` holds the answer or the pending coroutine (a failure is logged and answered 500).
bool App::routing_error_in_python(uint16_t status, const char* header, const std::string& value,
                                  const shm::RequestView& request, Response& out) {
    PyObject* r = nullptr;
    try {
        py::dict headers;
        if (*header) headers[header] = value;
        py::object data = request_data(request);
        r = PyObject_CallFunctionObjArgs(http_error_hook_.ptr(), data.ptr(), py::int_(status).ptr(),
                                         headers.ptr(), nullptr);
    } catch (py::error_already_set& e) {
        e.restore();
    }
    if (r == Py_None) {
        Py_DECREF(r);
        return false;
    }
    if (r && PyCoro_CheckExact(r) && concurrent_) {
        out.pending = py::reinterpret_steal<py::object>(r);
        out.pending_route = &router_error_route_;
        return true;
    }
    if (r && is_awaitable_(py::handle(r)).cast<bool>()) {
        PyObject* awaited = await_result(r);
        Py_DECREF(r);
        r = awaited;
    }
    out.clear();
    finish(router_error_route_, r, request, out);
    return true;
}

// FastAPI (Starlette's redirect_slashes): "/items/" for a route "/items" answers 307 to "/items".
bool App::try_slash_redirect(const shm::RequestView& request, router::Method method, Response& out) {
    if (path_ == "/" || path_.empty()) return false;
    std::string other = path_;
    if (other.back() == '/')
        other.pop_back();
    else
        other.push_back('/');
    router::Match m;
    router_.match(method, other, m);
    if (m.status == router::MatchStatus::NotFound) return false;
    std::string raw(request.path);
    if (!raw.empty() && raw.back() == '/')
        raw.pop_back();
    else
        raw.push_back('/');
    std::string_view host;
    for (const auto& h : request.headers)
        if (h.name == "host") host = h.value;
    std::string location = "http://" + std::string(host.empty() ? "localhost" : host) + raw;
    if (!request.query.empty()) location.append("?").append(request.query);
    if (route_errors_in_python_ && routing_error_in_python(307, "location", location, request, out))
        return true;
    out.status = 307;
    out.headers.emplace_back("location", std::move(location));
    return true;
}

void App::parse_query(std::string_view query) {
    query_.clear();
    query_buf_.clear();
    std::string piece;
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        std::string_view pair = query.substr(pos, amp - pos);
        pos = amp + 1;
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        percent_decode(key, piece, true);
        const uint32_t ko = uint32_t(query_buf_.size()), kl = uint32_t(piece.size());
        query_buf_.append(piece);
        percent_decode(value, piece, true);
        const uint32_t vo = uint32_t(query_buf_.size()), vl = uint32_t(piece.size());
        query_buf_.append(piece);
        query_.push_back({{ko, kl}, {vo, vl}});
    }
}

// Like Starlette's QueryParams[key]: the last value given for the key wins.
std::string_view App::query_value(std::string_view key) const {
    for (auto it = query_.rbegin(); it != query_.rend(); ++it) {
        std::string_view k(query_buf_.data() + it->first.first, it->first.second);
        if (k == key) return {query_buf_.data() + it->second.first, it->second.second};
    }
    return {nullptr, 0};
}

bool App::convert(ParamKind kind, std::string_view text, PyObject*& value, const char*& msg,
                  const char*& type, bool latin1) {
    switch (kind) {
    case ParamKind::Str:
    case ParamKind::Any:
        // Starlette decodes header (and so cookie) values as latin-1, the path and query as UTF-8.
        value = latin1 ? PyUnicode_DecodeLatin1(text.data(), Py_ssize_t(text.size()), nullptr)
                       : PyUnicode_DecodeUTF8(text.data(), Py_ssize_t(text.size()), "replace");
        return value != nullptr;
    case ParamKind::Int: {
        // int(text): accepts surrounding whitespace, a sign and underscores, as pydantic 1 does.
        std::string s(text);
        char* end = nullptr;
        bool ascii = true;
        for (char c : text)
            ascii &= static_cast<unsigned char>(c) < 0x80;
        if (text.empty()) {
            value = nullptr;
        } else if (ascii) {
            value = PyLong_FromString(s.c_str(), &end, 10);
        } else { // int() also takes other scripts' digits ("١٢", full-width "１２")
            PyObject* str = PyUnicode_DecodeUTF8(text.data(), Py_ssize_t(text.size()), "strict");
            value = str ? PyLong_FromUnicodeObject(str, 10) : nullptr;
            Py_XDECREF(str);
        }
        if (!value) {
            PyErr_Clear();
            msg = "value is not a valid integer";
            type = "type_error.integer";
            return false;
        }
        return true;
    }
    case ParamKind::Float: {
        PyObject* s = PyUnicode_DecodeUTF8(text.data(), Py_ssize_t(text.size()), "replace");
        value = s ? PyFloat_FromString(s) : nullptr;
        Py_XDECREF(s);
        if (!value) {
            PyErr_Clear();
            msg = "value is not a valid float";
            type = "type_error.float";
            return false;
        }
        return true;
    }
    case ParamKind::Bool: {
        const int b = parse_bool(text);
        if (b < 0) {
            msg = "value could not be parsed to a boolean";
            type = "type_error.bool";
            return false;
        }
        value = PyBool_FromLong(b);
        return true;
    }
    case ParamKind::Dict:
        msg = "value is not a valid dict";
        type = "type_error.dict";
        return false;
    case ParamKind::List:
    case ParamKind::Model:
        msg = "value is not a valid list";
        type = "type_error.list";
        return false;
    }
    return false;
}

// ?tag=a&tag=b for `tag: list[X] = Query(...)`: every value in order, each converted; errors name
// the index as pydantic does (["query","tag",1]).
PyObject* App::query_list(const ParamSpec& spec, std::vector<Error>& errors) {
    PyObject* list = PyList_New(0);
    size_t index = 0;
    bool failed = false;
    for (const auto& [k, v] : query_) {
        std::string_view key(query_buf_.data() + k.first, k.second);
        if (key != spec.alias) continue;
        std::string_view text(query_buf_.data() + v.first, v.second);
        PyObject* item = nullptr;
        const char *msg = nullptr, *type = nullptr;
        if (convert(spec.item_kind, text, item, msg, type)) {
            PyList_Append(list, item);
            Py_DECREF(item);
        } else {
            errors.push_back(render_error("query", spec.alias, long(index), msg, type));
            failed = true;
        }
        ++index;
    }
    if (failed) {
        Py_DECREF(list);
        return nullptr;
    }
    if (index > 0) return list;
    Py_DECREF(list);
    if (spec.required) {
        errors.push_back(render_error("query", spec.alias, -1, "field required", "value_error.missing"));
        return nullptr;
    }
    return default_copy(spec);
}

// FastAPI deep-copies defaults: a handler that appends to a default list must not see it next time.
PyObject* App::default_copy(const ParamSpec& spec) {
    PyObject* d = spec.default_value.ptr();
    if (PyList_CheckExact(d)) return PyList_GetSlice(d, 0, PyList_GET_SIZE(d));
    if (PyDict_CheckExact(d)) return PyDict_Copy(d);
    return Py_NewRef(d);
}

// Starlette's cookie_parser: split on ';', "k=v" with spaces stripped, a chunk without '=' is a value
// with an empty name; surrounding double quotes are removed; the last cookie of a name wins.
void App::parse_cookies(const shm::RequestView& request) {
    cookies_.clear();
    for (const auto& h : request.headers) {
        if (h.name != "cookie") continue;
        std::string_view rest = h.value;
        while (!rest.empty()) {
            const size_t semi = rest.find(';');
            std::string_view chunk = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            const size_t eq = chunk.find('=');
            std::string_view key = eq == std::string_view::npos ? std::string_view() : chunk.substr(0, eq);
            std::string_view val = eq == std::string_view::npos ? chunk : chunk.substr(eq + 1);
            key = trim_space(key);
            val = trim_space(val);
            if (key.empty() && val.empty()) continue;
            cookies_.emplace_back(std::string(key), cookie_unquote(val));
        }
        break; // Starlette reads the first Cookie header only
    }
}

std::string_view App::cookie_value(std::string_view name) const {
    for (auto it = cookies_.rbegin(); it != cookies_.rend(); ++it)
        if (it->first == name) return it->second;
    return {nullptr, 0};
}

// The body parameter, as FastAPI 0.92 reads it: JSON when the content type says JSON (or says
// nothing), the raw bytes otherwise; then checked against the parameter's kind.
PyObject* App::body_value(const Route& route, const ParamSpec& spec, const shm::RequestView& request,
                          std::vector<Error>& errors, Response& out, bool& answered) {
    if (request.body.empty()) {
        if (!spec.required) return Py_NewRef(spec.default_value.ptr());
        errors.push_back(render_error("body", "", -1, "field required", "value_error.missing"));
        return nullptr;
    }
    std::string_view content_type;
    for (const auto& h : request.headers)
        if (h.name == "content-type") content_type = h.value;
    PyObject* value = nullptr;
    if (is_json_content_type(content_type)) {
        value = load_json(json_parser_, request.body);
        if (!value) {
            // simdjson refused it: Python's json module decides (it accepts NaN and Infinity) and, for
            // invalid JSON, names the exact position as FastAPI reports it.
            py::tuple r = parse_json_body_(py::bytes(request.body.data(), request.body.size()));
            if (r[0].cast<bool>()) {
                value = py::object(r[1]).release().ptr();
            } else {
                out.status = r[1].cast<uint16_t>();
                out.headers.push_back(kJsonType);
                out.body = r[2].cast<std::string>();
                answered = true;
                return nullptr;
            }
        }
    } else {
        value = PyBytes_FromStringAndSize(request.body.data(), Py_ssize_t(request.body.size()));
    }
    if (value == Py_None) { // FastAPI: a null body is a missing one
        Py_DECREF(value);
        if (!spec.required) return default_copy(spec);
        errors.push_back(render_error("body", "", -1, "field required", "value_error.missing"));
        return nullptr;
    }
    if (spec.kind == ParamKind::Dict && !PyDict_Check(value)) {
        // pydantic 1's dict field: whatever dict() accepts ([["a", 1]] -> {"a": 1}).
        PyObject* d = PyDict_New();
        if (d && PyDict_MergeFromSeq2(d, value, 1) == 0) {
            Py_DECREF(value);
            return d;
        }
        PyErr_Clear();
        Py_XDECREF(d);
    }
    if ((spec.kind == ParamKind::Dict && !PyDict_Check(value)) ||
        (spec.kind == ParamKind::List && !PyList_Check(value))) {
        Py_DECREF(value);
        const bool dict = spec.kind == ParamKind::Dict;
        errors.push_back(render_error("body", "", -1,
                                      dict ? "value is not a valid dict" : "value is not a valid list",
                                      dict ? "type_error.dict" : "type_error.list"));
        return nullptr;
    }
    if (spec.kind == ParamKind::Model) {
        // Validated in C++ (model.cpp) before any of the handler's Python code runs.
        PyObject* errs = nullptr;
        PyObject* instance = validate_model_object(spec.model.ptr(), value, body_loc_.ptr(), &errs);
        Py_DECREF(value);
        if (instance) return instance;
        if (!errs) {
            log_python_error(fmt::format("validating the body of {} failed", route.pattern));
            internal_error(out);
            answered = true;
            return nullptr;
        }
        const Py_ssize_t n = PyList_GET_SIZE(errs);
        for (Py_ssize_t i = 0; i < n; ++i) {
            std::string rendered;
            if (dump_json(PyList_GET_ITEM(errs, i), rendered, jsonable_encoder_.ptr()))
                errors.push_back(std::move(rendered));
            else
                PyErr_Clear();
        }
        Py_DECREF(errs);
        return nullptr;
    }
    return value;
}

void App::call(const Route& route, const shm::RequestView& request, Response& out) {
    std::vector<Error> errors;
    args_.clear();
    bool query_parsed = false, cookies_parsed = false, answered = false;
    for (const ParamSpec& spec : route.params) {
        PyObject* value = nullptr;
        const char* msg = nullptr;
        const char* type = nullptr;
        std::string_view text;
        bool present = false;
        switch (spec.source) {
        case ParamSource::Path:
            if (auto v = match_.param(spec.alias)) text = *v, present = true;
            break;
        case ParamSource::Query:
            if (!query_parsed) parse_query(request.query), query_parsed = true;
            if (spec.is_list) {
                value = query_list(spec, errors);
                present = true; // handled
                break;
            }
            text = query_value(spec.alias);
            present = text.data() != nullptr;
            break;
        case ParamSource::Header:
            // Starlette's Headers.get: the first field of that name.
            for (const auto& h : request.headers)
                if (h.name == spec.alias) {
                    text = h.value, present = true;
                    break;
                }
            break;
        case ParamSource::Cookie:
            if (!cookies_parsed) parse_cookies(request), cookies_parsed = true;
            text = cookie_value(spec.alias);
            present = text.data() != nullptr;
            break;
        case ParamSource::Body:
            value = body_value(route, spec, request, errors, out, answered);
            break;
        }
        if (spec.source != ParamSource::Body && !spec.is_list) {
            if (!present) {
                if (spec.required)
                    errors.push_back(render_error(source_name(spec.source), spec.alias, -1, "field required",
                                                  "value_error.missing"));
                else
                    value = default_copy(spec);
            } else if (!convert(spec.kind, text, value, msg, type,
                                spec.source == ParamSource::Header || spec.source == ParamSource::Cookie)) {
                errors.push_back(render_error(source_name(spec.source), spec.alias, -1, msg, type));
            }
        }
        if (answered) break;
        args_.push_back(value);
    }
    if (answered || !errors.empty()) {
        for (PyObject* a : args_)
            Py_XDECREF(a);
        args_.clear();
        if (!answered) validation_errors(errors, out);
        return;
    }
    PyObject* kwnames = route.params.empty() ? nullptr : route.kwnames.ptr();
    PyObject* result = PyObject_Vectorcall(route.endpoint.ptr(), args_.data(), 0, kwnames);
    for (PyObject* a : args_)
        Py_DECREF(a);
    args_.clear();
    if (result && route.is_coroutine) {
        if (concurrent_) { // the worker loop runs it as a task and calls finish() when it is done
            out.pending = py::reinterpret_steal<py::object>(result);
            out.pending_route = &route;
            return;
        }
        PyObject* awaited = await_result(result);
        Py_DECREF(result);
        result = awaited;
    }
    finish(route, result, request, out);
}

// The end of a request, after its handler (or the task running it) returned `result` (a new
// reference), or raised (nullptr with the exception set).
void App::finish(const Route& route, PyObject* result, const shm::RequestView& request, Response& out) {
    if (result && route.serialize) {
        PyObject* serialized = PyObject_CallOneArg(route.serialize.ptr(), result);
        Py_DECREF(result);
        result = serialized;
    }
    if (!result) {
        if (route.python_mode) {
            log_exception(request, fetch_exception());
            internal_error(out);
            return;
        }
        exception_to_response(route, request, out);
        return;
    }
    result_to_response(route, result, out);
    Py_DECREF(result);
}

void App::finish_task(const Route& route, PyObject* task, const shm::RequestView& request, Response& out) {
    out.clear();
    // The error hook reads the decoded path and the path parameters of this request.
    percent_decode(request.path, path_, false);
    router_.match(router::parse_method(request.method).value_or(router::Method::Get), path_, match_);
    PyObject* result = PyObject_CallMethod(task, "result", nullptr);
    finish(route, result, request, out);
}

void App::result_to_response(const Route& route, PyObject* result, Response& out) {
    const int is_response = PyObject_IsInstance(result, response_type_.ptr());
    if (is_response < 0) {
        internal_error(out);
        return;
    }
    if (is_response) {
        if (!read_response(result, out)) {
            const auto what = fmt::format(
                "The response returned by the handler of {} is not valid: status_code must be an int, "
                "body bytes and raw_headers a list of (str, str)",
                route.pattern);
            if (PyErr_Occurred())
                log_python_error(what);
            else
                spdlog::error("{}", what);
            out.clear();
            internal_error(out);
        }
        return;
    }
    if (!dump_json(result, out.body, jsonable_encoder_.ptr())) {
        log_python_error(
            fmt::format("Cannot serialize the value returned by the handler of {}", route.pattern));
        out.clear();
        internal_error(out);
        return;
    }
    out.status = route.status_code;
    out.headers.push_back(kJsonType);
}

// A turboapi Response, read with the C API: status_code (int), body (bytes, kept by reference),
// raw_headers (list of (str, str)).
bool App::read_response(PyObject* r, Response& out) {
    py::object status = py::reinterpret_steal<py::object>(PyObject_GetAttr(r, attr_status_code_.ptr()));
    py::object headers = py::reinterpret_steal<py::object>(PyObject_GetAttr(r, attr_raw_headers_.ptr()));
    // A StreamingResponse (or FileResponse) produces its body from body_iterator.
    py::object stream = py::reinterpret_steal<py::object>(PyObject_GetAttrString(r, "body_iterator"));
    if (!stream) PyErr_Clear();
    py::object body;
    if (!stream || stream.is_none()) {
        stream = py::object();
        body = py::reinterpret_steal<py::object>(PyObject_GetAttr(r, attr_body_.ptr()));
        if (!body || !PyBytes_Check(body.ptr())) return false;
    }
    py::object background = py::reinterpret_steal<py::object>(PyObject_GetAttrString(r, "background"));
    if (!background) PyErr_Clear();
    if (!status || !headers || !PyLong_Check(status.ptr()) || !PyList_Check(headers.ptr())) return false;
    if (background && !background.is_none()) out.background = std::move(background);
    if (stream) out.stream = std::move(stream);
    const long code = PyLong_AsLong(status.ptr());
    if (code < 100 || code > 999) return false;
    out.status = uint16_t(code);
    const Py_ssize_t n = PyList_GET_SIZE(headers.ptr());
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* t = PyList_GET_ITEM(headers.ptr(), i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) return false;
        Py_ssize_t nl = 0, vl = 0;
        const char* name = PyUnicode_Check(PyTuple_GET_ITEM(t, 0))
                               ? PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(t, 0), &nl)
                               : nullptr;
        const char* value = PyUnicode_Check(PyTuple_GET_ITEM(t, 1))
                                ? PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(t, 1), &vl)
                                : nullptr;
        if (!name || !value) return false;
        out.headers.emplace_back(std::string(name, size_t(nl)), std::string(value, size_t(vl)));
    }
    if (body) {
        out.borrowed_body.emplace(PyBytes_AS_STRING(body.ptr()), size_t(PyBytes_GET_SIZE(body.ptr())));
        out.body_owner = std::move(body);
    }
    if (has_pipeline()) read_marks(r, out);
    return true;
}

void App::exception_to_response(const Route& route, const shm::RequestView& request, Response& out) {
    py::object exc = fetch_exception();
    out.clear();
    if (exc && error_hook_ && !error_hook_.is_none()) {
        // The app's exception handlers (HTTPException, @app.exception_handler) answer in Python.
        PyObject* r =
            PyObject_CallFunctionObjArgs(error_hook_.ptr(), request_data(request).ptr(), exc.ptr(), nullptr);
        if (r && is_awaitable_(py::handle(r)).cast<bool>()) {
            PyObject* awaited = await_result(r);
            Py_DECREF(r);
            r = awaited;
        }
        if (r && r != Py_None) {
            result_to_response(route, r, out);
            Py_DECREF(r);
            return;
        }
        if (!r) {
            log_python_error(fmt::format("The exception handler failed for {} {}", request.method,
                                         std::string(request.path)));
        }
        Py_XDECREF(r);
        log_exception(request, exc);
        internal_error(out);
        return;
    }
    const int is_http = exc ? PyObject_IsInstance(exc.ptr(), http_exception_type_.ptr()) : 0;
    if (is_http == 1) {
        try {
            out.status = exc.attr("status_code").cast<uint16_t>();
            std::string detail;
            if (!dump_json(exc.attr("detail").ptr(), detail, jsonable_encoder_.ptr()))
                throw py::error_already_set();
            out.body = "{\"detail\":" + detail + "}";
            out.headers.push_back(kJsonType);
            py::object headers = exc.attr("headers");
            if (!headers.is_none())
                for (auto item : py::reinterpret_borrow<py::dict>(headers))
                    out.headers.emplace_back(py::str(item.first).cast<std::string>(),
                                             py::str(item.second).cast<std::string>());
            return;
        } catch (py::error_already_set& e) {
            e.restore();
            exc = fetch_exception();
            out.clear();
        }
    }
    log_exception(request, exc);
    internal_error(out);
}

void App::log_exception(const shm::RequestView& request, py::object exc) {
    if (capture_exceptions_) { // the TestClient re-raises it in the test (raise_server_exceptions)
        captured_exception_ = exc;
        return;
    }
    log_python_error(fmt::format("Exception in handler {} {}", request.method, std::string(request.path)),
                     exc);
}

py::object App::request_data(const shm::RequestView& request) const {
    auto data = std::make_shared<RequestData>();
    data->method = request.method;
    data->path = path_;
    data->raw_path = request.path;
    data->query = request.query;
    data->client = request.client;
    data->body = py::bytes(request.body.data(), request.body.size());
    data->http_major = request.http_major;
    data->http_minor = request.http_minor;
    data->headers.reserve(request.headers.size());
    for (const auto& h : request.headers)
        data->headers.emplace_back(std::string(h.name), std::string(h.value));
    for (size_t i = 0; i < match_.param_count; ++i)
        data->path_params.emplace_back(std::string(match_.params[i].name),
                                       std::string(match_.params[i].value));
    return py::cast(std::move(data));
}

// Python mode: the route's Python handler resolves parameters, dependencies and errors itself; C++
// builds the request lazily, awaits the result when needed and serializes it.
void App::call_python(const Route& route, const shm::RequestView& request, Response& out) {
    PyObject* result = nullptr;
    try {
        py::object data = request_data(request);
        result = PyObject_CallOneArg(route.handler.ptr(), data.ptr());
    } catch (py::error_already_set& e) {
        e.restore();
    }
    if (result && PyCoro_CheckExact(result)) {
        if (concurrent_) {
            out.pending = py::reinterpret_steal<py::object>(result);
            out.pending_route = &route;
            return;
        }
        PyObject* awaited = await_result(result);
        Py_DECREF(result);
        result = awaited;
    }
    finish(route, result, request, out);
}

PyObject* App::await_result(PyObject* awaitable) {
    return PyObject_CallMethod(event_loop_.ptr(), "run_until_complete", "O", awaitable);
}

void App::startup() {
    if (!py::hasattr(app_, "_turbo_startup")) return;
    py::object r = app_.attr("_turbo_startup")();
    if (is_awaitable_(r).cast<bool>()) event_loop_.attr("run_until_complete")(r);
}

void App::shutdown() {
    if (!py::hasattr(app_, "_turbo_shutdown")) return;
    try {
        py::object r = app_.attr("_turbo_shutdown")();
        if (is_awaitable_(r).cast<bool>()) event_loop_.attr("run_until_complete")(r);
    } catch (py::error_already_set& e) {
        e.restore();
        log_python_error("the app's shutdown handlers failed");
    }
}

void App::run_background(py::object background) {
    if (!background || background.is_none()) return;
    try {
        py::object r = background();
        if (is_awaitable_(r).cast<bool>()) event_loop_.attr("run_until_complete")(r);
    } catch (py::error_already_set& e) {
        e.restore();
        log_python_error("a background task failed");
    }
}

void App::json_detail(uint16_t status, std::string_view detail_json, Response& out) {
    out.status = status;
    out.body.assign("{\"detail\":").append(detail_json).append("}");
    out.headers.push_back(kJsonType);
}

// FastAPI's 422 body: {"detail":[{"loc":[source,name],"msg":...,"type":...}, ...]}.
void App::validation_errors(const std::vector<Error>& errors, Response& out) {
    out.status = 422;
    out.headers.push_back(kJsonType);
    std::string& b = out.body;
    b.assign("{\"detail\":[");
    for (size_t i = 0; i < errors.size(); ++i) {
        if (i) b.push_back(',');
        b.append(errors[i]);
    }
    b.append("]}");
}

void App::internal_error(Response& out) {
    out.outside_middleware = true; // Starlette's ServerErrorMiddleware: no middleware sees it
    out.status = 500;
    out.headers.clear();
    out.headers.push_back(kTextType);
    out.body = "Internal Server Error";
    out.borrowed_body.reset();
}

} // namespace turbo::worker
