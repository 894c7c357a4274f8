// The master's moving parts. Internal to master/. Everything here runs on the one Asio thread.
#pragma once

#include "master/http_internal.h"
#include "master/master.h"
#include "master/socket_batch_internal.h"
#include "shm/shm.h"

#include <utility> // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace turbo::master {

namespace asio = boost::asio;

inline constexpr size_t kStreamThreshold = 256 * 1024; // responses at least this large are streamed
inline constexpr size_t kStreamHighWater = 1 << 20;    // per client: pause the worker above this
inline constexpr size_t kStreamLowWater = 256 * 1024;  // ... and resume below this
// Output up to this size waits for the loop turn's batched send (SocketBatch); more goes out at
// once with send(), so a large body is neither held back nor copied behind a queued one.
inline constexpr size_t kBatchSendMaxBytes = 64 * 1024;
using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

class Server;

/// One request of a connection awaiting its response; kept in request order (pipelining).
struct PendingResponse {
    uint64_t request_id = 0;
    bool ready = false;
    bool close_after = false; // the connection closes once this response is written
    bool head = false;        // HEAD request: headers only
    bool http10 = false;      // HTTP/1.0 request (keep-alive must be announced)
    bool interim = false;     // a 100 Continue, not a request's final response
    bool streaming = false;   // a large response whose body arrives in pieces (data holds what is unsent)
    bool streaming_failed = false;
    bool chunked = false;         // streamed with transfer-encoding: chunked (length unknown)
    bool close_delimited = false; // streamed to an HTTP/1.0 client: the close ends the body
    uint64_t announced = 0;       // streamed with a content-length: the bytes still owed
    bool drop_body = false;       // HEAD, 204, 304: the body is counted but not sent
    std::string data;             // the rendered response, once ready
    // Access-log fields, filled only when the access log is on.
    std::string log_request; // "GET /path HTTP/1.1"
    std::string log_referer;
    std::string log_agent;
    uint16_t status = 0;
    size_t body_bytes = 0;
};

/// One client connection: its socket is non-blocking and registered once, edge-triggered, in the
/// server's connection epoll set; the server calls on_events() with what the kernel reported.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Server& server, int fd, uint64_t id, std::string peer); // takes ownership of fd
    ~Connection();
    bool start(int epoll_fd);
    void on_events(uint32_t epoll_events);
    uint64_t id() const { return id_; }
    const std::string& peer() const { return peer_; }
    /// A worker answered; `response` is the decoded message. Renders and writes in order.
    void complete(uint64_t request_id, const shm::ResponseView& response);
    /// The request failed before a worker answered (worker died, overload): answer `status`.
    void fail(uint64_t request_id, uint16_t status, std::string_view detail);
    /// Streaming a large response (see WorkerPool::drain): head, body pieces, end; abort closes.
    void stream_begin(uint64_t request_id, const shm::ResponseView& head, uint64_t body_bytes);
    void stream_body(uint64_t request_id, std::string_view data);
    void stream_end(uint64_t request_id);
    void stream_abort(uint64_t request_id);
    /// More than the high-water mark of this response waits for this client: the pool pauses the
    /// worker's ring, and every paused ring resumes (wait_for_drain) once what is being written has
    /// gone down to the low-water mark. Counted per response: a later pipelined response's buffered
    /// body never holds back the worker of the one in front (whose bytes alone can unblock the client).
    bool backlogged(uint64_t request_id) const;
    void wait_for_drain(uint32_t slot);
    /// The worker's ring took enough of our upload: read more of its body from the socket.
    void upload_drained(uint64_t request_id);
    /// Stop reading; close once every pending response is written (graceful stop).
    void shutdown_gracefully();
    /// Applies the keep-alive, header, body and write timeouts; may answer 408 and close.
    void check_timeouts(uint64_t now_ms);
    void close_now();

    /// Batched socket I/O (Server::run_recvs/run_sends): the one receive or send this connection
    /// wants from the loop turn's batch, and its result (bytes, -errno, or SocketBatch::kNotRun
    /// when it must be done with a plain system call).
    int fd() const { return fd_; }
    bool wants_recv() const { return readable_ && can_read(); }
    bool wants_send() const;
    std::span<char> recv_buffer() { return read_buf_; }
    std::string_view send_buffer() const { return std::string_view(out_).substr(out_off_); }
    void on_recv_result(int32_t res);
    void on_send_result(int32_t res);

