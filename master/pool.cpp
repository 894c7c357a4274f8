// The worker pool: spawning, dispatch through the request rings, responses, reaping, respawning.
#include "master/server_internal.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstring>
#include <random>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace turbo::master {

namespace {

// Fixed fd number of the master's eventfd in every worker (see worker/worker.h).
constexpr int kWorkerNotifyFd = 3;
// A worker with this many requests in flight takes no more: new ones wait in the backlog (bounded
// by --max-queue and --queue-timeout), where a worker that frees up finds them.
constexpr uint32_t kMaxInFlightPerWorker = 128;

std::mt19937_64& rng() {
    static std::mt19937_64 r{std::random_device{}()};
    return r;
}

} // namespace

WorkerPool::WorkerPool(Server& server, const Config& config, shm::Segment& segment, int notify_fd)
    : server_(server), config_(config), segment_(segment), notify_fd_(notify_fd),
      slots_(segment.slot_count()) {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        slots_[i].writer = shm::RingWriter(segment_.request_ring(i));
        slots_[i].reader =
            shm::RingReader(segment_.response_ring(i), {config_.limit_request_body_bytes * 4 + (64u << 20)});
    }
}

void WorkerPool::start() {
    target_ = config_.workers;
    for (uint32_t i = 0; i < config_.workers; ++i)
        spawn(i);
}

int WorkerPool::free_slot() const {
    for (uint32_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].pid <= 0 && !slots_[i].respawn_pending) return int(i);
    return -1;
}

void WorkerPool::spawn(uint32_t index) {
    Slot& slot = slots_[index];
    auto& status = segment_.status(index);
    segment_.request_ring(index).reset();
    segment_.response_ring(index).reset();
    slot.reader.reset();
    slot.outgoing.clear();
    slot.in_flight = 0;
    slot.generation = status.generation.load() + 1;
    status.generation.store(slot.generation);
    status.state.store(uint32_t(shm::WorkerState::Booting));
    status.heartbeat_ms.store(shm::monotonic_ms());
    status.request_started_ms.store(0);
    status.requests_served.store(0);

    const std::string slot_s = std::to_string(index), gen_s = std::to_string(slot.generation),
                      pid_s = std::to_string(getpid()), fd_s = std::to_string(kWorkerNotifyFd),
                      spin_s = std::to_string(config_.worker_spin_us);
    std::vector<const char*> argv = {config_.self_exe.c_str(),
                                     "worker",
                                     "--shm",
                                     segment_.name().c_str(),
                                     "--slot",
                                     slot_s.c_str(),
                                     "--generation",
                                     gen_s.c_str(),
                                     "--app",
                                     config_.app.c_str(),
                                     "--notify-fd",
                                     fd_s.c_str(),
                                     "--master-pid",
                                     pid_s.c_str(),
                                     "--python-path",
                                     config_.python_path.c_str(),
                                     "--log-level",
                                     config_.log_level.c_str(),
                                     "--error-logfile",
                                     config_.error_logfile.c_str(),
                                     "--spin-us",
                                     spin_s.c_str(),
                                     nullptr};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, notify_fd_, kWorkerNotifyFd);
    posix_spawn_file_actions_addclosefrom_np(&actions, kWorkerNotifyFd + 1); // no client socket leaks
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all); // Asio's handlers and SIGPIPE's SIG_IGN stay in the master
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, config_.self_exe.c_str(), &actions, &attr,
                               const_cast<char* const*>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot spawn a worker: " + std::string(strerror(rc)));
    slot.pid = pid;
    slot.state = shm::WorkerState::Booting;
    slot.spawned_ms = shm::monotonic_ms();
    slot.kill_at_ms = 0;
    slot.ever_ready = slot.retiring = slot.term_sent = slot.timed_out = false;
    slot.respawn_pending = slot.recycle_queued = false;
    slot.max_requests = config_.max_requests;
    if (slot.max_requests && config_.max_requests_jitter)
        slot.max_requests += std::uniform_int_distribution<uint64_t>(0, config_.max_requests_jitter)(rng());
    status.pid.store(pid);
    spdlog::info("Booting worker with pid: {}", pid);
}

