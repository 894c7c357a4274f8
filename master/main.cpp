// turbo: the command line. `turbo serve APP` runs the master; `turbo worker ...` is how the master
// starts its workers (not meant to be typed by users).
#include "master/master.h"
#include "worker/worker.h"

#include <malloc.h>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace {

std::string self_exe() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    return std::string(buf, size_t(n));
}

// $WEB_CONCURRENCY is gunicorn's documented default for --workers; read once, here, in the open.
uint32_t default_workers() {
    const char* v = std::getenv("WEB_CONCURRENCY");
    if (!v || !*v) return 1;
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    return (end && *end == '\0' && n >= 1 && n <= 1024) ? uint32_t(n) : 1;
}

// Large request and response bodies pass through buffers of their size in both processes. glibc would
// give each one fresh mmap'd pages (and trim the heap after it), so every large body paid a page
// fault per 4 KiB twice over: a third of the CPU of a 1 MiB echo on a VM, where faults are slow.
// Bodies up to 32 MiB (past the default 16 MiB --limit-request-body) come from the heap instead, and
// freed pages stay mapped for the next request up to 64 MiB. Python's large objects use malloc too.
void keep_heap_pages() {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

} // namespace

int main(int argc, char** argv) {
    keep_heap_pages();
    CLI::App cli{"TurboAPI: FastAPI-style Python apps on a C++ prefork HTTP server"};
    cli.set_version_flag("-v,--version", std::string("turbo ") + TURBO_VERSION);
    cli.require_subcommand(1);

    turbo::master::Config serve;
    serve.workers = default_workers();
    double keep_alive_s = serve.keep_alive_ms / 1000.0, graceful_s = serve.graceful_timeout_ms / 1000.0;
    bool no_access_log = false;
    auto* s = cli.add_subcommand("serve", "Serve an app: turbo serve app.py:app --workers 4");
    s->add_option("app", serve.app, "The app: path/to/file.py:attr or package.module:attr")->required();
    s->add_option("-w,--workers", serve.workers, "Worker processes (default: $WEB_CONCURRENCY or 1)")
        ->check(CLI::Range(1, 1024));
    s->add_option("-b,--bind", serve.bind, "Address: HOST:PORT, [IPV6]:PORT or unix:PATH")
        ->capture_default_str();
    s->add_option("--backlog", serve.backlog, "Listen backlog")->capture_default_str();
    s->add_flag("--no-access-log", no_access_log, "Do not write one line per request to stdout");
    s->add_option("--log-level", serve.log_level, "debug, info, warning, error or critical")
        ->capture_default_str();
    s->add_option("--limit-request-line", serve.limit_request_line_bytes,
                  "Longest request line in bytes (414 over it)")
        ->capture_default_str();
    s->add_option("--limit-request-fields", serve.limit_request_fields, "Most header fields (431 over it)")
        ->capture_default_str();
    s->add_option("--limit-request-field-size,--limit-request-field_size", serve.limit_request_field_bytes,
                  "Largest header field in bytes (431 over it)")
        ->capture_default_str();
    s->add_option("--limit-request-body", serve.limit_request_body_bytes,
                  "Largest request body in bytes (413 over it)")
        ->capture_default_str();
    s->add_option("--keep-alive", keep_alive_s, "Seconds an idle keep-alive connection stays open")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    s->add_option("--graceful-timeout", graceful_s, "Seconds in-flight requests get to finish on TERM")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    s->add_option("--ring-size", serve.ring_bytes, "Bytes per shared-memory ring (power of two)")
        ->capture_default_str();
    double header_timeout_s = serve.header_timeout_ms / 1000.0,
           body_timeout_s = serve.body_timeout_ms / 1000.0, write_timeout_s = serve.write_timeout_ms / 1000.0,
           queue_timeout_s = serve.queue_timeout_ms / 1000.0;
    s->add_option("--header-timeout", header_timeout_s,
                  "Seconds a request's headers may take to arrive (408)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    s->add_option("--body-timeout", body_timeout_s,
                  "Longest wait in seconds for more of a request body (408)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    s->add_option("--write-timeout", write_timeout_s, "Seconds a client may read nothing of a response")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    s->add_option("--max-connections", serve.max_connections, "Open connections; more are answered 503")
        ->capture_default_str();
    s->add_option("--max-queue", serve.max_queue, "Requests waiting for a busy worker before 503")
        ->capture_default_str();
    s->add_option("--queue-timeout", queue_timeout_s, "Seconds a request may wait for a worker before 503")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    bool no_server_header = false;
    s->add_flag("--no-server-header", no_server_header, "Do not send the Server header");
    double timeout_s = serve.timeout_ms / 1000.0;
    s->add_option("-t,--timeout", timeout_s,
                  "Seconds a request may run before 504 and a worker restart (0: off)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    s->add_option("--max-requests", serve.max_requests,
                  "Replace a worker after this many requests (0: never)")
        ->capture_default_str();
    s->add_option("--max-requests-jitter", serve.max_requests_jitter,
                  "Add up to this many to --max-requests per worker")
        ->capture_default_str();
    bool no_io_uring = false;
    s->add_flag("--no-io-uring", no_io_uring,
                "Read and write sockets with one recv/send system call each, not in io_uring batches");
    s->add_option("--worker-spin-us", serve.worker_spin_us,
                  "Microseconds a worker polls for the next request before it sleeps (0: sleep at once)")
        ->capture_default_str()
        ->check(CLI::Range(0, 10000));
    s->add_flag("--reload", serve.reload, "Reload workers when the app's Python files change (development)");
    s->add_option("-p,--pid", serve.pid_file, "Write the master's pid to this file");
    s->add_option("--access-logfile", serve.access_logfile, "Access log file (- for stdout)")
        ->capture_default_str();
    s->add_option("--error-logfile,--log-file", serve.error_logfile, "Error log file (- for stderr)")
        ->capture_default_str();

    turbo::worker::Config worker;
    auto* w = cli.add_subcommand("worker", "Internal: a worker process, started by the master");
    w->group(""); // hidden from --help
    w->add_option("--shm", worker.shm_name)->required();
    w->add_option("--slot", worker.slot)->required();
    w->add_option("--generation", worker.generation)->required();
    w->add_option("--app", worker.app)->required();
    w->add_option("--notify-fd", worker.notify_fd)->required();
    w->add_option("--master-pid", worker.master_pid)->required();
    w->add_option("--python-path", worker.python_path)->required();
    w->add_option("--log-level", worker.log_level);
    w->add_option("--error-logfile", worker.error_logfile);
    w->add_option("--spin-us", worker.spin_us);

    CLI11_PARSE(cli, argc, argv);

    if (*w) return turbo::worker::run(worker);

    serve.access_log = !no_access_log;
    serve.keep_alive_ms = uint32_t(keep_alive_s * 1000);
    serve.timeout_ms = uint32_t(timeout_s * 1000);
    serve.header_timeout_ms = uint32_t(header_timeout_s * 1000);
    serve.body_timeout_ms = uint32_t(body_timeout_s * 1000);
    serve.write_timeout_ms = uint32_t(write_timeout_s * 1000);
    serve.queue_timeout_ms = uint32_t(queue_timeout_s * 1000);
    serve.server_header = !no_server_header;
    serve.io_uring = !no_io_uring;
    serve.graceful_timeout_ms = uint32_t(graceful_s * 1000);
    serve.self_exe = self_exe();
    serve.python_path = TURBO_PYTHON_DIR;
    return turbo::master::serve(serve);
}