private:
    void touch();
    bool can_read() const;
    void read_in();
    bool take_read(ssize_t n); // one receive's result; true to read on
    void finish_write_out();
    void send_or_buffer(PendingResponse& p, std::string_view data);
    size_t send_some(std::string_view data);
    size_t take_sent(ssize_t n); // one send's result; the bytes it took
    void take_output(std::string& data);
    void write_out();
    size_t consume(const char* data, size_t len); // returns the bytes left unparsed
    void resume_parsing();
    void dispatch_request();
    shm::RequestView request_view(HttpRequest& req, PendingResponse& p);
    PendingResponse& new_pending();
    void begin_upload();
    void forward_upload();
    void abandon_upload();
    void drop_unfinished_interim();
    void answer_error(HttpError error);
    void render(PendingResponse& p, uint16_t status, const std::vector<shm::Header>& headers,
                std::string_view body);
    void render_head(PendingResponse& p, uint16_t status, const std::vector<shm::Header>& headers,
                     uint64_t body_bytes, size_t reserve);
    bool headers_valid(const PendingResponse& p, const std::vector<shm::Header>& headers) const;
    void render_error(PendingResponse& p, uint16_t status);
    void release_waiters();
    size_t front_buffered() const;
    PendingResponse* find(uint64_t request_id);
    void flush();

    Server& server_;
    int fd_;
    uint64_t id_;
    std::string peer_;
    HttpParser parser_;
    std::array<char, 16384> read_buf_;
    std::string unparsed_; // bytes read but not parsed yet (parsing paused on a full pipeline)
    std::deque<PendingResponse> pending_;
    std::vector<shm::Header> headers_; // reused for encoding requests
    std::string out_;                  // rendered responses not yet on the wire
    size_t out_off_ = 0;               // bytes of out_ already sent
    uint64_t last_active_ms_ = 0;      // last byte read or written
    uint64_t request_start_ms_ = 0;    // first byte of the request being read
    uint64_t write_stalled_ms_ = 0;    // when send last hit EAGAIN without progress since (0: not stalled)
    bool peer_closed_ = false;         // EPOLLRDHUP/HUP seen: the peer's FIN may follow data already queued
    bool readable_ = false;    // the kernel said readable and we have not seen EAGAIN/short read since
    bool writable_ = true;     // no EAGAIN from send since the last EPOLLOUT edge
    bool recv_queued_ = false; // in the server's batch of receives for this loop turn
    bool send_queued_ = false; // in the server's batch of sends: out_ keeps its bytes until it runs
    bool parsing_ = false;
    bool read_closed_ = false;       // no more requests: error, close requested or peer EOF
    bool close_after_write_ = false; // close once out_ is on the wire
    bool closed_ = false;
    bool draining_ = false;               // graceful stop
    std::vector<uint32_t> waiting_slots_; // worker slots paused until this client reads (backpressure)
    uint64_t upload_id_ = 0;              // the request whose body is being streamed to a worker (0: none)
    bool read_closed_after_this_ = false; // the request being dispatched is the connection's last
    bool upload_paused_ = false;          // more of the upload is buffered than the ring can take now
};

