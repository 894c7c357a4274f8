// Process management: readiness, reaping, respawn with backoff, graceful replacement (HUP,
// --max-requests, TTOU), request timeouts.
#include "master/server_internal.h"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstring>
#include <sys/wait.h>

namespace turbo::master {

namespace {

constexpr uint64_t kTimeoutKillGraceMs = 1000; // TERM -> KILL for a worker stuck past --timeout

std::string describe_exit(int status) {
    if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = sigabbrev_np(sig);
        return std::string("was killed by SIG") + (name ? name : std::to_string(sig));
    }
    return "ended";
}

} // namespace

size_t WorkerPool::ready_count() const {
    size_t n = 0;
    for (const auto& s : slots_)
        n += s.pid > 0 && s.state == shm::WorkerState::Ready && !s.retiring;
    return n;
}

size_t WorkerPool::live_count() const {
    size_t n = 0;
    for (const auto& s : slots_)
        n += s.pid > 0;
    return n;
}

uint32_t WorkerPool::serving_count() const {
    uint32_t n = 0;
    for (const auto& s : slots_)
        n += (s.pid > 0 || s.respawn_pending) && !s.retiring && s.replaces < 0;
    return n;
}

bool WorkerPool::any_ever_ready() const {
    for (const auto& s : slots_)
        if (s.ever_ready) return true;
    return false;
}

void WorkerPool::signal_all(int sig) {
    for (const auto& s : slots_)
        if (s.pid > 0) ::kill(s.pid, sig);
}

void WorkerPool::kill_slot(uint32_t index, std::string_view why) {
    Slot& slot = slots_[index];
    if (slot.pid <= 0) return;
    spdlog::error("killing worker {}: {}", slot.pid, why);
    ::kill(slot.pid, SIGKILL);
    slot.state = shm::WorkerState::Draining; // no more dispatch; reap() finishes the job
}

void WorkerPool::on_ready(uint32_t index) {
    Slot& slot = slots_[index];
    slot.state = shm::WorkerState::Ready;
    slot.ever_ready = true;
    slot.crash_streak = 0;
    spdlog::debug("worker {} is ready", slot.pid);
    if (slot.replaces >= 0) {
        // The replacement is up: only now does the old worker stop taking requests.
        const int old = slot.replaces;
        slot.replaces = -1;
        if (replacing_ == int(index)) replacing_ = -1;
        if (slots_[old].pid > 0 && !slots_[old].retiring) retire(uint32_t(old), "replaced");
        next_replacement();
    }
    flush_backlog();
    server_.worker_ready();
}

// Drain, then TERM: the worker finishes what it holds and exits; it is not respawned.
void WorkerPool::retire(uint32_t index, std::string_view why) {
    Slot& slot = slots_[index];
    spdlog::info("retiring worker {} ({})", slot.pid, why);
    slot.retiring = true;
    slot.state = shm::WorkerState::Draining;
    segment_.status(index).state.store(uint32_t(shm::WorkerState::Draining));
    maybe_stop_retired(index);
}

void WorkerPool::maybe_stop_retired(uint32_t index) {
    Slot& slot = slots_[index];
    if (!slot.retiring || slot.term_sent || slot.pid <= 0 || slot.in_flight || !slot.outgoing.empty() ||
        slot.stream.active)
        return;
    ::kill(slot.pid, SIGTERM);
    slot.term_sent = true;
    slot.kill_at_ms = shm::monotonic_ms() + config_.graceful_timeout_ms;
}

void WorkerPool::reload(std::string_view why) {
    if (stopping_) return;
    spdlog::info("{}: reloading {} worker(s) one at a time", why, serving_count());
    replace_queue_.clear();
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        Slot& s = slots_[i];
        if (s.pid > 0 && !s.retiring && s.replaces < 0 && int(i) != replacing_) {
            s.recycle_queued = true;
            replace_queue_.push_back(i);
        }
    }
    next_replacement();
}

// --max-requests: the replacement starts at once (not queued behind others, so a worker overshoots
// its limit only by what it serves while one new worker boots).
void WorkerPool::recycle(uint32_t index) {
    Slot& s = slots_[index];
    if (s.recycle_queued || s.retiring || stopping_) return;
    const int fresh = free_slot();
    if (fresh < 0) return; // tried again on the next response
    s.recycle_queued = true;
    spdlog::info("worker {} served {} requests (--max-requests); replacing it", s.pid,
                 segment_.status(index).requests_served.load());
    slots_[fresh].replaces = int(index);
    spawn(uint32_t(fresh));
}

