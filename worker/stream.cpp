// A StreamingResponse's body_iterator, chunk by chunk (the worker's stream and the TestClient's).
#include "worker/worker_internal.h"

namespace turbo::worker {

BodyIterator::BodyIterator(App& app, PyObject* body_iterator) : app_(app) {
    is_async_ = PyObject_HasAttrString(body_iterator, "__anext__");
    it_ = is_async_ ? Py_NewRef(body_iterator) : PyObject_GetIter(body_iterator);
}

BodyIterator::~BodyIterator() {
    Py_XDECREF(it_);
}

BodyIterator::Step BodyIterator::next(std::string& chunk) {
    PyObject* item = nullptr;
    if (is_async_) {
        PyObject* step = PyObject_CallMethod(it_, "__anext__", nullptr);
        item = step ? app_.await_result(step) : nullptr;
        Py_XDECREF(step);
        if (!item && PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
            PyErr_Clear();
            return Step::kEnd;
        }
    } else {
        item = PyIter_Next(it_);
        if (!item && !PyErr_Occurred()) return Step::kEnd;
    }
    if (item && PyBytes_Check(item)) {
        chunk.assign(PyBytes_AS_STRING(item), size_t(PyBytes_GET_SIZE(item)));
    } else if (item && PyUnicode_Check(item)) {
        Py_ssize_t n = 0;
        const char* text = PyUnicode_AsUTF8AndSize(item, &n);
        if (text) chunk.assign(text, size_t(n));
    } else if (item && (PyByteArray_Check(item) || PyMemoryView_Check(item))) {
        PyObject* b = PyBytes_FromObject(item);
        if (b) chunk.assign(PyBytes_AS_STRING(b), size_t(PyBytes_GET_SIZE(b)));
        Py_XDECREF(b);
    } else if (item) {
        PyErr_Format(PyExc_TypeError, "a StreamingResponse yielded %.100s; it must yield bytes or str",
                     Py_TYPE(item)->tp_name);
    }
    Py_XDECREF(item);
    return PyErr_Occurred() ? Step::kFailed : Step::kChunk;
}

void BodyIterator::close() {
    if (!it_) return;
    if (!is_async_ && PyObject_HasAttrString(it_, "close")) {
        PyObject* r = PyObject_CallMethod(it_, "close", nullptr);
        if (!r) log_python_error("closing the body iterator of a StreamingResponse failed");
        Py_XDECREF(r);
    } else if (is_async_ && PyObject_HasAttrString(it_, "aclose")) {
        PyObject* coro = PyObject_CallMethod(it_, "aclose", nullptr);
        PyObject* r = coro ? app_.await_result(coro) : nullptr;
        if (!r) log_python_error("closing the body iterator of a StreamingResponse failed");
        Py_XDECREF(coro);
        Py_XDECREF(r);
    }
}

} // namespace turbo::worker