/// Spawns, supervises and talks to the workers: one slot per worker in the shared segment.
///
/// Life of a slot: Empty -> Booting (spawned) -> Ready (the worker said so in its status row) ->
/// Draining (no new requests: being retired, or timed out) -> Dead (reaped) -> Booting again or Empty.
/// Replacements (reload, --max-requests, TTOU) always start the new worker first and retire the old
/// one only once the new one is ready, one worker at a time, so capacity never drops.
class WorkerPool {
public:
    WorkerPool(Server& server, const Config& config, shm::Segment& segment, int notify_fd);
    /// Spawns the configured workers. Throws on spawn failure.
    void start();
    /// Sends a request to the least-loaded ready worker (queues it while none is ready).
    void dispatch(uint64_t request_id, uint64_t conn_id, std::string& payload);
    /// Drains every response ring and pushes queued requests; called when the eventfd fires.
    /// Returns true when it did any work.
    bool service();
    /// SIGCHLD: reaps exited workers; their claimed requests get 502, unclaimed ones go elsewhere.
    void reap();
    /// Periodic checks: request timeouts (504), --max-requests recycling, overdue kills.
    void tick(uint64_t now_ms);
    /// HUP or --reload: replace every worker, one at a time, with one running freshly imported code.
    void reload(std::string_view why);
    /// TTIN / TTOU: one more / one fewer worker (never below one).
    void add_worker();
    void remove_worker();
    /// Sends `sig` to every live worker.
    void signal_all(int sig);
    size_t ready_count() const;
    size_t live_count() const;
    size_t in_flight() const { return pending_.size(); }
    uint32_t target() const { return target_; }
    /// True when a worker died before any worker ever became ready (the app cannot boot).
    bool boot_failed() const { return boot_failed_; }
    void set_stopping() { stopping_ = true; }
    /// Uploads: a request whose large body is still arriving goes to a worker at once, its body
    /// following as the client sends it (memory per upload stays near kStreamHighWater).
    void begin_upload(uint64_t request_id, uint64_t conn_id, std::string& head, uint64_t total);
    void upload_chunk(uint64_t request_id, std::string_view data);
    bool upload_backlogged(uint64_t request_id);
    /// The client went away: withdraw the request unless a worker has claimed it already.
    void cancel(uint64_t request_id);
    /// A client drained below the low-water mark: read the slot's ring again.
    void resume(uint32_t slot);
    /// Wakes the workers that were given requests since the last call and sleep (one futex wake
    /// per worker per loop iteration, however many requests it got).
    void flush_wakes();

private:
    struct Outgoing {
        shm::FrameHeader meta{};
        std::string payload;    // message bytes [base, base + payload.size())
        size_t offset = 0;      // message bytes written to the ring
        uint64_t queued_ms = 0; // when it entered the backlog
        size_t total = 0;       // uploads: the message's full size (0: payload.size())
        size_t base = 0;        // uploads: bytes already dropped from the front of payload
        bool aborted = false;   // uploads: the client went away; end the message early
    };
    struct Slot {
        int pid = -1;
        uint32_t generation = 0;
        shm::WorkerState state = shm::WorkerState::Empty;
        shm::RingWriter writer;
        shm::RingReader reader;
        std::deque<Outgoing> outgoing; // requests not yet (fully) in the ring, in order
        uint32_t in_flight = 0;
        uint64_t spawned_ms = 0;
        uint64_t max_requests = 0; // recycle after this many (0: never); jitter applied at spawn
        uint64_t kill_at_ms = 0;   // SIGKILL if still alive then (after a TERM)
        int replaces = -1;         // the slot this worker will replace once ready
        uint32_t crash_streak = 0; // consecutive deaths soon after spawn (respawn backoff)
        bool ever_ready = false;
        bool retiring = false; // finish in-flight requests, then TERM; never respawned
        bool term_sent = false;
        bool timed_out = false; // its request ran past --timeout; killed, then replaced
        bool respawn_pending = false;
        bool recycle_queued = false;
        bool wake_pending = false; // requests published since the last wake check
        bool paused = false;       // not draining: a streaming client is backed up
        struct {
            bool active = false; // between the first and last frame of a streamed response
            uint64_t request_id = 0;
            uint64_t conn_id = 0;     // 0: discard (stale, or the client is gone)
            bool counted = false;     // its request is in in_flight until the stream ends
            bool by_messages = false; // a StreamHead/Chunk/End sequence, not one fragmented message
        } stream;
    };
    struct Pending {
        uint64_t conn_id;
        uint32_t slot;
        uint32_t generation;
        uint64_t ring_pos = UINT64_MAX; // where its first frame was written (UINT64_MAX: not yet)
    };

    // pool.cpp: spawning and the rings
    void spawn(uint32_t slot);
    int pick_slot();
    int free_slot() const;
    bool pump(uint32_t slot);
    Outgoing* find_outgoing(uint64_t request_id);
    bool drain(uint32_t slot);
    void on_response(uint32_t slot, shm::Message& msg);
    void on_stream_frame(uint32_t slot, const shm::FrameHeader& h);
    void on_stream_message(uint32_t slot, shm::Message& msg);
    void cancel_stream(uint64_t request_id);
    void end_stream(uint32_t slot, bool aborted);
    void assign(uint32_t slot, Outgoing&& msg);
    void flush_backlog();
    void queue_or_refuse(Outgoing&& m);
    void expire_backlog(uint64_t now_ms);
    void overloaded();
    void request_wake(uint32_t slot);
    // supervisor.cpp: process management
    void on_ready(uint32_t slot);
    void on_exit(uint32_t slot, int status);
    void recover_requests(uint32_t slot);
    void retire(uint32_t slot, std::string_view why);
    void maybe_stop_retired(uint32_t slot);
    void recycle(uint32_t slot);
    void next_replacement();
    void schedule_respawn(uint32_t slot);
    void kill_slot(uint32_t slot, std::string_view why);
    bool any_ever_ready() const;
    uint32_t serving_count() const; // live workers not retiring