// Starts the next replacement unless one is under way: spawn the new worker into a free slot; the
// old one keeps serving until the new one is ready (see on_ready).
void WorkerPool::next_replacement() {
    while (replacing_ < 0 && !replace_queue_.empty() && !stopping_) {
        const uint32_t old = replace_queue_.front();
        replace_queue_.pop_front();
        if (slots_[old].pid <= 0 || slots_[old].retiring) continue;
        const int fresh = free_slot();
        if (fresh < 0) {
            spdlog::error("no free worker slot for a replacement; worker {} keeps running", slots_[old].pid);
            slots_[old].recycle_queued = false;
            continue;
        }
        slots_[fresh].replaces = int(old);
        replacing_ = fresh;
        spawn(uint32_t(fresh));
    }
}

void WorkerPool::add_worker() {
    if (stopping_) return;
    const int index = free_slot();
    if (index < 0) {
        spdlog::warn("TTIN: no free worker slot ({} in use)", slots_.size());
        return;
    }
    ++target_;
    spdlog::info("TTIN: one more worker ({} wanted)", target_);
    spawn(uint32_t(index));
}

void WorkerPool::remove_worker() {
    if (stopping_) return;
    if (target_ <= 1) {
        spdlog::info("TTOU: already at one worker");
        return;
    }
    // The most recently started serving worker goes.
    int victim = -1;
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        const Slot& s = slots_[i];
        if (s.pid > 0 && !s.retiring && s.replaces < 0 && int(i) != replacing_ &&
            (victim < 0 || s.spawned_ms >= slots_[victim].spawned_ms))
            victim = int(i);
    }
    if (victim < 0) return;
    --target_;
    spdlog::info("TTOU: one fewer worker ({} wanted)", target_);
    retire(uint32_t(victim), "TTOU");
}

void WorkerPool::tick(uint64_t now) {
    expire_backlog(now);
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.pid <= 0) continue;
        if (slot.kill_at_ms && now >= slot.kill_at_ms) {
            spdlog::warn("worker {} did not exit in time; killing it", slot.pid);
            ::kill(slot.pid, SIGKILL);
            slot.kill_at_ms = 0;
            continue;
        }
        auto& status = segment_.status(i);
        const uint64_t started = status.request_started_ms.load(std::memory_order_acquire);
        if (config_.timeout_ms && started && !slot.timed_out && now >= started + config_.timeout_ms) {
            // uWSGI's harakiri: the worker wrote the request's start into its row; it is overdue.
            const uint64_t rid = status.current_request_id.load(std::memory_order_relaxed);
            spdlog::error(
                "WORKER TIMEOUT (pid:{}): a request ran longer than {} ms; answering 504 and replacing "
                "the worker",
                slot.pid, config_.timeout_ms);
            slot.timed_out = true;
            slot.state = shm::WorkerState::Draining;
            auto it = pending_.find(rid);
            if (it != pending_.end() && it->second.slot == i) {
                const uint64_t conn_id = it->second.conn_id;
                pending_.erase(it);
                if (slot.in_flight) --slot.in_flight;
                if (auto* c = server_.connection(conn_id)) c->fail(rid, 504, "worker timeout");
            }
            ::kill(slot.pid, SIGTERM);
            slot.kill_at_ms = now + kTimeoutKillGraceMs;
            continue;
        }
        if (slot.max_requests && slot.state == shm::WorkerState::Ready && !slot.retiring &&
            status.requests_served.load(std::memory_order_relaxed) >= slot.max_requests)
            recycle(i);
    }
}

void WorkerPool::reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (uint32_t i = 0; i < slots_.size(); ++i)
            if (slots_[i].pid == pid) {
                on_exit(i, status);
                break;
            }
    }
}

