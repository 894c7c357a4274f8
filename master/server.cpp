// The master's event loop: listener, signals, worker notifications, timers and logs.
#include "master/server_internal.h"

#include "middleware/middleware.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace turbo::master {

namespace {

constexpr int kTickMs = 250;

std::string peer_string(const sockaddr_storage& ss) {
    char host[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (ss.ss_family == AF_INET6) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in6->sin6_port));
    }
    return {}; // unix socket peers have no address
}

} // namespace

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("turbo");
    logger->set_pattern("[%Y-%m-%d %H:%M:%S %z] [%P] [%^%l%$] %v");
    logger->set_level(spdlog::level::from_str(level == "warning" ? "warn" : level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

std::string validate(const Config& c) {
    if (c.app.empty()) return "an application is required (for example app.py:app or pkg.module:app)";
    if (c.app.find(':') == std::string::npos)
        return "the application must be given as MODULE:ATTRIBUTE, got '" + c.app + "'";
    if (c.workers < 1 || c.workers > 1024) return "--workers must be between 1 and 1024";
    if (c.bind.empty()) return "--bind must not be empty";
    if (c.limit_request_line_bytes < 64) return "--limit-request-line must be at least 64";
    if (c.limit_request_fields < 1) return "--limit-request-fields must be at least 1";
    if (c.limit_request_field_bytes < 64) return "--limit-request-field-size must be at least 64";
    if (c.max_inflight_per_connection < 1) return "max in-flight requests per connection must be at least 1";
    if (c.max_connections < 1) return "--max-connections must be at least 1";
    if (c.header_timeout_ms < 1 || c.body_timeout_ms < 1 || c.write_timeout_ms < 1)
        return "--header-timeout, --body-timeout and --write-timeout must be positive";
    if (c.keep_alive_ms < 1) return "--keep-alive must be positive";
    if (c.max_requests_jitter && !c.max_requests) return "--max-requests-jitter needs --max-requests";
    if (c.access_logfile.empty() || c.error_logfile.empty())
        return "log file names must not be empty (use - for the console)";
    shm::Config sc;
    sc.ring_bytes = c.ring_bytes;
    if (auto e = shm::validate(sc); !e.empty()) return e;
    static const char* kLevels[] = {"debug", "info", "warning", "error", "critical"};
    if (std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels))
        return "--log-level must be one of debug, info, warning, error, critical";
    return {};
}

Server::Server(const Config& config) : config_(config), acceptor_(io_), signals_(io_), tick_(io_) {
    limits_.max_request_line_bytes = config.limit_request_line_bytes;
    limits_.max_header_fields = config.limit_request_fields;
    limits_.max_field_bytes = config.limit_request_field_bytes;
    limits_.max_header_bytes = config.limit_request_header_bytes;
    limits_.max_body_bytes = config.limit_request_body_bytes;
    limits_.stream_body_from_bytes = kStreamThreshold;
}

Server::~Server() {
    if (notify_fd_ >= 0 && !notify_) ::close(notify_fd_);
}

Connection* Server::connection(uint64_t id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
}

void Server::remove_connection(Connection* c) {
    auto it = connections_.find(c->id());
    if (it != connections_.end() && it->second.get() == c) connections_.erase(it);
    if (stopping_) check_drained();
}

std::string_view Server::http_date() {
    const time_t now = time(nullptr);
    if (now != date_second_) {
        date_second_ = now;
        tm t{};
        gmtime_r(&now, &t);
        char buf[64];
        date_.assign(buf, strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &t));
        char lbuf[64];
        log_date_.assign(lbuf, strftime(lbuf, sizeof lbuf, "%d/%b/%Y:%H:%M:%S +0000", &t));
    }
    return date_;
}

