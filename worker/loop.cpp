// The worker process: boot the interpreter and the app, then serve the request ring.
#include "worker/worker.h"
#include "worker/worker_internal.h"

#include <pybind11/embed.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace turbo::worker {

namespace {

// Response bodies from this size on go into the ring from where they lie instead of being copied
// behind their head first (smaller ones stay one contiguous fragment, which the master reads in place).
constexpr size_t kSplitBodyBytes = 64 * 1024;

volatile std::sig_atomic_t g_stop = 0;   // 1: TERM (finish the request in hand), 2: QUIT (now)
volatile std::sig_atomic_t g_reopen = 0; // USR1: reopen the error log

void on_stop_signal(int sig) {
    if (sig == SIGQUIT) _exit(0); // quick stop: now, even in the middle of a handler
    g_stop = 1;
}
void on_usr1(int) {
    g_reopen = 1;
}

void reopen_error_log(const Config& config) {
    g_reopen = 0;
    if (config.error_logfile == "-") return;
    const int fd = ::open(config.error_logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return; // keep writing to the old file rather than lose the worker
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
}

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a blocked futex wait returns at once
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGQUIT, &sa, nullptr);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, nullptr);
    std::signal(SIGINT, SIG_IGN); // Ctrl-C reaches the whole process group; the master decides
    std::signal(SIGPIPE, SIG_IGN);
}

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("turbo-worker");
    logger->set_pattern("[%Y-%m-%d %H:%M:%S %z] [%P] [%^%l%$] %v");
    logger->set_level(spdlog::level::from_str(level == "warning" ? "warn" : level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

// Debian's CPython, named explicitly so sys.executable is right even when another python3 is first
// on PATH (multiprocessing and tools that re-exec Python rely on it).
void start_interpreter() {
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0; // signals are the worker's (see install_signals)
    config.parse_argv = 0;
    PyConfig_SetBytesString(&config, &config.program_name, TURBO_PYTHON_EXECUTABLE);
    PyConfig_SetBytesString(&config, &config.executable, TURBO_PYTHON_EXECUTABLE);
    const char* argv[] = {TURBO_PYTHON_EXECUTABLE};
    py::initialize_interpreter(&config, 1, argv, false);
}

class Notifier {
public:
    Notifier(shm::Segment& segment, int fd) : sleeping_(segment.header().master_sleeping), fd_(fd) {}
    /// Wakes the master if it sleeps (it set the flag before waiting on its eventfd).
    void responses_published() {
        if (sleeping_.load(std::memory_order_seq_cst) && sleeping_.exchange(0)) ring();
    }
    void ring() {
        const uint64_t one = 1;
        while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
        }
    }

private:
    std::atomic<uint32_t>& sleeping_;
    int fd_;
};

bool parent_alive(int master_pid) {
    return getppid() == master_pid;
}

uint64_t monotonic_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

// Polls an empty request ring for up to `spin_us`; true when a request arrived. Not inlined, so a
// profile shows the time spent polling apart from the rest of the loop (bench/profile).
[[gnu::noinline]] bool spin_for_request(shm::RingRef ring, uint32_t spin_us) {
    if (spin_us == 0) return !ring.empty();
    const uint64_t until = monotonic_us() + spin_us;
    for (;;) {
        if (!ring.empty()) return true;
        if (monotonic_us() >= until) return false;
        __builtin_ia32_pause();
    }
}

// Pushes one message, `head` then `body`, waiting for space when the ring is full. False when told
// to quit or orphaned while waiting. The two parts are written without being joined first: for a
// large body, which is fragmented anyway, that copy would cost as much as the ring write itself.
bool push(shm::RingWriter& writer, shm::FrameHeader meta, std::string_view head, Notifier& notifier,
          const Config& config, std::string_view body = {}) {
    const size_t total = head.size() + body.size();
    size_t offset = 0;
    for (;;) {
        while (offset < total) {
            const bool in_head = offset < head.size();
            const std::string_view part = in_head ? head : body;
            const size_t base = in_head ? 0 : head.size();
            if (!writer.write_part(meta, std::as_bytes(std::span(part.data(), part.size())), base, total,
                                   offset))
                break;
        }
        if (offset == total) return true;
        notifier.responses_published(); // the master must drain before there is room
        {
            py::gil_scoped_release unlocked;
            shm::wait_for_space(writer, writer.wanted_bytes(total - offset), 100);
        }
        if (g_stop == 2 || !parent_alive(config.master_pid)) return false;
    }
}

// Pushes one complete message of `kind` for the request in `meta`.
bool push_kind(shm::RingWriter& writer, shm::FrameHeader meta, shm::MessageKind kind,
               const std::string& payload, Notifier& notifier, const Config& config) {
    meta.kind = uint16_t(kind);
    if (!push(writer, meta, payload, notifier, config)) return false;
    notifier.responses_published();
    return true;
}

/// A StreamingResponse: the head, then each chunk as the generator yields it (through the pipeline's
/// gzip when it compresses the stream; big ones split), then the end. Requests that arrive meanwhile
/// wait in `deferred`; a Cancel for this request (its client left) stops the generator. Returns false
/// when told to quit or orphaned.
bool stream_response(App& app, Response& response, Exchange& exchange, shm::FrameHeader meta,
                     shm::RingWriter& writer, shm::RingReader& reader, std::deque<shm::Message>& deferred,
                     shm::SlotStatus& status, Notifier& notifier, const Config& config) {
    constexpr size_t kMaxChunkMessage = 64 * 1024;
    uint64_t length = shm::kUnknownLength; // a gzip'd stream has no content-length left (GZip removed it)
    for (const auto& [n, v] : response.headers)
        if (n == "content-length") {
            uint64_t parsed = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
            if (ec == std::errc() && end == v.data() + v.size()) length = parsed;
        }
    shm::ResponseView view;
    view.status = response.status;
    for (const auto& [n, v] : response.headers)
        view.headers.push_back({n, v});
    std::string payload(sizeof length, '\0');
    std::memcpy(payload.data(), &length, sizeof length);
    shm::encode_response(view, payload);
    if (!push_kind(writer, meta, shm::MessageKind::StreamHead, payload, notifier, config)) return false;

    py::object stream = std::move(response.stream);
    BodyIterator it(app, stream.ptr());
    bool failed = !it.ok(), cancelled = false, pending = response.has_first_chunk;
    if (failed) log_python_error("the body iterator of a StreamingResponse could not be started");
    std::string chunk, encoded;
    shm::Message incoming;
    // Pushes what `data` encodes to, split into messages the master takes whole.
    auto push_encoded = [&](std::string_view data) {
        for (size_t off = 0; off < data.size(); off += kMaxChunkMessage) {
            payload.assign(data.substr(off, kMaxChunkMessage));
            if (!push_kind(writer, meta, shm::MessageKind::StreamChunk, payload, notifier, config))
                return false;
        }
        return true;
    };
    while (!failed && !cancelled && g_stop != 2) {
        if (pending) {
            chunk.swap(response.first_chunk);
            pending = false;
        } else {
            const auto step = it.next(chunk);
            if (step == BodyIterator::Step::kEnd) break;
            if (step == BodyIterator::Step::kFailed) {
                log_python_error(
                    "the body iterator of a StreamingResponse failed; the connection will be closed");
                failed = true;
                break;
            }
        }
        status.request_started_ms.store(shm::monotonic_ms(), std::memory_order_relaxed); // progress
        std::string_view data = chunk; // as it came, unless the pipeline compresses the stream
        if (exchange.context.gzip_stream) {
            encoded.clear();
            if (!exchange.encode_chunk(chunk, encoded)) {
                spdlog::error(
                    "gzip failed (out of memory?) in a streaming response; the connection will be closed");
                failed = true;
                break;
            }
            data = encoded;
        }
        if (!push_encoded(data)) return false;
        // Anything the master sent meanwhile: a Cancel of this stream, or requests for later.
        while (reader.read(incoming) == shm::ReadStatus::Message) {
            if (incoming.meta.kind == uint16_t(shm::MessageKind::Cancel)) {
                cancelled |= incoming.meta.request_id == meta.request_id;
                continue;
            }
            deferred.push_back(std::move(incoming));
        }
    }
    if (cancelled || failed) it.close(); // now, so its finally blocks and context managers run
    if (cancelled) spdlog::info("the client of a streaming response left; its generator was closed");
    if (!cancelled && !failed) {
        encoded.clear();
        failed = !exchange.end_stream(encoded);
        if (!failed && !push_encoded(encoded)) return false;
    }
    exchange.context.gzip_stream = false; // also when the stream stopped early
    return push_kind(writer, meta, failed ? shm::MessageKind::StreamAbort : shm::MessageKind::StreamEnd,
                     std::string(8, '\0'), notifier, config); // (push writes nothing for an empty message)
}

/// The request loop of one worker: requests from the ring, responses into the other ring. Async
/// handlers run as tasks on the worker's event loop, so the worker serves other requests while one
/// awaits; their responses go out when they finish (the master matches them by request id).
class RequestLoop {
public:
    RequestLoop(const Config& config, shm::Segment& segment, App& app)
        : config_(config), segment_(segment), app_(app), status_(segment.status(config.slot)),
          request_ring_(segment.request_ring(config.slot)),
          reader_(request_ring_, {.max_message_bytes = 64ull << 20, .claim = true}),
          writer_(segment.response_ring(config.slot)), notifier_(segment, config.notify_fd) {
        app_.set_concurrent(true);
        loop_ = app_.event_loop();
        stop_ = loop_.attr("stop");
        call_soon_ = loop_.attr("call_soon");
        call_later_ = loop_.attr("call_later");
        run_forever_ = loop_.attr("run_forever");
        create_task_ = loop_.attr("create_task");
        // A finished task ends the current poll early. Only during poll_tasks: a callback left over
        // for a later run_until_complete (a streamed body, a background task) must not stop that.
        py::object stop = stop_;
        auto polling = polling_;
        stop_when_done_ = py::cpp_function([stop, polling](py::handle) {
            if (*polling) stop();
        });
    }

    int run() {
        status_.state.store(uint32_t(shm::WorkerState::Ready));
        notifier_.ring(); // always: the master learns of readiness through its eventfd
        spdlog::debug("worker ready in slot {}", config_.slot);
        shm::Message message;
        while (g_stop == 0) {
            shm::ReadStatus st = shm::ReadStatus::Message;
            if (!deferred_.empty()) {
                message = std::move(deferred_.front());
                deferred_.pop_front();
            } else {
                st = reader_.read(message);
            }
            if (reader_.producer_needs_wake()) notifier_.ring(); // the master waits to push more
            if (st == shm::ReadStatus::Message) {
                if (!serve(message)) return 0;
                // One turn of the event loop costs more than a short handler: start the tasks of every
                // request already in the ring (up to a batch), then run them together.
                if (!tasks_.empty() &&
                    (++unpolled_ >= kTaskBatch || (deferred_.empty() && request_ring_.empty()))) {
                    unpolled_ = 0;
                    if (!poll_tasks(0)) return 0;
                }
                continue;
            }
            if (st == shm::ReadStatus::Corrupt) {
                spdlog::critical("corrupt frame in the request ring; exiting");
                return 70;
            }
            if (!housekeeping()) return 0;
            if (!tasks_.empty()) {
                // Awaiting handlers: wait on the event loop a moment, then look at the ring again.
                if (!poll_tasks(kTaskSliceSeconds)) return 0;
                continue;
            }
            idle_wait();
        }
        // TERM: the requests in hand finish (the master kills us after its graceful timeout).
        while (!tasks_.empty() && g_stop == 1 && parent_alive(config_.master_pid))
            if (!poll_tasks(0.01)) break;
        return 0;
    }

private:
    static constexpr double kTaskSliceSeconds = 0.001; // ring checks while tasks await
    static constexpr uint32_t kTaskBatch = 32;         // requests served before the event loop must turn
    static constexpr uint32_t kFailedSpinsBeforeBackoff = 4;
    static constexpr uint32_t kSpinProbeInterval = 16;

    struct Task {
        py::object task;
        shm::Message message; // the request's bytes (its views are decoded again at the end)
        shm::FrameHeader meta;
        const Route* route;
        uint64_t started_ms;
        std::unique_ptr<Exchange> exchange; // the middleware state of this request
    };

    bool serve(shm::Message& message) {
        if (message.meta.kind != uint16_t(shm::MessageKind::Request) ||
            message.meta.generation != config_.generation)
            return true;
        status_.current_request_id.store(message.meta.request_id, std::memory_order_relaxed);
        const uint64_t started = shm::monotonic_ms();
        status_.request_started_ms.store(started, std::memory_order_release);
        shm::FrameHeader meta{};
        meta.generation = config_.generation;
        meta.request_id = message.meta.request_id;
        meta.conn_id = message.meta.conn_id;
        if (shm::decode_request(message.payload, request_)) {
            app_.serve(request_, response_, *exchange_);
        } else {
            spdlog::error("malformed request frame {}; answering 500", message.meta.request_id);
            response_.clear();
            response_.status = 500;
            response_.headers.emplace_back("content-type", "text/plain; charset=utf-8");
            response_.body = "Internal Server Error";
        }
        if (response_.pending) {
            py::object task = create_task_(std::move(response_.pending));
            task.attr("add_done_callback")(stop_when_done_);
            tasks_.push_back({std::move(task), std::move(message), meta, response_.pending_route, started,
                              std::move(exchange_)});
            exchange_ = take_exchange();
            message = shm::Message();
            response_.clear();
            update_started();
            return true;
        }
        return send(response_, meta, *exchange_);
    }

    // Exchanges are reused: one for the request in hand, one per task, the rest kept here.
    std::unique_ptr<Exchange> take_exchange() {
        if (spare_exchanges_.empty()) return std::make_unique<Exchange>();
        auto x = std::move(spare_exchanges_.back());
        spare_exchanges_.pop_back();
        return x;
    }

    // Pushes a finished response (streamed when it has a body iterator), then runs its background.
    bool send(Response& response, shm::FrameHeader meta, Exchange& exchange) {
        if (response.stream) {
            if (!stream_response(app_, response, exchange, meta, writer_, reader_, deferred_, status_,
                                 notifier_, config_))
                return false;
        } else {
            view_.status = response.status;
            view_.headers.clear();
            for (const auto& [n, v] : response.headers)
                view_.headers.push_back({n, v});
            view_.body = response.body_view();
            encoded_.clear();
            meta.kind = uint16_t(shm::MessageKind::Response);
            // --timeout bounds the handler, not the client: a slow reader of a large response holds
            // this push, and the master's write timeout deals with that.
            const bool split = view_.body.size() >= kSplitBodyBytes;
            if (split)
                shm::encode_response_head(view_, encoded_);
            else
                shm::encode_response(view_, encoded_); // one contiguous fragment the master reads in place
            if (!push(writer_, meta, encoded_, notifier_, config_, split ? view_.body : std::string_view()))
                return false;
            // Only a load when the master is awake (it polls the rings then); an eventfd write when
            // it sleeps.
            notifier_.responses_published();
        }
        update_started();
        status_.requests_served.fetch_add(1, std::memory_order_relaxed);
        if (response.background) app_.run_background(std::move(response.background));
        return true;
    }

    // Runs the event loop once, blocking at most `wait_s` (until a task finishes), then sends the
    // responses of the tasks that are done.
    bool poll_tasks(double wait_s) {
        {
            py::object timer = wait_s > 0 ? call_later_(wait_s, stop_) : call_soon_(stop_);
            *polling_ = true;
            run_forever_();
            *polling_ = false;
            timer.attr("cancel")();
        }
        for (size_t i = 0; i < tasks_.size();) {
            if (!tasks_[i].task.attr("done")().cast<bool>()) {
                ++i;
                continue;
            }
            Task done = std::move(tasks_[i]);
            tasks_.erase(tasks_.begin() + long(i));
            shm::RequestView request;
            shm::decode_request(done.message.payload, request);
            app_.serve_task(*done.route, done.task.ptr(), request, response_, *done.exchange);
            const bool sent = send(response_, done.meta, *done.exchange);
            spare_exchanges_.push_back(std::move(done.exchange));
            if (!sent) return false;
        }
        return true;
    }

    // --timeout measures the oldest request still in hand.
    void update_started() {
        uint64_t oldest = 0;
        for (const auto& t : tasks_)
            if (!oldest || t.started_ms < oldest) oldest = t.started_ms;
        status_.request_started_ms.store(oldest, std::memory_order_relaxed);
    }

    bool housekeeping() {
        if (g_reopen) reopen_error_log(config_);
        const uint64_t now = shm::monotonic_ms();
        status_.heartbeat_ms.store(now, std::memory_order_relaxed);
        if (now - last_parent_check_ms_ >= 1000) {
            last_parent_check_ms_ = now;
            if (!parent_alive(config_.master_pid)) {
                spdlog::info("master {} is gone; exiting", config_.master_pid);
                return false;
            }
        }
        return true;
    }

    void idle_wait() {
        py::gil_scoped_release unlocked;
        // Spin briefly before sleeping while the master is awake and busy: under load the next
        // request usually arrives within microseconds, and a futex wake costs more than that.
        // Spinning on the master's own CPU would only take time from it: sleep instead.
        bool arrived = false;
        const auto& header = segment_.header();
        if (!header.master_sleeping.load(std::memory_order_relaxed) &&
            header.master_cpu.load(std::memory_order_relaxed) != sched_getcpu() && spin_worth_trying()) {
            arrived = spin_for_request(request_ring_, config_.spin_us);
            failed_spins_ = arrived ? 0 : failed_spins_ + 1;
        }
        if (!arrived) shm::wait_for_data(request_ring_, config_.idle_wait_ms);
    }

    // A spin that ends in a sleep anyway wastes its whole window: with two workers on two busy cores
    // 93-97% of them did, a worker's CPU per request spent polling. After kFailedSpinsBeforeBackoff
    // misses in a row, only every kSpinProbeInterval-th idle moment spins, until one catches a request.
    bool spin_worth_trying() {
        if (failed_spins_ < kFailedSpinsBeforeBackoff) return true;
        return ++skipped_spins_ % kSpinProbeInterval == 0;
    }

    const Config& config_;
    shm::Segment& segment_;
    App& app_;
    shm::SlotStatus& status_;
    shm::RingRef request_ring_;
    shm::RingReader reader_;
    shm::RingWriter writer_;
    Notifier notifier_;
    shm::RequestView request_;
    Response response_;
    std::unique_ptr<Exchange> exchange_ = std::make_unique<Exchange>(); // the request in hand
    std::vector<std::unique_ptr<Exchange>> spare_exchanges_;
    shm::ResponseView view_;
    std::string encoded_;
    uint64_t last_parent_check_ms_ = 0;
    uint32_t unpolled_ = 0;             // requests served since the event loop last turned
    uint32_t failed_spins_ = 0;         // spins in a row that ended without a request (then sleep)
    uint32_t skipped_spins_ = 0;        // idle moments that slept without spinning, while backing off
    std::deque<shm::Message> deferred_; // requests read while a response was streaming
    std::vector<Task> tasks_;           // async handlers in progress
    py::object loop_, stop_, call_soon_, call_later_, run_forever_, create_task_, stop_when_done_;
    std::shared_ptr<bool> polling_ = std::make_shared<bool>(false);
};

int serve(const Config& config, shm::Segment& segment, App& app) {
    RequestLoop loop(config, segment, app);
    return loop.run();
}

} // namespace

