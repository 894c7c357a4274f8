// The kernel's floor on this machine: a fixed-answer HTTP server that does nothing but move bytes.
//
// One thread, an edge-triggered epoll set, and for every readable connection one receive and one
// fixed 200 response (no parsing, no routing, no second process). What it spends per request is
// what loopback TCP, the system calls and the scheduler cost here, whatever a server does on top.
// bench/floor/run runs it in both of the master's socket I/O modes:
//   syscalls: one recv() and one send() per request (TurboAPI with --no-io-uring);
//   io_uring: the receives of one epoll batch in one io_uring_enter, the sends in one more (the
//             master's default).
// Built by bench/floor/run (CMake target turbo_floor, outside `all`); not part of the product.
#include <liburing.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr char kAnswer[] = "HTTP/1.1 200 OK\r\nserver: floor\r\ncontent-type: application/json\r\n"
                           "content-length: 27\r\n\r\n{\"message\":\"Hello, World!\"}";

struct Conn {
    int fd;
    char buf[16384];
};

void close_conn(Conn* c) {
    ::close(c->fd);
    delete c;
}

int listen_on(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1024) != 0) {
        std::perror("bind/listen");
        std::exit(1);
    }
    return fd;
}

void accept_all(int listener, int ep) {
    const int one = 1;
    for (int fd; (fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        epoll_event e{};
        e.events = EPOLLIN | EPOLLET;
        e.data.ptr = new Conn{fd, {}};
        ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    }
}

// Submits what is queued and reaps every completion (all are non-blocking: they finish inside).
void run_ring(io_uring& ring, std::vector<Conn*>& conns, std::vector<int>& results) {
    const unsigned n = unsigned(conns.size());
    if (!n) return;
    io_uring_submit_and_wait(&ring, n);
    for (unsigned done = 0; done < n; ++done) {
        io_uring_cqe* cqe;
        if (io_uring_wait_cqe(&ring, &cqe) != 0) std::exit(2);
        results[io_uring_cqe_get_data64(cqe)] = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "syscalls") != 0 && std::strcmp(argv[1], "io_uring") != 0)) {
        std::fprintf(stderr, "usage: floor_server syscalls|io_uring PORT\n");
        return 64;
    }
    const bool uring = std::strcmp(argv[1], "io_uring") == 0;
    const int listener = listen_on(std::atoi(argv[2]));
    const int ep = ::epoll_create1(0);
    epoll_event le{};
    le.events = EPOLLIN;
    le.data.ptr = nullptr;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &le);
    io_uring ring{};
    if (uring && io_uring_queue_init(256, &ring, 0) != 0) {
        std::fprintf(stderr, "io_uring unavailable\n");
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    std::vector<Conn*> readable, answered;
    std::vector<int> results(256);
    epoll_event events[256];
    for (;;) {
        const int n = ::epoll_wait(ep, events, 256, -1);
        readable.clear();
        answered.clear();
        for (int i = 0; i < n; ++i) {
            if (!events[i].data.ptr)
                accept_all(listener, ep);
            else
                readable.push_back(static_cast<Conn*>(events[i].data.ptr));
        }
        if (!uring) {
            for (Conn* c : readable) {
                const ssize_t r = ::recv(c->fd, c->buf, sizeof c->buf, 0);
                if (r > 0)
                    ::send(c->fd, kAnswer, sizeof kAnswer - 1, MSG_NOSIGNAL);
                else if (r == 0 || errno != EAGAIN)
                    close_conn(c);
            }
            continue;
        }
        for (size_t i = 0; i < readable.size(); ++i) {
            io_uring_sqe* sqe = io_uring_get_sqe(&ring);
            io_uring_prep_recv(sqe, readable[i]->fd, readable[i]->buf, sizeof readable[i]->buf, MSG_DONTWAIT);
            io_uring_sqe_set_data64(sqe, i);
        }
        run_ring(ring, readable, results);
        for (size_t i = 0; i < readable.size(); ++i) {
            if (results[i] > 0)
                answered.push_back(readable[i]);
            else if (results[i] != -EAGAIN)
                close_conn(readable[i]);
        }
        for (size_t i = 0; i < answered.size(); ++i) {
            io_uring_sqe* sqe = io_uring_get_sqe(&ring);
            io_uring_prep_send(sqe, answered[i]->fd, kAnswer, sizeof kAnswer - 1,
                               MSG_DONTWAIT | MSG_NOSIGNAL);
            io_uring_sqe_set_data64(sqe, i);
        }
        run_ring(ring, answered, results);
    }
}