// The ready worker with the fewest requests in flight; ties rotate so idle workers share the load.
int WorkerPool::pick_slot() {
    const uint32_t n = uint32_t(slots_.size());
    int best = -1;
    uint32_t best_load = UINT32_MAX;
    for (uint32_t k = 1; k <= n; ++k) {
        const uint32_t i = (last_pick_ + k) % n;
        const Slot& s = slots_[i];
        if (s.state != shm::WorkerState::Ready || s.retiring) continue;
        // A sleeping worker counts as one request busier: waking it costs the master a syscall and an
        // inter-processor interrupt, and it answers no sooner than an awake one finishing a short request.
        const bool awake = s.writer.ring().control->consumer_sleeping.load(std::memory_order_relaxed) == 0;
        uint32_t load = s.in_flight + (awake ? 0 : 1);
        // A worker past --max-requests whose replacement boots takes work only when no other can:
        // otherwise it would go on serving at full speed for the whole boot of its replacement.
        if (s.recycle_queued) load += kMaxInFlightPerWorker;
        if (load < best_load) {
            best = int(i);
            best_load = load;
            if (best_load == 0) break;
        }
    }
    if (best >= 0 && best_load >= kMaxInFlightPerWorker) {
        if (slots_[best].recycle_queued && best_load - kMaxInFlightPerWorker < kMaxInFlightPerWorker) {
            last_pick_ = uint32_t(best);
            return best; // only recycling workers are left: they serve until their replacements are ready
        }
        return -1; // all saturated
    }
    if (best >= 0) last_pick_ = uint32_t(best);
    return best;
}

void WorkerPool::dispatch(uint64_t request_id, uint64_t conn_id, std::string& payload) {
    shm::FrameHeader meta{};
    meta.kind = uint16_t(shm::MessageKind::Request);
    meta.request_id = request_id;
    meta.conn_id = conn_id;
    const int index = backlog_.empty() ? pick_slot() : -1; // first come, first served
    if (index < 0) {
        queue_or_refuse({meta, std::move(payload), 0, shm::monotonic_ms()});
        return;
    }
    Slot& slot = slots_[index];
    meta.generation = slot.generation;
    pending_[request_id] = {conn_id, uint32_t(index), slot.generation};
    ++slot.in_flight;
    if (slot.outgoing.empty()) {
        // Fast path: straight from the caller's buffer into the ring, no copy kept.
        pending_[request_id].ring_pos = shm::write_position(slot.writer.ring());
        size_t offset = 0;
        const auto bytes = std::as_bytes(std::span(payload.data(), payload.size()));
        while (offset < bytes.size() && slot.writer.write(meta, bytes, offset)) {
        }
        if (offset > 0) request_wake(uint32_t(index));
        if (offset == bytes.size()) return;
        slot.outgoing.push_back({meta, std::move(payload), offset});
        pump(uint32_t(index));
        return;
    }
    slot.outgoing.push_back({meta, std::move(payload), 0});
    pump(uint32_t(index));
}

// Queues an already-encoded request (from the backlog or a dead worker's ring) on a slot.
void WorkerPool::assign(uint32_t index, Outgoing&& m) {
    Slot& slot = slots_[index];
    m.meta.generation = slot.generation;
    pending_[m.meta.request_id] = {m.meta.conn_id, index, slot.generation};
    ++slot.in_flight;
    slot.outgoing.push_back(std::move(m));
    pump(index);
}

