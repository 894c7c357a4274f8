#include "master/socket_batch_internal.h"

#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace turbo::master {

struct SocketBatch::Ring {
    io_uring ring{};
    bool live = false; // set up (and to be torn down)
    ~Ring() {
        if (live) io_uring_queue_exit(&ring);
    }
};

namespace {

// Only the master's loop thread submits, and it reaps in the same call (DEFER_TASKRUN runs the
// completion work there instead of interrupting it); SUBMIT_ALL keeps one bad entry from leaving
// the rest unsubmitted. Older kernels refuse these flags: they get a plain ring.
bool setup(io_uring& ring, std::string& why) {
    io_uring_params params{};
    params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
                   IORING_SETUP_DEFER_TASKRUN;
    int rc = io_uring_queue_init_params(SocketBatch::kEntries, &ring, &params);
    if (rc == -EINVAL) {
        params = io_uring_params{};
        rc = io_uring_queue_init_params(SocketBatch::kEntries, &ring, &params);
    }
    if (rc < 0) {
        why = std::string("io_uring_setup: ") + std::strerror(-rc);
        return false;
    }
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    const bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_RECV) &&
                    io_uring_opcode_supported(probe, IORING_OP_SEND);
    if (probe) io_uring_free_probe(probe);
    if (!ok) {
        why = "the kernel's io_uring has no socket send/recv";
        io_uring_queue_exit(&ring);
        return false;
    }
    return true;
}

} // namespace

std::unique_ptr<SocketBatch> SocketBatch::create(std::string& why) {
    auto ring = std::make_unique<Ring>();
    if (!setup(ring->ring, why)) return nullptr;
    ring->live = true;
    return std::unique_ptr<SocketBatch>(new SocketBatch(std::move(ring)));
}

SocketBatch::SocketBatch(std::unique_ptr<Ring> ring) : ring_(std::move(ring)) {}
SocketBatch::~SocketBatch() = default;

void SocketBatch::recv(int fd, char* buf, size_t len, uint32_t index) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring); // never null: at most kEntries per run()
    io_uring_prep_recv(sqe, fd, buf, len, MSG_DONTWAIT);
    io_uring_sqe_set_data64(sqe, index);
    ++queued_;
}

void SocketBatch::send(int fd, const char* data, size_t len, uint32_t index) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
    io_uring_prep_send(sqe, fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, index);
    ++queued_;
}

bool SocketBatch::run(std::vector<int32_t>& results, int& error) {
    io_uring& ring = ring_->ring;
    const uint32_t queued = queued_;
    queued_ = 0;
    uint32_t submitted = 0;
    while (submitted < queued) {
        const int rc = io_uring_submit_and_wait(&ring, queued - submitted);
        if (rc == -EINTR) continue; // (a signal before anything was taken)
        if (rc <= 0) {
            // Entries the kernel did not take stay in the queue: the caller drops this ring.
            error = rc < 0 ? -rc : EIO;
            break;
        }
        submitted += uint32_t(rc);
    }
    // Every submitted operation completes inside the call (they never block); collect them all.
    for (uint32_t done = 0; done < submitted;) {
        io_uring_cqe* cqe = nullptr;
        const int rc = io_uring_wait_cqe(&ring, &cqe);
        if (rc == -EINTR) continue;
        if (rc < 0) {
            error = -rc;
            return false;
        }
        const uint64_t index = io_uring_cqe_get_data64(cqe);
        if (index < results.size()) results[index] = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
        ++done;
    }
    return submitted == queued;
}

} // namespace turbo::master
