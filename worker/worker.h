// worker: one process serving requests with its own embedded CPython.
//
// The master spawns `turbo worker ...` (posix_spawn + exec, never a fork of the master). The worker
// maps the master's segment, boots Python (Debian's /usr/bin/python3 3.11), imports the app, builds
// the C++ router from its routes, reports Ready in its status slot and then loops: pop a request from
// its ring, route it, convert parameters, call the handler, serialize the result to JSON in C++, push
// the response. It exits when its master dies (PR_SET_PDEATHSIG), on TERM (after the request in
// hand) and at once on QUIT.
#pragma once

#include <cstdint>
#include <string>

namespace turbo::worker {

/// Exit status of a worker whose app cannot be imported or built (gunicorn's WORKER_BOOT_ERROR).
inline constexpr int kBootErrorExit = 3;

/// What the master tells a worker on its command line.
struct Config {
    std::string shm_name;    // the master's segment ("turbo-<pid>")
    uint32_t slot = 0;       // this worker's slot in the segment
    uint32_t generation = 0; // must equal the slot's generation, else the worker is stale
    std::string app;         // "pkg.module:attr" or "path/file.py:attr"
    int notify_fd = 3;       // the master's eventfd
    int master_pid = 0;      // exit if the parent is not this process
    std::string python_path; // directory holding the turboapi package
    std::string log_level = "info";
    std::string error_logfile = "-"; // reopened onto stderr on USR1 ("-": leave stderr alone)
    int idle_wait_ms = 1000;         // longest block on an empty ring before the heartbeat is refreshed
    uint32_t spin_us = 50;           // poll an empty ring this long before sleeping, only while the master is
                                     // awake (under load the next request is usually microseconds away, and
                                     // a futex wake costs the master more than that)
};

/// Runs the worker until it is told to stop; returns its exit status.
int run(const Config& config);

} // namespace turbo::worker