// A dead worker's ring still holds the requests it never claimed (the bytes between its ring's
// tail and head): they go to other workers. Requests it had claimed get 502.
void WorkerPool::recover_requests(uint32_t index) {
    Slot& slot = slots_[index];
    std::deque<Outgoing> again;
    shm::RingReader reader(segment_.request_ring(index), {});
    shm::Message m;
    while (reader.read(m) == shm::ReadStatus::Message) {
        auto it = pending_.find(m.meta.request_id);
        if (it == pending_.end() || it->second.slot != index) continue;
        pending_.erase(it);
        again.push_back({m.meta, std::move(m.payload), 0, shm::monotonic_ms()});
        m.payload.clear();
    }
    for (auto& o : slot.outgoing) { // not (fully) written: start again from the first byte
        auto it = pending_.find(o.meta.request_id);
        if (it == pending_.end() || it->second.slot != index) continue;
        // An upload whose first bytes went to the dead ring and are no longer held here cannot be
        // sent again: it stays pending and gets the 502 of the claimed ones below.
        if (o.base > 0) continue;
        pending_.erase(it);
        o.queued_ms = shm::monotonic_ms();
        o.offset = 0; // resuming mid-message in a fresh ring was read as a corrupt frame
        again.push_back(std::move(o));
    }
    slot.outgoing.clear();
    std::vector<std::pair<uint64_t, uint64_t>> claimed;
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.slot == index) {
            claimed.emplace_back(it->first, it->second.conn_id);
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    slot.in_flight = 0;
    for (auto [rid, cid] : claimed)
        if (auto* c = server_.connection(cid)) c->fail(rid, 502, "worker died");
    if (!again.empty()) spdlog::info("re-dispatching {} request(s) the worker had not started", again.size());
    for (auto it = again.rbegin(); it != again.rend(); ++it)
        backlog_.push_front(std::move(*it));
}

void WorkerPool::on_exit(uint32_t index, int status) {
    Slot& slot = slots_[index];
    slot.paused = false;
    drain(index); // responses it finished before dying still go out
    end_stream(index, true);
    const bool expected = stopping_ || (slot.retiring && slot.term_sent);
    const uint64_t lived_ms = shm::monotonic_ms() - slot.spawned_ms;
    if (expected)
        spdlog::debug("worker {} {}", slot.pid, describe_exit(status));
    else
        spdlog::error("worker {} {}", slot.pid, describe_exit(status));
    slot.pid = -1;
    slot.state = shm::WorkerState::Dead;
    slot.kill_at_ms = 0;
    segment_.status(index).state.store(uint32_t(shm::WorkerState::Dead));
    segment_.status(index).pid.store(0);
    segment_.status(index).request_started_ms.store(0);
    recover_requests(index);
    slot.reader.reset();
    if (stopping_) {
        for (auto& o : backlog_)
            if (auto* c = server_.connection(o.meta.conn_id))
                c->fail(o.meta.request_id, 503, "shutting down");
        backlog_.clear();
        return;
    }
    if (slot.retiring) {
        slot.state = shm::WorkerState::Empty;
        flush_backlog();
        return;
    }
    if (slot.replaces >= 0) {
        // A replacement that never came up: the new code is broken. Keep the old workers.
        spdlog::error("reload failed: the new worker could not boot (see the error above); the running "
                      "workers keep serving the previous code");
        Slot& old = slots_[slot.replaces];
        if (old.recycle_queued && old.max_requests) {
            old.max_requests = 0; // do not try again on every response: the next HUP will
            spdlog::warn("worker {} keeps serving past --max-requests until the app can boot again", old.pid);
        }
        old.recycle_queued = false;
        for (uint32_t q : replace_queue_)
            slots_[q].recycle_queued = false;
        replace_queue_.clear();
        slot.replaces = -1;
        if (replacing_ == int(index)) replacing_ = -1;
        slot.state = shm::WorkerState::Empty;
        flush_backlog();
        return;
    }
    if (!any_ever_ready()) {
        boot_failed_ = true;
        server_.stop(false, "Worker failed to boot.");
        return;
    }
    flush_backlog();
    if (serving_count() >= target_) { // TTOU raced this death: the slot is not needed
        slot.state = shm::WorkerState::Empty;
        return;
    }
    slot.crash_streak = (lived_ms < 5000 && !slot.timed_out) ? slot.crash_streak + 1 : 0;
    schedule_respawn(index);
}

// Respawns at once after a worker that lived a while; backs off (0.1 s doubling to 10 s) while a
// slot keeps dying soon after it starts, so a crash loop never spins the CPU.
void WorkerPool::schedule_respawn(uint32_t index) {
    Slot& slot = slots_[index];
    const uint32_t streak = slot.crash_streak;
    const uint64_t delay_ms = streak <= 1 ? 0 : std::min<uint64_t>(100ull << std::min(streak - 2, 7u), 10000);
    if (delay_ms == 0) {
        spawn(index);
        return;
    }
    spdlog::warn("worker slot {} died {} times in a row soon after starting; respawning in {} ms", index,
                 streak, delay_ms);
    slot.respawn_pending = true;
    auto timer = std::make_shared<asio::steady_timer>(server_.io(), std::chrono::milliseconds(delay_ms));
    timer->async_wait([this, index, timer](const boost::system::error_code& ec) {
        slots_[index].respawn_pending = false;
        if (!ec && !stopping_ && slots_[index].pid <= 0) spawn(index);
    });
}

} // namespace turbo::master
