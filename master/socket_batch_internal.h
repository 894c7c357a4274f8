// SocketBatch: the master's socket reads and writes of one loop turn, in one system call.
// Internal to master/.
//
// Why: on small requests the master spends most of its CPU in the kernel, and under a hypervisor
// every system call's entry and exit is expensive (~1 µs here). Plain epoll costs one recv() and one
// send() per request. With io_uring the receives of every connection epoll reported in a turn go to
// the kernel in one io_uring_enter, and the sends of every response that became ready in one more.
//
// Invariant that keeps this simple: every operation is non-blocking (MSG_DONTWAIT, which io_uring
// honours by completing with -EAGAIN instead of waiting), so the kernel finishes all of them inside
// run(). Nothing is in flight once run() returns: buffers and descriptors need only live that long,
// and no completion ever arrives later. Readiness still comes from the master's edge-triggered epoll.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace turbo::master {

class SocketBatch {
public:
    /// Operations per run(); a caller with more runs in chunks.
    static constexpr uint32_t kEntries = 256;
    /// The result of an operation that was never submitted (run() failed): do it with a plain call.
    static constexpr int32_t kNotRun = INT32_MIN;

    /// The kernel's io_uring, or nullptr with `why` saying why not (too old a kernel, disabled by
    /// sysctl kernel.io_uring_disabled, refused by a container's seccomp filter).
    static std::unique_ptr<SocketBatch> create(std::string& why);
    ~SocketBatch();
    SocketBatch(const SocketBatch&) = delete;
    SocketBatch& operator=(const SocketBatch&) = delete;

    /// Queue one operation; `index` says which entry of run()'s results gets its outcome.
    /// Never more than kEntries before run().
    void recv(int fd, char* buf, size_t len, uint32_t index);
    void send(int fd, const char* data, size_t len, uint32_t index);
    uint32_t queued() const { return queued_; }

    /// Submits what is queued and returns once every operation has completed: results[index] is
    /// what recv()/send() would have returned, with -errno for errors. On failure of io_uring
    /// itself, returns false with `error` (an errno) and leaves kNotRun where nothing ran.
    bool run(std::vector<int32_t>& results, int& error);

private:
    struct Ring;
    explicit SocketBatch(std::unique_ptr<Ring> ring);
    std::unique_ptr<Ring> ring_;
    uint32_t queued_ = 0;
};

} // namespace turbo::master