// gunicorn's default access-log format: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'.
void Server::access_log(const std::string& peer, const PendingResponse& r) {
    http_date();
    const bool was_empty = access_buf_.empty();
    std::string_view host = peer;
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    access_buf_.append(host.empty() ? "-" : host).append(" - - [").append(log_date_).append("] \"");
    access_buf_.append(r.log_request).append("\" ").append(std::to_string(r.status)).append(" ");
    access_buf_.append(std::to_string(r.body_bytes)).append(" \"");
    access_buf_.append(r.log_referer.empty() ? "-" : r.log_referer).append("\" \"");
    access_buf_.append(r.log_agent.empty() ? "-" : r.log_agent).append("\"\n");
    // Lines are batched: written once the handlers already queued have run (or at 64 KiB).
    if (access_buf_.size() >= 65536)
        flush_access_log();
    else if (was_empty)
        asio::post(io_, [this] { flush_access_log(); });
}

void Server::flush_access_log() {
    size_t off = 0;
    while (off < access_buf_.size()) {
        ssize_t n = ::write(access_fd_, access_buf_.data() + off, access_buf_.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; // a closed stdout must not take the server down
        off += size_t(n);
    }
    access_buf_.clear();
}

void Server::open_listener() {
    using generic = asio::generic::stream_protocol;
    const std::string& b = config_.bind;
    generic::endpoint ep;
    if (b.rfind("unix:", 0) == 0) {
        unix_path_ = b.substr(5);
        if (unix_path_.empty() || unix_path_.size() >= sizeof(sockaddr_un::sun_path))
            throw std::runtime_error("invalid unix socket path in --bind " + b);
        ::unlink(unix_path_.c_str()); // a leftover socket file would make bind fail
        ep = generic::endpoint(asio::local::stream_protocol::endpoint(unix_path_));
    } else {
        std::string host, port;
        if (!b.empty() && b[0] == '[') {
            auto close = b.find(']');
            if (close == std::string::npos || close + 1 >= b.size() || b[close + 1] != ':')
                throw std::runtime_error("invalid --bind " + b + " (expected [addr]:port)");
            host = b.substr(1, close - 1);
            port = b.substr(close + 2);
        } else {
            auto colon = b.rfind(':');
            if (colon == std::string::npos) {
                host = b;
                port = "8000";
            } else {
                host = b.substr(0, colon);
                port = b.substr(colon + 1);
            }
        }
        if (host.empty()) host = "0.0.0.0";
        asio::ip::tcp::resolver resolver(io_);
        boost::system::error_code ec;
        auto results = resolver.resolve(host, port, asio::ip::resolver_base::numeric_service, ec);
        if (ec || results.empty())
            throw std::runtime_error("cannot resolve --bind " + b + ": " + ec.message());
        ep = generic::endpoint(results.begin()->endpoint());
    }
    acceptor_.open(ep.protocol());
    if (unix_path_.empty()) acceptor_.set_option(asio::socket_base::reuse_address(true));
    ::fcntl(acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
    acceptor_.non_blocking(true);
    boost::system::error_code ec;
    acceptor_.bind(ep, ec);
    if (ec) throw std::runtime_error("cannot bind " + b + ": " + ec.message());
    if (!unix_path_.empty()) ::chmod(unix_path_.c_str(), 0660);
}

void Server::start_listening() {
    acceptor_.listen(int(config_.backlog));
    listening_ = true;
    const std::string where = unix_path_.empty() ? "http://" + config_.bind : "unix:" + unix_path_;
    spdlog::info("serving on {} with {} worker{} (master pid {})", where, config_.workers,
                 config_.workers == 1 ? "" : "s", getpid());
    accept_next();
}

void Server::accept_next() {
    acceptor_.async_wait(Acceptor::wait_read, [this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        accept_ready();
    });
}

// Accepts every pending connection (non-blocking accept4, so new sockets are non-blocking and
// close-on-exec from the start) and registers each in the connection epoll set.
void Server::accept_ready() {
    for (int i = 0; i < 256; ++i) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(acceptor_.native_handle(), reinterpret_cast<sockaddr*>(&ss), &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            // EMFILE and friends: log, breathe, retry; never spin.
            spdlog::error("accept failed: {}", strerror(errno));
            auto t = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
            t->async_wait([this, t](const auto&) { accept_next(); });
            return;
        }
        if (unix_path_.empty()) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (connections_.size() >= config_.max_connections) {
            refuse(fd);
            continue;
        }
        auto conn = std::make_shared<Connection>(*this, fd, ++last_conn_id_, peer_string(ss));
        if (!conn->start(conn_epoll_fd_)) continue; // its destructor closes the fd
        add_connection(conn);
    }
    accept_next();
}

// Over --max-connections: a short 503 and a close, so the client learns why; the connections
// already open are not touched.
void Server::refuse(int fd) {
    static const char kBusy[] =
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
        "content-length: 19\r\nretry-after: 1\r\nconnection: close\r\n\r\n"
        "Service Unavailable";
    const ssize_t ignored = ::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
    const uint64_t now = shm::monotonic_ms();
    if (now - last_refusal_log_ms_ >= 1000) {
        last_refusal_log_ms_ = now;
        spdlog::warn("refusing connections: {} open (--max-connections)", connections_.size());
    }
}

// The master's loop. Connection events come from our own edge-triggered epoll set, polled without
// blocking while there is work; Asio (accept, timers, signals, the workers' eventfd) is polled at
// least every millisecond under load. Only when nothing is left does the loop block, in Asio, with
// the connection set and the eventfd armed, after telling the workers that the master sleeps.
void Server::main_loop() {
    auto& sleeping = segment_->header().master_sleeping;
    auto& cpu = segment_->header().master_cpu;
    while (!io_.stopped()) {
        cpu.store(sched_getcpu(), std::memory_order_relaxed); // vDSO: no syscall
        bool busy = poll_connections();
        busy |= pool_->service();
        pool_->flush_wakes(); // the workers start on new requests while the responses go out
        busy |= run_sends();
        const uint64_t now = shm::monotonic_ms();
        if (!busy || now - last_asio_poll_ms_ >= 1) {
            last_asio_poll_ms_ = now;
            busy |= io_.poll() > 0;
            pool_->flush_wakes();
            busy |= run_sends();
        }
        if (busy || io_.stopped()) continue;
        sleeping.store(1, std::memory_order_seq_cst);
        if (pool_->service()) { // a response landed between the drain and the flag
            sleeping.store(0, std::memory_order_relaxed);
            continue;
        }
        arm_connections_wait();
        io_.run_one();
        sleeping.store(0, std::memory_order_relaxed);
    }
}

bool Server::poll_connections() {
    epoll_event events[256];
    const int n = ::epoll_wait(conn_epoll_fd_, events, 256, 0);
    for (int i = 0; i < n; ++i) {
        auto it = connections_.find(events[i].data.u64);
        if (it == connections_.end()) continue;
        auto conn = it->second; // keeps it alive while it handles the event
        conn->on_events(events[i].events);
    }
    run_recvs();
    return n > 0;
}

void Server::start_batching() {
    if (!config_.io_uring) {
        spdlog::info("Socket I/O: recv/send (--no-io-uring)");
        return;
    }
    std::string why;
    batch_ = SocketBatch::create(why);
    if (batch_)
        spdlog::info("Socket I/O: io_uring (one system call per loop turn for reads, one for writes)");
    else
        spdlog::warn("Socket I/O: recv/send, one system call each: io_uring is unavailable ({})", why);
    batch_results_.resize(SocketBatch::kEntries);
}

bool Server::run_recvs() {
    return run_batch(recv_queue_, false);
}

// Sends queued by responses may queue more (a completed write lets the next response out, or
// closes); a few rounds take those too, and whatever is left waits for the next turn.
bool Server::run_sends() {
    bool any = false;
    for (int round = 0; round < 4 && !send_queue_.empty(); ++round)
        any |= run_batch(send_queue_, true);
    return any;
}

// One round: the queued connections' operations go to the kernel in chunks of kEntries, then each
// connection takes its result. A connection that no longer wants the operation (closed, or its
// state changed since it queued) gets kNotRun and decides for itself. If io_uring itself fails,
// batching stops for good, loudly, and every connection falls back to plain system calls.
bool Server::run_batch(std::vector<std::shared_ptr<Connection>>& queue, bool sends) {
    if (queue.empty()) return false;
    batch_conns_.clear();
    batch_conns_.swap(queue); // what runs now; the connections may queue again while it does
    for (size_t start = 0; start < batch_conns_.size(); start += SocketBatch::kEntries) {
        const size_t end = std::min(batch_conns_.size(), start + SocketBatch::kEntries);
        std::fill_n(batch_results_.begin(), end - start, SocketBatch::kNotRun);
        for (size_t i = start; batch_ && i < end; ++i) {
            Connection& c = *batch_conns_[i];
            if (sends && c.wants_send()) {
                const auto data = c.send_buffer();
                batch_->send(c.fd(), data.data(), data.size(), uint32_t(i - start));
            } else if (!sends && c.wants_recv()) {
                const auto buf = c.recv_buffer();
                batch_->recv(c.fd(), buf.data(), buf.size(), uint32_t(i - start));
            }
        }
        int error = 0;
        if (batch_ && batch_->queued() && !batch_->run(batch_results_, error)) {
            spdlog::error("io_uring failed ({}); the master goes on with plain recv/send", strerror(error));
            batch_.reset();
        }
        for (size_t i = start; i < end; ++i) {
            const int32_t res = batch_results_[i - start];
            if (sends)
                batch_conns_[i]->on_send_result(res);
            else
                batch_conns_[i]->on_recv_result(res);
        }
    }
    batch_conns_.clear();
    return true;
}

void Server::arm_connections_wait() {
    if (conn_wait_armed_) return;
    conn_wait_armed_ = true;
    conn_epoll_->async_wait(asio::posix::stream_descriptor::wait_read,
                            [this](const boost::system::error_code&) { conn_wait_armed_ = false; });
}

void Server::watch_signals() {
    for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2})
        signals_.add(sig);
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        on_signal(sig);
        watch_signals_again();
    });
}

