// Python exceptions in the worker's log: each as one record, message and traceback together.
//
// Why not PyErr_Print: it writes a traceback line by line, so when two workers fail at the same
// moment (an app that cannot import, in every worker at boot) their tracebacks interleave on the
// stderr they share with the master, and neither can be read. One spdlog record is one write(2) on
// the unbuffered stderr, which a pipe keeps whole up to PIPE_BUF (4 KiB) and a file in append mode
// keeps whole at any size.
#include "worker/worker_internal.h"

#include <spdlog/spdlog.h>

namespace turbo::worker {

namespace {

// "".join(traceback.format_exception(exc)), without its last newline (the log record ends the line).
std::string format_traceback(PyObject* exc) {
    std::string text;
    PyObject* module = PyImport_ImportModule("traceback");
    PyObject* lines = module ? PyObject_CallMethod(module, "format_exception", "O", exc) : nullptr;
    PyObject* empty = lines ? PyUnicode_FromString("") : nullptr;
    PyObject* joined = empty ? PyUnicode_Join(empty, lines) : nullptr;
    PyObject* bytes = joined ? PyUnicode_AsEncodedString(joined, "utf-8", "backslashreplace") : nullptr;
    if (bytes) {
        text.assign(PyBytes_AS_STRING(bytes), size_t(PyBytes_GET_SIZE(bytes)));
    } else { // the traceback module itself failed (out of memory, a broken __str__): say so
        PyErr_Clear();
        text = fmt::format("{} (its traceback could not be formatted)", Py_TYPE(exc)->tp_name);
    }
    Py_XDECREF(bytes);
    Py_XDECREF(joined);
    Py_XDECREF(empty);
    Py_XDECREF(lines);
    Py_XDECREF(module);
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

} // namespace

void log_python_error(std::string_view what, py::handle exc) {
    if (!exc) {
        spdlog::error("{} (no Python exception was set)", what);
        return;
    }
    spdlog::error("{}\n{}", what, format_traceback(exc.ptr()));
}

void log_python_error(std::string_view what) {
    py::object exc = fetch_exception();
    log_python_error(what, exc);
}

} // namespace turbo::worker