// Writes queued requests into the slot's ring until it is full; then asks to be told about space.
// An upload (a request whose body still arrives from the client) is written as far as its bytes
// have come; the rest of the queue waits behind it, since a message's fragments are contiguous.
bool WorkerPool::pump(uint32_t index) {
    Slot& slot = slots_[index];
    bool wrote = false;
    while (!slot.outgoing.empty()) {
        Outgoing& m = slot.outgoing.front();
        const size_t total = m.total ? m.total : m.payload.size();
        if (m.aborted) {
            if (m.offset == 0 || slot.writer.write_abort(m.meta, total)) {
                wrote |= m.offset != 0;
                slot.outgoing.pop_front();
                continue;
            }
            if (!slot.writer.arm_space_wait(0)) break;
            continue;
        }
        if (m.offset == 0) {
            auto it = pending_.find(m.meta.request_id);
            if (it != pending_.end()) it->second.ring_pos = shm::write_position(slot.writer.ring());
        }
        const auto window = std::as_bytes(std::span(m.payload.data(), m.payload.size()));
        while (m.offset < m.base + window.size() &&
               slot.writer.write_part(m.meta, window, m.base, total, m.offset))
            wrote = true;
        if (m.offset == total) {
            slot.outgoing.pop_front();
            continue;
        }
        // Drop what the ring has taken of an upload, once it is at least half the buffer: erasing
        // after every 64 KiB moved the rest of a large body again each time (quadratic memmove).
        if (const size_t taken = m.offset - m.base;
            m.total && taken >= 64 * 1024 && taken * 2 >= m.payload.size()) {
            m.payload.erase(0, taken);
            m.base = m.offset;
        }
        if (m.offset == m.base + m.payload.size()) { // an upload waiting for more of its body
            if (Connection* c = server_.connection(m.meta.conn_id)) c->upload_drained(m.meta.request_id);
            break;
        }
        // Full: the worker writes our eventfd once it has freed space; re-check after arming.
        if (!slot.writer.arm_space_wait(slot.writer.wanted_bytes(m.base + m.payload.size() - m.offset)))
            break;
    }
    if (wrote) request_wake(index);
    return wrote;
}

WorkerPool::Outgoing* WorkerPool::find_outgoing(uint64_t request_id) {
    auto it = pending_.find(request_id);
    if (it != pending_.end()) {
        for (auto& o : slots_[it->second.slot].outgoing)
            if (o.meta.request_id == request_id) return &o;
        return nullptr;
    }
    for (auto& o : backlog_)
        if (o.meta.request_id == request_id) return &o;
    return nullptr;
}

void WorkerPool::begin_upload(uint64_t request_id, uint64_t conn_id, std::string& head, uint64_t total) {
    shm::FrameHeader meta{};
    meta.kind = uint16_t(shm::MessageKind::Request);
    meta.request_id = request_id;
    meta.conn_id = conn_id;
    Outgoing m{meta, std::move(head), 0, shm::monotonic_ms()};
    m.total = total;
    const int index = backlog_.empty() ? pick_slot() : -1;
    if (index < 0) {
        queue_or_refuse(std::move(m));
        return;
    }
    assign(uint32_t(index), std::move(m));
}

void WorkerPool::upload_chunk(uint64_t request_id, std::string_view data) {
    Outgoing* m = find_outgoing(request_id);
    if (!m || m->aborted) return; // failed meanwhile (worker died, 503): the rest is dropped
    auto it = pending_.find(request_id);
    if (it == pending_.end()) { // still in the backlog: keep the bytes until a worker takes it
        m->payload.append(data);
        return;
    }
    const uint32_t index = it->second.slot;
    Slot& slot = slots_[index];
    if (&slot.outgoing.front() == m && m->offset > 0 && m->offset == m->base + m->payload.size()) {
        // The ring has everything so far: the new bytes go straight from the caller's buffer, and
        // only what does not fit is kept. Buffering first copied every byte of a large body twice.
        m->payload.clear();
        m->base = m->offset;
        const auto window = std::as_bytes(std::span(data.data(), data.size()));
        bool wrote = false;
        while (m->offset < m->base + window.size() &&
               slot.writer.write_part(m->meta, window, m->base, m->total, m->offset))
            wrote = true;
        if (wrote) request_wake(index);
        data.remove_prefix(m->offset - m->base);
        m->base = m->offset;
    }
    m->payload.append(data);
    pump(index);
}