void Server::watch_signals_again() {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        on_signal(sig);
        watch_signals_again();
    });
}

void Server::on_signal(int sig) {
    switch (sig) {
    case SIGCHLD:
        pool_->reap();
        break;
    case SIGTERM:
        stop(true, "Handling signal: term");
        break;
    case SIGINT:
        stop(false, "Handling signal: int");
        break;
    case SIGQUIT:
        stop(false, "Handling signal: quit");
        break;
    case SIGHUP:
        pool_->reload("Handling signal: hup");
        break;
    case SIGTTIN:
        pool_->add_worker();
        break;
    case SIGTTOU:
        pool_->remove_worker();
        break;
    case SIGUSR1:
        spdlog::info("Handling signal: usr1 (reopening log files)");
        reopen_logs();
        pool_->signal_all(SIGUSR1);
        break;
    default:
        spdlog::warn("Ignoring signal SIG{}", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
        break;
    }
}

void Server::worker_ready() {
    if (!listening_ && !stopping_ && pool_->ready_count() >= config_.workers) start_listening();
}

// The eventfd fires when a worker published a response while the master slept, freed ring space
// the master waits for, or became ready. Sleeping protocol: drain, set the flag, drain again, wait.
void Server::wait_notify() {
    notify_->async_wait(asio::posix::stream_descriptor::wait_read,
                        [this](const boost::system::error_code& ec) {
                            if (ec) return;
                            on_notify();
                        });
}

void Server::on_notify() {
    uint64_t count;
    while (::read(notify_fd_, &count, sizeof count) < 0 && errno == EINTR) {
    }
    pool_->service();
    if (stopping_) check_drained();
    wait_notify();
}

void Server::tick() {
    tick_.expires_after(std::chrono::milliseconds(kTickMs));
    tick_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        const uint64_t now = shm::monotonic_ms();
        pool_->tick(now);
        std::vector<std::shared_ptr<Connection>> all;
        all.reserve(connections_.size());
        for (auto& [id, c] : connections_)
            all.push_back(c);
        for (auto& c : all)
            c->check_timeouts(now);
        if (stopping_) {
            check_drained();
            if (stop_deadline_ms_ && now >= stop_deadline_ms_) {
                spdlog::warn("graceful timeout: {} request(s) still in flight; stopping now",
                             pool_->in_flight());
                quick_stop_ = true;
                finish();
                return;
            }
        }
        tick();
    });
}