    Server& server_;
    const Config& config_;
    shm::Segment& segment_;
    int notify_fd_;
    std::vector<Slot> slots_;
    std::unordered_map<uint64_t, Pending> pending_;
    std::deque<Outgoing> backlog_;       // requests with no ready worker yet
    std::deque<uint32_t> replace_queue_; // slots to replace, one at a time
    int replacing_ = -1;                 // the new worker of the replacement under way
    shm::Message message_;               // reused buffer for responses
    std::string frame_;                  // reused buffer for streamed frames
    shm::ResponseView response_;
    uint32_t target_ = 1;    // workers wanted (TTIN/TTOU change it)
    uint32_t last_pick_ = 0; // ties go to the next ready slot after the last one picked
    uint64_t last_overload_log_ms_ = 0;
    bool boot_failed_ = false;
    bool stopping_ = false;
    bool wake_posted_ = false;
};

/// The master: acceptor, connections, signals, the worker pool and the logs.
class Server {
public:
    explicit Server(const Config& config);
    ~Server();
    int run();

    asio::io_context& io() { return io_; }
    const Config& config() const { return config_; }
    const HttpLimits& limits() const { return limits_; }
    WorkerPool& pool() { return *pool_; }
    uint64_t next_request_id() { return ++last_request_id_; }
    std::string& scratch() { return scratch_; } // reused encoding buffer
    /// The server owns every open connection; close_now() releases it.
    void add_connection(std::shared_ptr<Connection> c) { connections_[c->id()] = std::move(c); }
    void remove_connection(Connection* c);
    Connection* connection(uint64_t id);
    /// "Sun, 29 Nov 2026 08:36:16 GMT", refreshed once a second.
    std::string_view http_date();
    void access_log(const std::string& peer, const PendingResponse& r);
    void worker_ready();
    /// Socket reads and writes of a loop turn go to the kernel together (SocketBatch) unless
    /// io_uring is off or unavailable. A queued connection gets its result before the turn ends.
    bool batching() const { return batch_ != nullptr; }
    void queue_recv(std::shared_ptr<Connection> c) { recv_queue_.push_back(std::move(c)); }
    void queue_send(std::shared_ptr<Connection> c) { send_queue_.push_back(std::move(c)); }
    void stop(bool graceful, std::string_view why);

private:
    void open_listener();
    void start_listening();
    void accept_next();
    void accept_ready();
    void refuse(int fd);
    void main_loop();
    bool poll_connections();
    void arm_connections_wait();
    void start_batching();
    bool run_recvs();
    bool run_sends();
    bool run_batch(std::vector<std::shared_ptr<Connection>>& queue, bool sends);
    void watch_signals();
    void watch_signals_again();
    void on_signal(int sig);
    void wait_notify();
    void on_notify();
    void tick();
    void flush_access_log();
    void check_drained();
    void finish();
    void stop_workers(bool quick, int grace_ms);
    void reopen_logs();
    void write_pid_file();
    void watch_files();
    void on_files_changed();

    Config config_;
    HttpLimits limits_;
    asio::io_context io_{1};
    std::optional<shm::Segment> segment_;
    int notify_fd_ = -1;
    std::unique_ptr<asio::posix::stream_descriptor> notify_;
    int conn_epoll_fd_ = -1; // every client connection, edge-triggered (see Connection)
    std::unique_ptr<asio::posix::stream_descriptor> conn_epoll_;
    bool conn_wait_armed_ = false;
    std::unique_ptr<SocketBatch> batch_; // null: plain recv()/send()
    std::vector<std::shared_ptr<Connection>> recv_queue_, send_queue_, batch_conns_;
    std::vector<int32_t> batch_results_;
    uint64_t last_asio_poll_ms_ = 0;
    uint64_t last_refusal_log_ms_ = 0;
    std::unique_ptr<WorkerPool> pool_;
    Acceptor acceptor_;
    asio::signal_set signals_;
    asio::steady_timer tick_;
    std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
    uint64_t last_request_id_ = 0;
    uint64_t last_conn_id_ = 0;
    std::string unix_path_;
    std::string date_;     // IMF-fixdate for the Date header
    std::string log_date_; // gunicorn's access-log time
    int64_t date_second_ = -1;
    std::string access_buf_;
    std::string scratch_;
    bool listening_ = false;
    bool stopping_ = false;
    bool finished_ = false;
    bool quick_stop_ = false;
    bool pid_file_written_ = false;
    int access_fd_ = 1; // stdout unless --access-logfile
    int inotify_fd_ = -1;
    std::unique_ptr<asio::posix::stream_descriptor> inotify_;
    std::unique_ptr<asio::steady_timer> reload_debounce_;
    int exit_code_ = 0;
    uint64_t stop_deadline_ms_ = 0;
};

/// Configures spdlog's default logger: stderr, gunicorn's shape "[time] [pid] [level] message".
void setup_logging(const std::string& level);

} // namespace turbo::master