bool WorkerPool::upload_backlogged(uint64_t request_id) {
    const Outgoing* m = find_outgoing(request_id);
    return m && m->payload.size() - (m->offset - m->base) > kStreamHighWater;
}

// Wakes are batched: a sleeping worker is woken once after the handlers of the current batch of
// socket events have dispatched their requests, not once per request (a futex wake costs the master
// more than parsing a request does).
void WorkerPool::request_wake(uint32_t index) {
    slots_[index].wake_pending = true;
    wake_posted_ = true;
}

void WorkerPool::flush_wakes() {
    if (!wake_posted_) return;
    wake_posted_ = false;
    for (auto& slot : slots_) {
        if (!slot.wake_pending) continue;
        slot.wake_pending = false;
        if (slot.pid > 0 && slot.writer.consumer_needs_wake()) shm::wake_consumer(slot.writer.ring());
    }
}

bool WorkerPool::drain(uint32_t index) {
    Slot& slot = slots_[index];
    bool any = false;
    for (;;) {
        if (slot.paused) break;
        shm::FrameHeader h;
        const bool stream =
            (slot.stream.active && !slot.stream.by_messages) ||
            (!slot.reader.in_message() && slot.reader.peek(h) && (h.flags & shm::kFrameFirst) &&
             !(h.flags & shm::kFrameLast) && h.kind == uint16_t(shm::MessageKind::Response) &&
             h.total_bytes >= kStreamThreshold);
        if (stream) {
            const auto st = slot.reader.read_frame(h, frame_);
            if (st == shm::ReadStatus::Corrupt) kill_slot(index, "corrupt frame in its response ring");
            if (st != shm::ReadStatus::Message) break;
            any = true;
            on_stream_frame(index, h);
            if (slots_[index].pid <= 0) return any;
            continue;
        }
        const auto st = slot.reader.read(message_);
        if (st == shm::ReadStatus::Message) {
            any = true;
            on_response(index, message_);
            if (slots_[index].pid <= 0) return any;
            continue;
        }
        if (st == shm::ReadStatus::Corrupt) kill_slot(index, "corrupt frame in its response ring");
        break;
    }
    if (slot.reader.producer_needs_wake()) shm::wake_producer(slot.reader.ring());
    return any;
}

void WorkerPool::on_response(uint32_t index, shm::Message& msg) {
    Slot& slot = slots_[index];
    if (msg.meta.generation != slot.generation) return; // from a previous life of the slot
    if (msg.meta.kind >= uint16_t(shm::MessageKind::StreamHead) &&
        msg.meta.kind <= uint16_t(shm::MessageKind::StreamAbort)) {
        on_stream_message(index, msg);
        return;
    }
    if (msg.meta.kind != uint16_t(shm::MessageKind::Response)) return;
    auto it = pending_.find(msg.meta.request_id);
    if (it == pending_.end()) return; // cancelled
    const uint64_t conn_id = it->second.conn_id;
    pending_.erase(it);
    if (slot.in_flight) --slot.in_flight;
    if (slot.retiring)
        maybe_stop_retired(index);
    else if (slot.max_requests && !slot.recycle_queued &&
             segment_.status(index).requests_served.load(std::memory_order_relaxed) >= slot.max_requests)
        recycle(index);
    if (!backlog_.empty()) flush_backlog();
    Connection* conn = server_.connection(conn_id);
    if (!conn) return; // the client went away; the late response is discarded
    if (!shm::decode_response(msg.payload, response_)) {
        spdlog::error("worker {} sent a malformed response; answering 500", slot.pid);
        conn->fail(msg.meta.request_id, 500, "malformed response");
        return;
    }
    conn->complete(msg.meta.request_id, response_);
}