void Server::stop(bool graceful, std::string_view why) {
    if (stopping_ && graceful) return;
    spdlog::info("{}", why);
    if (pool_ && pool_->boot_failed()) exit_code_ = 3;
    const bool first = !stopping_;
    stopping_ = true;
    if (pool_) pool_->set_stopping();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (!graceful || !first) {
        quick_stop_ = true;
        finish();
        return;
    }
    stop_deadline_ms_ = shm::monotonic_ms() + config_.graceful_timeout_ms;
    std::vector<std::shared_ptr<Connection>> conns;
    for (auto& [id, c] : connections_)
        conns.push_back(c);
    for (auto& c : conns)
        c->shutdown_gracefully();
    check_drained();
}

void Server::check_drained() {
    if (finished_ || !stopping_) return;
    if (connections_.empty() && pool_->in_flight() == 0) finish();
}

void Server::finish() {
    if (finished_) return;
    finished_ = true;
    std::vector<std::shared_ptr<Connection>> conns;
    for (auto& [id, c] : connections_)
        conns.push_back(c);
    for (auto& c : conns)
        c->close_now();
    flush_access_log();
    io_.stop();
}

// Graceful (nothing in flight any more): TERM, which idle workers obey at once. Quick (INT, QUIT,
// or the graceful timeout ran out): QUIT, which ends a worker even inside a handler. Then KILL
// whatever is left after `grace_ms` and reap it.
void Server::stop_workers(bool quick, int grace_ms) {
    pool_->signal_all(quick ? SIGQUIT : SIGTERM);
    const uint64_t deadline = shm::monotonic_ms() + grace_ms;
    while (pool_->live_count() > 0 && shm::monotonic_ms() < deadline) {
        pool_->reap();
        if (pool_->live_count() == 0) break;
        usleep(10000);
    }
    if (pool_->live_count() > 0) {
        pool_->signal_all(SIGKILL);
        while (pool_->live_count() > 0) {
            pool_->reap();
            if (pool_->live_count() > 0) usleep(5000);
        }
    }
}

