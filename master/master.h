// master: the process that faces the network and manages the workers.
//
// One single-threaded Boost.Asio loop accepts connections, parses HTTP/1.1 with llhttp, hands each
// request to the live worker with the fewest requests in flight (through that worker's shared-memory
// request ring), and writes responses back in request order. The same loop spawns workers
// (posix_spawn of this binary in worker mode, never fork() of the master), reaps and respawns them,
// and handles signals. The master never links or runs Python.
#pragma once

#include <cstdint>
#include <string>

namespace turbo::master {

/// Everything `turbo serve` can be told. Defaults follow gunicorn where gunicorn has the setting.
struct Config {
    std::string app;                     // "pkg.module:attr" or "path/to/file.py:attr"
    std::string bind = "127.0.0.1:8000"; // "host:port", "[v6addr]:port" or "unix:/path"
    uint32_t workers = 1;                // worker processes
    uint32_t backlog = 2048;             // listen(2) backlog
    bool access_log = true;              // one line per request on stdout
    std::string log_level = "info";      // debug, info, warning, error, critical

    uint32_t limit_request_line_bytes = 4094;        // request line; over -> 414
    uint32_t limit_request_fields = 100;             // header fields; over -> 431
    uint32_t limit_request_field_bytes = 8190;       // one header field; over -> 431
    uint32_t limit_request_header_bytes = 65536;     // all header bytes; over -> 431
    uint64_t limit_request_body_bytes = 16ull << 20; // de-chunked body; over -> 413

    uint32_t max_inflight_per_connection = 32; // pipelined requests in flight before reading pauses
    uint32_t keep_alive_ms = 5000;             // idle keep-alive connections close after this
    uint32_t header_timeout_ms = 30000; // a request's headers must arrive within this (slowloris); -> 408
    uint32_t body_timeout_ms = 30000;   // longest wait for more of a request body; -> 408
    uint32_t write_timeout_ms = 30000;  // a client that reads nothing of a response for this long is dropped
    uint32_t max_connections = 16384;   // more open connections than this are answered 503 and closed
    uint32_t max_queue = 1024;          // requests waiting for a worker before new ones get 503
    uint32_t queue_timeout_ms = 10000;  // a request that waited this long for a worker gets 503
    bool server_header = true;          // send "server: turbo"
    uint32_t graceful_timeout_ms = 30000; // TERM: in-flight requests get this long to finish
    uint64_t ring_bytes = 1u << 20;       // per ring, power of two (shm::Config)
    uint32_t timeout_ms = 30000;      // a request running longer gets 504 and its worker is replaced; 0: off
    uint64_t max_requests = 0;        // recycle a worker after this many requests; 0: never
    uint64_t max_requests_jitter = 0; // plus a random 0..jitter per worker, so they do not recycle at once
    uint32_t worker_spin_us = 50; // a worker polls its empty ring this long before sleeping (0: never polls)
    bool io_uring = true;         // batch socket reads and writes through io_uring where the kernel allows
    bool reload = false;          // watch the app's Python files and reload on change (development)
    std::string pid_file;         // write the master's pid here ("" : none)
    std::string access_logfile = "-"; // "-": stdout
    std::string error_logfile = "-";  // "-": stderr

    std::string self_exe;    // the turbo binary, spawned in worker mode
    std::string python_path; // directory holding the turboapi package
};

/// Empty when valid, else a readable reason (checked before anything starts).
std::string validate(const Config& config);

/// Runs the server until it is stopped; returns the process exit status
/// (0 after a graceful stop, 1 on start-up errors, 3 when the app cannot boot, as gunicorn).
int serve(const Config& config);

} // namespace turbo::master