void WorkerPool::on_stream_frame(uint32_t index, const shm::FrameHeader& h) {
    Slot& slot = slots_[index];
    auto& st = slot.stream;
    std::string_view body = frame_;
    if (h.flags & shm::kFrameFirst) {
        st.active = true;
        st.request_id = h.request_id;
        st.conn_id = 0;
        auto it = pending_.find(h.request_id);
        if (h.generation == slot.generation && it != pending_.end() && it->second.slot == index) {
            st.conn_id = it->second.conn_id;
            st.counted = true;  // the worker stays busy (in flight) until the last frame
            pending_.erase(it); // answered from now on: a later death aborts the stream, never 502s
        }
        Connection* c = server_.connection(st.conn_id);
        size_t head_bytes = 0;
        uint64_t body_bytes = 0;
        if (c && !shm::decode_response_head(frame_, response_, head_bytes, body_bytes)) {
            spdlog::error("worker {} sent a response head larger than its first fragment; answering 500",
                          slot.pid);
            c->fail(h.request_id, 500, "malformed response");
            st.conn_id = 0;
            c = nullptr;
        }
        if (c) c->stream_begin(h.request_id, response_, body_bytes);
        body = c ? body.substr(head_bytes) : std::string_view();
    }
    Connection* c = server_.connection(st.conn_id);
    if (c && !body.empty()) c->stream_body(st.request_id, body);
    if (h.flags & shm::kFrameLast) {
        end_stream(index, false);
        return;
    }
    c = server_.connection(st.conn_id);
    if (c && c->backlogged(st.request_id)) {
        slot.paused = true; // the worker blocks on its full ring until this client reads
        c->wait_for_drain(index);
    }
}

// A StreamingResponse: the head, then the body as the worker's generator produces it. The request
// leaves pending_ at the head (a later death aborts the stream and closes the connection, never 502s)
// and stays in the slot's in-flight count until the end.
void WorkerPool::on_stream_message(uint32_t index, shm::Message& msg) {
    Slot& slot = slots_[index];
    auto& st = slot.stream;
    const uint64_t id = msg.meta.request_id;
    switch (shm::MessageKind(msg.meta.kind)) {
    case shm::MessageKind::StreamHead: {
        st = {};
        st.active = true;
        st.by_messages = true;
        st.request_id = id;
        auto it = pending_.find(id);
        if (it != pending_.end() && it->second.slot == index) {
            st.conn_id = it->second.conn_id;
            st.counted = true;
            pending_.erase(it);
        }
        Connection* c = server_.connection(st.conn_id);
        if (!c) return;
        uint64_t length = 0;
        if (msg.payload.size() < sizeof length ||
            !shm::decode_response(std::string_view(msg.payload).substr(sizeof length), response_)) {
            spdlog::error("worker {} sent a malformed stream head; answering 500", slot.pid);
            c->fail(id, 500, "malformed response");
            st.conn_id = 0;
            return;
        }
        std::memcpy(&length, msg.payload.data(), sizeof length);
        c->stream_begin(id, response_, length);
        return;
    }
    case shm::MessageKind::StreamChunk: {
        if (!st.active || !st.by_messages || st.request_id != id) return;
        Connection* c = server_.connection(st.conn_id);
        if (!c) return;
        c->stream_body(id, msg.payload);
        if (c->backlogged(id)) {
            slot.paused = true; // the worker blocks on its full ring until this client reads
            c->wait_for_drain(index);
        }
        return;
    }
    case shm::MessageKind::StreamEnd:
    case shm::MessageKind::StreamAbort:
        if (!st.active || !st.by_messages || st.request_id != id) return;
        end_stream(index, msg.meta.kind == uint16_t(shm::MessageKind::StreamAbort));
        return;
    default:
        return;
    }
}

// The client of a streaming response went away: tell its worker (a Cancel message in its request
// ring), so that an endless generator (server-sent events) stops instead of pinning the worker.
void WorkerPool::cancel_stream(uint64_t request_id) {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (!slot.stream.active || !slot.stream.by_messages || slot.stream.request_id != request_id) continue;
        slot.stream.conn_id = 0; // whatever it still sends is discarded
        if (slot.pid <= 0) return;
        shm::FrameHeader meta{};
        meta.kind = uint16_t(shm::MessageKind::Cancel);
        meta.generation = slot.generation;
        meta.request_id = request_id;
        slot.outgoing.push_back({meta, std::string(8, '\0'), 0}); // an empty message would not be written
        pump(i);
        return;
    }
}