// Log files: the access log has its own fd; the error log replaces fd 2, so the workers' tracebacks
// land there too. USR1 reopens both (for logrotate); workers reopen theirs on the USR1 they get.
void Server::reopen_logs() {
    if (config_.access_logfile != "-") {
        const int fd =
            ::open(config_.access_logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            throw std::runtime_error("cannot open --access-logfile " + config_.access_logfile + ": " +
                                     strerror(errno));
        if (access_fd_ != STDOUT_FILENO) ::close(access_fd_);
        access_fd_ = fd;
    }
    if (config_.error_logfile != "-") {
        const int fd = ::open(config_.error_logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            throw std::runtime_error("cannot open --error-logfile " + config_.error_logfile + ": " +
                                     strerror(errno));
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
}

void Server::write_pid_file() {
    if (config_.pid_file.empty()) return;
    const std::string tmp = config_.pid_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write --pid " + config_.pid_file + ": " + strerror(errno));
    std::fprintf(f, "%d\n", getpid());
    std::fclose(f);
    if (::rename(tmp.c_str(), config_.pid_file.c_str()) != 0)
        throw std::runtime_error("cannot write --pid " + config_.pid_file + ": " + strerror(errno));
    pid_file_written_ = true;
}

// Each connection is a file descriptor: take the hard limit, as servers facing the internet must.
static void raise_fd_limit(uint32_t max_connections) {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < max_connections + 64)
        spdlog::warn("the open-file limit ({}) is below --max-connections ({}); accept will fail before it",
                     rl.rlim_cur, max_connections);
}

int Server::run() {
    reopen_logs();
    raise_fd_limit(config_.max_connections);
    for (const auto& name : shm::sweep_stale_segments())
        spdlog::info("removed stale shared memory {} of a master that is gone", name);
    shm::Config sc;
    sc.ring_bytes = config_.ring_bytes;
    sc.slot_count = std::min<uint32_t>(4096, std::max(config_.workers * 2, config_.workers + 4));
    segment_.emplace(shm::Segment::create(sc, getpid()));
    // The token buckets of RateLimitMiddleware, shared by every worker (they attach to the block).
    static_assert(sizeof(middleware::RateLimitHeader) == shm::kRateLimitHeaderBytes &&
                  sizeof(middleware::RateLimitBucket) == shm::kRateLimitBucketBytes);
    middleware::RateLimitTable table;
    const auto block = segment_->rate_limit_block();
    if (middleware::RateLimitTable::bytes_for(sc.rate_limit_buckets) != block.size() ||
        middleware::RateLimitTable::init(block.data(), sc.rate_limit_buckets, table) !=
            middleware::RateLimitTable::Error::kNone)
        throw std::runtime_error("cannot format the shared rate-limit block");

    int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) throw std::runtime_error("eventfd failed");
    // Keep it above the fixed fd the workers receive it as (3), so the dup2 in spawn is a real copy.
    notify_fd_ = ::fcntl(efd, F_DUPFD_CLOEXEC, 10);
    ::close(efd);
    notify_ = std::make_unique<asio::posix::stream_descriptor>(io_, notify_fd_);
    conn_epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (conn_epoll_fd_ < 0) throw std::runtime_error("epoll_create1 failed");
    conn_epoll_ = std::make_unique<asio::posix::stream_descriptor>(io_, conn_epoll_fd_);

    open_listener(); // bind now (a busy port fails fast); listen once workers are ready
    write_pid_file();
    if (config_.reload) watch_files();
    std::signal(SIGPIPE, SIG_IGN);
    watch_signals();
    pool_ = std::make_unique<WorkerPool>(*this, config_, *segment_, notify_fd_);
    spdlog::info("Starting turbo {} (master pid {})", TURBO_VERSION_STRING, getpid());
    pool_->start();
    wait_notify();
    tick();
    start_batching();
    main_loop();
    recv_queue_.clear();
    send_queue_.clear();

    // Complete every aborted operation now, so no Connection outlives the Server's maps.
    boost::system::error_code ignored;
    tick_.cancel();
    signals_.cancel(ignored);
    notify_->cancel(ignored);
    conn_epoll_->cancel(ignored);
    acceptor_.close(ignored);
    io_.restart();
    io_.poll();

    stop_workers(quick_stop_, quick_stop_ ? 1000 : 3000);
    flush_access_log();
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
    if (pid_file_written_) ::unlink(config_.pid_file.c_str());
    segment_.reset(); // unmaps and removes the name
    if (exit_code_ == 3)
        spdlog::error("Shutting down: the application failed to boot (see the error above)");
    else
        spdlog::info("Shutting down: Master");
    return exit_code_;
}

int serve(const Config& config) {
    const std::string err = validate(config);
    // An invalid --log-level must not silence the message that says so.
    setup_logging(err.empty() ? config.log_level : "info");
    if (!err.empty()) {
        spdlog::error("{}", err);
        return 1;
    }
    try {
        Server server(config);
        return server.run();
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        // Leave nothing behind: the segment is removed by its destructor during unwinding.
        return 1;
    }
}

} // namespace turbo::master