int run(const Config& config) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); // the master's death ends us; it may have died before this line:
    if (!parent_alive(config.master_pid)) return 0;
    install_signals();
    setup_logging(config.log_level);

    std::optional<shm::Segment> segment;
    try {
        segment.emplace(shm::Segment::open(config.shm_name));
    } catch (const std::exception& e) {
        spdlog::critical("cannot open shared memory: {}", e.what());
        return 70;
    }
    if (config.slot >= segment->slot_count() ||
        segment->status(config.slot).generation.load() != config.generation) {
        spdlog::critical("slot {} generation {} is not this worker's", config.slot, config.generation);
        return 70;
    }

    // RateLimitMiddleware's buckets, shared with every worker of this server (the master formatted them).
    middleware::RateLimitTable rate_limit_table;
    const auto block = segment->rate_limit_block();
    if (middleware::RateLimitTable::attach(block.data(), rate_limit_table) !=
            middleware::RateLimitTable::Error::kNone ||
        middleware::RateLimitTable::bytes_for(rate_limit_table.capacity()) != block.size()) {
        spdlog::critical("the shared rate-limit block is not formatted");
        return 70;
    }

    start_interpreter();
    int rc = 0;
    {
        std::unique_ptr<App> app;
        try {
            auto sys = py::module_::import("sys");
            py::list path = sys.attr("path");
            path.insert(0, config.python_path);
            // turboapi._native is built into this binary: never load the extension copy of it.
            sys.attr("modules")["turboapi._native"] = py::module_::import("_turbo_native");
            auto internal = py::module_::import("turboapi._internal");
            py::object app_object = internal.attr("load_app")(config.app);
            app = std::make_unique<App>(app_object, rate_limit_table);
            app->startup(); // on_event("startup") / lifespan, before this worker reports ready
        } catch (py::error_already_set& e) {
            e.restore();
            log_python_error(
                fmt::format("Exception in worker process: cannot load the application '{}'", config.app));
            rc = kBootErrorExit;
        } catch (const std::exception& e) {
            spdlog::error("cannot load the application '{}': {}", config.app, e.what());
            rc = kBootErrorExit;
        }
        if (app) {
            rc = serve(config, *segment, *app);
            if (g_stop == 1) app->shutdown(); // graceful stops only: QUIT means now
        }
    }
    fflush(stdout);
    // Skip interpreter finalization: atexit handlers ran nothing we rely on, and finalizing a
    // half-booted app can hang on its threads. Flush Python's own buffered streams first.
    PyRun_SimpleString(
        "import sys\nfor s in (sys.stdout, sys.stderr):\n    try: s.flush()\n    except Exception: pass\n");
    _exit(rc);
}

} // namespace turbo::worker

// turboapi._native, built in (the worker puts it in sys.modules before importing the app).
PYBIND11_EMBEDDED_MODULE(_turbo_native, m) {
    turbo::worker::define_module(m);
}