void WorkerPool::end_stream(uint32_t index, bool aborted) {
    Slot& slot = slots_[index];
    auto& st = slot.stream;
    if (!st.active) return;
    if (Connection* c = server_.connection(st.conn_id)) {
        if (aborted)
            c->stream_abort(st.request_id);
        else
            c->stream_end(st.request_id);
    }
    if (st.counted && slot.in_flight) --slot.in_flight;
    st = {};
    slot.paused = false;
    if (slot.retiring) maybe_stop_retired(index);
    if (!backlog_.empty()) flush_backlog();
}

void WorkerPool::cancel(uint64_t request_id) {
    auto it = pending_.find(request_id);
    if (it == pending_.end()) {
        for (auto b = backlog_.begin(); b != backlog_.end(); ++b)
            if (b->meta.request_id == request_id) {
                backlog_.erase(b);
                return;
            }
        cancel_stream(request_id);
        return;
    }
    Slot& slot = slots_[it->second.slot];
    bool withdrawn = false;
    for (auto o = slot.outgoing.begin(); o != slot.outgoing.end(); ++o) {
        if (o->meta.request_id != request_id) continue;
        if (o->offset == 0)
            slot.outgoing.erase(o);
        else
            o->aborted = true; // part of it is in the ring: end it with an abort frame
        withdrawn = true;
        pump(it->second.slot);
        break;
    }
    if (!withdrawn && it->second.ring_pos != UINT64_MAX && it->second.generation == slot.generation)
        withdrawn = shm::cancel_message(slot.writer.ring(), it->second.ring_pos);
    if (!withdrawn) return; // claimed: the worker runs it and its response is discarded
    pending_.erase(it);
    if (slot.in_flight) --slot.in_flight;
    if (slot.retiring) maybe_stop_retired(uint32_t(&slot - slots_.data()));
}

void WorkerPool::resume(uint32_t index) {
    if (index < slots_.size()) slots_[index].paused = false; // the loop's next service() drains it
}

bool WorkerPool::service() {
    bool any = false;
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.pid <= 0) continue;
        if (slot.state == shm::WorkerState::Booting &&
            segment_.status(i).state.load() == uint32_t(shm::WorkerState::Ready))
            on_ready(i);
        any |= drain(i);
        if (slot.pid > 0 && !slot.outgoing.empty()) any |= pump(i);
    }
    return any;
}

// No worker can take it now: wait in the backlog, or 503 at once when the backlog is full.
void WorkerPool::queue_or_refuse(Outgoing&& m) {
    if (backlog_.size() >= config_.max_queue) {
        overloaded();
        if (auto* c = server_.connection(m.meta.conn_id)) c->fail(m.meta.request_id, 503, "overloaded");
        return;
    }
    backlog_.push_back(std::move(m));
}

void WorkerPool::overloaded() {
    const uint64_t now = shm::monotonic_ms();
    if (now - last_overload_log_ms_ < 1000) return;
    last_overload_log_ms_ = now;
    spdlog::warn("overloaded: every worker is busy and {} request(s) wait; answering 503", backlog_.size());
}

// Requests that waited longer than --queue-timeout for a worker get 503 with Retry-After.
void WorkerPool::expire_backlog(uint64_t now) {
    while (!backlog_.empty() && now - backlog_.front().queued_ms >= config_.queue_timeout_ms) {
        Outgoing m = std::move(backlog_.front());
        backlog_.pop_front();
        overloaded();
        if (auto* c = server_.connection(m.meta.conn_id)) c->fail(m.meta.request_id, 503, "queue timeout");
    }
}

void WorkerPool::flush_backlog() {
    while (!backlog_.empty()) {
        const int index = pick_slot();
        if (index < 0) return;
        Outgoing m = std::move(backlog_.front());
        backlog_.pop_front();
        if (!server_.connection(m.meta.conn_id)) continue; // the client left while it waited
        assign(uint32_t(index), std::move(m));
    }
}

} // namespace turbo::master
