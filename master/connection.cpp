// One client connection: read, parse, dispatch, and write responses back in request order.
#include "master/server_internal.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace turbo::master {

namespace {

bool is_token_char(unsigned char c) {
    // RFC 9110 tchar
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool valid_header(const shm::Header& h) {
    if (h.name.empty()) return false;
    for (unsigned char c : h.name)
        if (!is_token_char(c)) return false;
    for (unsigned char c : h.value)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
}

// Headers whose value the master owns: framing, connection management, and the two it always sends.
bool master_owned(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
           iequals(name, "connection") || iequals(name, "date") || iequals(name, "server") ||
           iequals(name, "keep-alive");
}

bool status_has_body(uint16_t status) {
    return !(status < 200 || status == 204 || status == 304);
}

void append_number(std::string& out, uint64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

} // namespace

Connection::Connection(Server& server, int fd, uint64_t id, std::string peer)
    : server_(server), fd_(fd), id_(id), peer_(std::move(peer)), parser_(server.limits()) {
    touch();
}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

// Registered once, edge-triggered: the kernel reports each change of readability or writability
// and we remember it in readable_/writable_, so no syscall is spent re-arming interest per request.
bool Connection::start(int epoll_fd) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = id_;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd_, &ev) != 0) {
        spdlog::error("epoll_ctl(ADD) failed for a new connection: {}", strerror(errno));
        return false;
    }
    return true;
}

void Connection::touch() {
    last_active_ms_ = shm::monotonic_ms();
}

void Connection::on_events(uint32_t events) {
    if (closed_) return;
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readable_ = true;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peer_closed_ = true; // a short read is then not the end
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writable_ = true;
    if (writable_ && out_off_ < out_.size()) write_out();
    if (closed_) return;
    if (server_.batching() && wants_recv()) {
        if (!recv_queued_) {
            recv_queued_ = true;
            server_.queue_recv(self); // on_recv_result follows in the same loop turn
        }
        return;
    }
    read_in();
}

bool Connection::can_read() const {
    return !read_closed_ && !closed_ && unparsed_.empty() && !upload_paused_ &&
           pending_.size() < server_.config().max_inflight_per_connection;
}

// Reads while the socket has data and the pipeline has room. A recv that returns less than the
// buffer leaves the socket empty: a later arrival raises a new edge, so we stop without an EAGAIN.
void Connection::read_in() {
    while (readable_ && can_read()) {
        const ssize_t n = ::recv(fd_, read_buf_.data(), read_buf_.size(), 0);
        if (!take_read(n < 0 ? -errno : n)) return;
    }
}

void Connection::on_recv_result(int32_t res) {
    recv_queued_ = false;
    if (closed_) return;
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    if (res == SocketBatch::kNotRun || take_read(res)) read_in();
}

bool Connection::take_read(ssize_t n) {
    if (n > 0) {
        touch();
        if (!parser_.in_progress()) request_start_ms_ = last_active_ms_;
        // A short read drained the socket, unless the peer's FIN is queued behind the data: then
        // read on to see the end of file now (no further edge would report it).
        if (size_t(n) < read_buf_.size() && !peer_closed_) readable_ = false;
        const size_t left = consume(read_buf_.data(), size_t(n));
        if (left) unparsed_.append(read_buf_.data() + n - left, left);
        return true;
    }
    if (n == -EINTR) return true;
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
        readable_ = false;
        return false;
    }
    // EOF or reset: answer what is in flight (a half-closed client may still read), then close.
    if (n < 0 && n != -ECONNRESET) spdlog::debug("read from {} failed: {}", peer_, strerror(int(-n)));
    readable_ = false;
    read_closed_ = true;
    if (upload_id_) abandon_upload(); // its body can never complete
    drop_unfinished_interim();
    if (pending_.empty())
        close_now();
    else
        pending_.back().close_after = true;
    return false;
}

size_t Connection::consume(const char* data, size_t len) {
    parsing_ = true;
    while (len > 0 && !read_closed_ && !upload_paused_ &&
           pending_.size() < server_.config().max_inflight_per_connection) {
        size_t used = 0;
        const auto status = parser_.feed(data, len, used);
        data += used;
        len -= used;
        if (upload_id_) forward_upload();
        if (status == HttpParser::Status::Request) {
            if (upload_id_) {
                upload_id_ = 0; // its last bytes went out above
                // forward_upload may have paused reading because the ring is behind; with the whole
                // body in hand there is nothing left to hold back, and no upload_drained will come
                // for this request: left set, the connection would never read its next request.
                upload_paused_ = false;
                if (read_closed_after_this_) read_closed_ = true;
            } else {
                dispatch_request();
            }
            parser_.next();
        } else if (status == HttpParser::Status::ExpectContinue || status == HttpParser::Status::StreamBody) {
            if (status == HttpParser::Status::ExpectContinue) {
                auto& p = pending_.emplace_back();
                p.ready = true;
                p.interim = true;
                p.data = "HTTP/1.1 100 Continue\r\n\r\n";
            }
            if (parser_.streams_body()) begin_upload();
            if (status == HttpParser::Status::ExpectContinue) flush(); // the client waits for it
        } else if (status == HttpParser::Status::Error) {
            if (upload_id_) {
                server_.pool().cancel(upload_id_); // the worker never sees a half body
                if (!pending_.empty() && pending_.back().request_id == upload_id_) pending_.pop_back();
                upload_id_ = 0;
                upload_paused_ = false;
            }
            answer_error(parser_.error());
            len = 0;
        } else {
            break; // NeedMore: everything was consumed
        }
    }
    parsing_ = false;
    if (read_closed_) return 0; // nothing after an error or a final request is ever parsed
    return len;
}

// A large body (Content-Length >= kStreamThreshold) is not collected here: the request goes to a
// worker as soon as its headers are in, and its body follows as it arrives.
void Connection::begin_upload() {
    auto& req = parser_.request();
    auto& p = new_pending();
    std::string& payload = server_.scratch();
    payload.clear();
    shm::RequestView view = request_view(req, p);
    const uint64_t body_bytes = parser_.content_length();
    shm::encode_request_head(view, body_bytes, payload);
    view.headers.swap(headers_);
    upload_id_ = p.request_id;
    const uint64_t total = payload.size() + body_bytes;
    server_.pool().begin_upload(p.request_id, id_, payload, total);
}

void Connection::forward_upload() {
    auto& body = parser_.request().body;
    if (body.empty()) return;
    server_.pool().upload_chunk(upload_id_, body);
    body.clear();
    if (server_.pool().upload_backlogged(upload_id_)) upload_paused_ = true; // stop reading for now
}

// The client went away in the middle of a streamed body: the worker's partial message is ended
// with an abort frame, and the request is forgotten (there is nobody to answer).
void Connection::abandon_upload() {
    server_.pool().cancel(upload_id_);
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
        if (it->request_id == upload_id_) {
            pending_.erase(it);
            break;
        }
    upload_id_ = 0;
    upload_paused_ = false;
}

// A 100 Continue for a body that will never come is not worth writing on its own.
void Connection::drop_unfinished_interim() {
    if (!pending_.empty() && pending_.back().interim && parser_.in_progress()) pending_.pop_back();
}

void Connection::upload_drained(uint64_t request_id) {
    if (request_id != upload_id_ || !upload_paused_ || closed_) return;
    upload_paused_ = false;
    if (parsing_) return;
    auto self = shared_from_this();
    resume_parsing();
    read_in();
}

void Connection::resume_parsing() {
    if (parsing_ || unparsed_.empty() || closed_) return;
    std::string input;
    input.swap(unparsed_);
    size_t left = consume(input.data(), input.size());
    if (left) unparsed_.assign(input.data() + input.size() - left, left);
}

// Fills the pending entry's log fields and builds the worker's view of the request (its headers
// live in headers_, swapped into the view: swap them back after encoding).
shm::RequestView Connection::request_view(HttpRequest& req, PendingResponse& p) {
    p.close_after = !req.keep_alive || draining_;
    p.head = req.method == "HEAD";
    p.http10 = req.http_minor == 0;
    if (p.close_after) read_closed_after_this_ = true;
    const auto target = req.view(req.target);
    if (server_.config().access_log) {
        p.log_request.reserve(req.method.size() + target.size() + 10);
        p.log_request.append(req.method)
            .append(" ")
            .append(target)
            .append(req.http_minor ? " HTTP/1.1" : " HTTP/1.0");
        p.log_referer = req.header("referer");
        p.log_agent = req.header("user-agent");
    }
    shm::RequestView view;
    view.http_major = req.http_major;
    view.http_minor = req.http_minor;
    view.keep_alive = req.keep_alive;
    view.method = req.method;
    split_target(target, view.path, view.query);
    view.client = peer_;
    headers_.clear();
    for (const auto& [n, v] : req.headers)
        headers_.push_back({req.view(n), req.view(v)});
    view.headers.swap(headers_);
    view.body = req.body;
    return view;
}

PendingResponse& Connection::new_pending() {
    auto& p = pending_.emplace_back();
    p.request_id = server_.next_request_id();
    return p;
}

void Connection::dispatch_request() {
    auto& req = parser_.request();
    auto& p = new_pending();
    std::string& payload = server_.scratch();
    payload.clear();
    shm::RequestView view = request_view(req, p);
    shm::encode_request(view, payload);
    view.headers.swap(headers_);
    if (read_closed_after_this_) read_closed_ = true;
    server_.pool().dispatch(p.request_id, id_, payload);
}

PendingResponse* Connection::find(uint64_t request_id) {
    for (auto& p : pending_)
        if (p.request_id == request_id && !p.interim) return &p;
    return nullptr;
}

void Connection::render_head(PendingResponse& p, uint16_t status, const std::vector<shm::Header>& headers,
                             uint64_t body_bytes, size_t reserve) {
    auto& out = p.data;
    const bool with_body = status_has_body(status);
    out.reserve(160 + reserve);
    out.append("HTTP/1.1 ");
    append_number(out, status);
    out.push_back(' ');
    out.append(reason_phrase(status));
    out.append("\r\ndate: ");
    out.append(server_.http_date());
    out.append(server_.config().server_header ? "\r\nserver: turbo\r\n" : "\r\n");
    for (const auto& h : headers) {
        if (master_owned(h.name)) continue;
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (with_body && body_bytes == shm::kUnknownLength) {
        // A generator's body: chunked for HTTP/1.1; an HTTP/1.0 client reads until the close.
        if (p.http10)
            p.close_after = p.close_delimited = true;
        else
            out.append("transfer-encoding: chunked\r\n");
        p.chunked = !p.http10;
    } else if (with_body) {
        out.append("content-length: ");
        append_number(out, body_bytes);
        out.append("\r\n");
    }
    if (p.close_after)
        out.append("connection: close\r\n");
    else if (p.http10)
        out.append("connection: keep-alive\r\n");
    out.append("\r\n");
    p.status = status;
    p.body_bytes = with_body && !p.head && body_bytes != shm::kUnknownLength ? body_bytes : 0;
    p.drop_body = !with_body || p.head;
}

void Connection::render(PendingResponse& p, uint16_t status, const std::vector<shm::Header>& headers,
                        std::string_view body) {
    render_head(p, status, headers, body.size(), body.size());
    if (!p.drop_body) p.data.append(body);
    p.ready = true;
}

// Errors the master answers itself: the reason phrase as text, with Retry-After on a 503.
void Connection::render_error(PendingResponse& p, uint16_t status) {
    static const std::vector<shm::Header> kText = {{"content-type", "text/plain; charset=utf-8"}};
    static const std::vector<shm::Header> kRetry = {{"content-type", "text/plain; charset=utf-8"},
                                                    {"retry-after", "1"}};
    render(p, status, status == 503 ? kRetry : kText, reason_phrase(status));
}

bool Connection::headers_valid(const PendingResponse& p, const std::vector<shm::Header>& headers) const {
    for (const auto& h : headers) {
        if (!valid_header(h)) {
            spdlog::error(
                "response to \"{}\" has an invalid header (CR, LF or NUL in a value, or a bad name); "
                "answering 500",
                p.log_request.empty() ? std::string("request") : p.log_request);
            return false;
        }
    }
    return true;
}

// Large responses stream: the head goes out as soon as the first fragment arrives, the body as the
// worker produces it. The pool stops reading that worker's ring while we hold more than
// kStreamHighWater bytes for this client (backpressure reaches the worker through its full ring).
void Connection::stream_begin(uint64_t request_id, const shm::ResponseView& head, uint64_t body_bytes) {
    if (closed_) return;
    auto self = shared_from_this();
    PendingResponse* p = find(request_id);
    if (!p || p->ready) return;
    if (!headers_valid(*p, head.headers)) {
        render_error(*p, 500);
        p->streaming_failed = true;
        flush();
        return;
    }
    render_head(*p, head.status, head.headers, body_bytes, 0);
    p->streaming = true;
    p->announced = body_bytes == shm::kUnknownLength ? 0 : body_bytes;
    flush();
}

void Connection::stream_body(uint64_t request_id, std::string_view data) {
    if (closed_) return;
    auto self = shared_from_this();
    PendingResponse* p = find(request_id);
    if (!p || !p->streaming || p->ready) return;
    if (p->chunked) {
        if (data.empty()) return; // an empty chunk would end the body
        p->body_bytes += data.size();
        if (!p->drop_body) {
            char size[20];
            const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
            p->data.append(size, size_t(n)).append(data).append("\r\n");
        }
    } else if (p->announced) {
        // A streamed body with a content-length (FileResponse): never more than announced.
        if (data.size() > p->announced) data = data.substr(0, p->announced);
        p->announced -= data.size();
        if (!p->drop_body) send_or_buffer(*p, data);
    } else {
        if (p->close_delimited) p->body_bytes += data.size(); // (for the access log)
        if (!p->drop_body) send_or_buffer(*p, data);
    }
    if (!closed_ && &pending_.front() == p) flush();
}

// Body bytes of the response at the front, with nothing queued before them, go to the socket from
// where they lie (the ring reader's buffer) as far as it takes them; only the rest is buffered. A
// large response is then copied once in the master instead of twice.
void Connection::send_or_buffer(PendingResponse& p, std::string_view data) {
    if (&pending_.front() == &p && p.data.empty() && out_.empty() && writable_) {
        data.remove_prefix(send_some(data));
        if (closed_) return;
    }
    p.data.append(data);
}

// Sends as much of `data` as the socket takes now; returns how much.
size_t Connection::send_some(std::string_view data) {
    size_t sent = 0;
    while (sent < data.size() && writable_ && !closed_) {
        const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        sent += take_sent(n < 0 ? -errno : n);
    }
    return sent;
}

// One send's result (bytes, or -errno), from send() or from the batch: the bytes it took. A full
// socket clears writable_ (EPOLLOUT's edge resumes us); an error closes the connection.
size_t Connection::take_sent(ssize_t n) {
    if (n > 0) {
        write_stalled_ms_ = 0;
        touch();
        return size_t(n);
    }
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
        writable_ = false;
        if (!write_stalled_ms_) write_stalled_ms_ = shm::monotonic_ms();
        return 0;
    }
    spdlog::debug("write to {} failed: {}", peer_, strerror(int(-n)));
    close_now();
    return 0;
}

void Connection::stream_end(uint64_t request_id) {
    if (closed_) return;
    auto self = shared_from_this();
    PendingResponse* p = find(request_id);
    if (!p || !p->streaming || p->ready) return;
    if (p->chunked && !p->drop_body) p->data.append("0\r\n\r\n");
    if (p->announced && !p->drop_body) {
        // Fewer bytes than the content-length said: the client must not wait for the rest.
        spdlog::error("the response to {} ended {} bytes short of its content-length; closing the connection",
                      peer_, p->announced);
        p->close_after = true;
    }
    p->ready = true;
    flush();
}

void Connection::stream_abort(uint64_t request_id) {
    PendingResponse* p = find(request_id);
    if (!p || !p->streaming) return;
    spdlog::error("a streamed response to {} ended early (its generator failed, or its worker died); "
                  "closing the connection",
                  peer_);
    close_now(); // the client sees a short body and a closed connection, never a wrong one
}

size_t Connection::front_buffered() const {
    size_t n = out_.size() - out_off_;
    if (!pending_.empty()) n += pending_.front().data.size();
    return n;
}

bool Connection::backlogged(uint64_t request_id) const {
    if (!pending_.empty() && pending_.front().request_id == request_id)
        return front_buffered() > kStreamHighWater;
    for (const auto& p : pending_)
        if (p.request_id == request_id && !p.interim) return p.data.size() > kStreamHighWater;
    return false;
}

void Connection::wait_for_drain(uint32_t slot) {
    for (uint32_t s : waiting_slots_)
        if (s == slot) return;
    waiting_slots_.push_back(slot);
}

void Connection::release_waiters() {
    if (waiting_slots_.empty()) return;
    std::vector<uint32_t> slots;
    slots.swap(waiting_slots_);
    for (uint32_t slot : slots)
        server_.pool().resume(slot);
}

void Connection::complete(uint64_t request_id, const shm::ResponseView& response) {
    if (closed_) return;
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    PendingResponse* p = find(request_id);
    if (!p || p->ready) return;
    if (!headers_valid(*p, response.headers)) {
        render_error(*p, 500);
        flush();
        return;
    }
    render(*p, response.status, response.headers, response.body);
    flush();
}

void Connection::fail(uint64_t request_id, uint16_t status, std::string_view detail) {
    if (closed_) return;
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    PendingResponse* p = find(request_id);
    if (!p || p->ready) return;
    render_error(*p, status);
    flush();
}

void Connection::answer_error(HttpError error) {
    const uint16_t status = http_error_status(error);
    spdlog::info("{} from {}: {}", status, peer_.empty() ? "-" : peer_, parser_.error_detail());
    auto& p = pending_.emplace_back();
    p.close_after = true;
    if (server_.config().access_log) p.log_request = "-";
    read_closed_ = true;
    render_error(p, status);
    flush();
}

void Connection::shutdown_gracefully() {
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    draining_ = true;
    if (pending_.empty() && !parser_.in_progress())
        close_now();
    else if (!pending_.empty())
        pending_.back().close_after = true, read_closed_ = true;
}

void Connection::flush() {
    while (!pending_.empty()) {
        auto& p = pending_.front();
        if (p.streaming && !p.ready) { // a response still streaming: pass on what has arrived
            take_output(p.data);
            break;
        }
        if (!p.ready) break;
        take_output(p.data);
        if (!p.interim && server_.config().access_log) server_.access_log(peer_, p);
        const bool close = p.close_after;
        pending_.pop_front();
        if (close) {
            close_after_write_ = true;
            read_closed_ = true;
            pending_.clear();
            break;
        }
    }
    write_out();
    if (closed_) return;
    if (!read_closed_ && !parsing_) { // (inside consume(), its own loop goes on reading)
        resume_parsing();
        read_in();
    }
}

// Moves a response's bytes to the output buffer: by swapping buffers when nothing else waits to be
// written (the usual case, and the one that matters for a large body), else by appending.
void Connection::take_output(std::string& data) {
    if (out_.empty())
        out_.swap(data);
    else
        out_.append(data);
    data.clear();
}

bool Connection::wants_send() const {
    return !closed_ && writable_ && out_off_ < out_.size() && out_.size() - out_off_ <= kBatchSendMaxBytes;
}

void Connection::write_out() {
    if (server_.batching() && wants_send()) {
        if (!send_queued_) {
            send_queued_ = true;
            server_.queue_send(shared_from_this()); // on_send_result follows in the same loop turn
        }
        return;
    }
    if (writable_ && out_off_ < out_.size()) {
        out_off_ += send_some(std::string_view(out_).substr(out_off_));
        if (closed_) return;
    }
    finish_write_out();
}

// The batched send's outcome, as send_some would have handled it. A partial send means the
// socket's buffer filled: the rest goes out with a plain send, which takes more or sees EAGAIN
// (and EPOLLOUT's edge resumes us).
void Connection::on_send_result(int32_t res) {
    send_queued_ = false;
    if (closed_) return;
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    if (res == SocketBatch::kNotRun || res == -EINTR) {
        write_out();
        return;
    }
    out_off_ += take_sent(res);
    if (out_off_ < out_.size()) out_off_ += send_some(std::string_view(out_).substr(out_off_));
    if (closed_) return;
    finish_write_out();
}

void Connection::finish_write_out() {
    if (out_off_ == out_.size() && out_off_) { // (take_sent touched the connection)
        out_.clear();
        out_off_ = 0;
    } else if (out_off_ > (1u << 20)) { // keep a long stream's buffer from growing
        out_.erase(0, out_off_);
        out_off_ = 0;
    }
    // Once the bytes being written run low, every paused worker goes on: the one in front refills
    // them; one behind it (its response waits its turn) stops again at its own high-water mark.
    if (!waiting_slots_.empty() && front_buffered() < kStreamLowWater) release_waiters();
    if (out_.empty() && close_after_write_) close_now();
}

void Connection::close_now() {
    if (closed_) return;
    auto self = shared_from_this(); // the server's reference goes below; finish this call first
    closed_ = true;
    read_closed_ = true;
    // Bytes waiting for the loop turn's batched send go out now, as far as the socket takes them
    // (an aborted stream's head and first chunks): a close must not drop what was already written.
    if (send_queued_ && out_off_ < out_.size()) {
        const ssize_t ignored =
            ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)ignored;
    }
    if (close_after_write_) ::shutdown(fd_, SHUT_WR); // a FIN after the last response, not a RST
    ::close(fd_);                                     // also removes it from the epoll set
    fd_ = -1;
    release_waiters();
    // Requests no worker has started are withdrawn; the others run and their answers are dropped.
    for (const auto& p : pending_)
        if (!p.ready && !p.interim && p.request_id) server_.pool().cancel(p.request_id);
    server_.remove_connection(this);
}

void Connection::check_timeouts(uint64_t now) {
    if (closed_) return;
    auto self = shared_from_this(); // the server may drop its reference while we run (close_now)
    const auto& cfg = server_.config();
    if (!out_.empty()) {
        if (write_stalled_ms_ && now - write_stalled_ms_ >= cfg.write_timeout_ms) {
            spdlog::info("closing the connection of {}: it read nothing for {} ms",
                         peer_.empty() ? "-" : peer_, cfg.write_timeout_ms);
            close_now();
        }
        return;
    }
    if (upload_id_ && now - last_active_ms_ >= cfg.body_timeout_ms) {
        spdlog::info("408 to {}: the request's body did not arrive in time", peer_.empty() ? "-" : peer_);
        PendingResponse* p = find(upload_id_);
        server_.pool().cancel(upload_id_); // ends the worker's partial message
        upload_id_ = 0;
        upload_paused_ = false;
        read_closed_ = true;
        if (p) {
            p->close_after = true;
            render_error(*p, 408);
        }
        flush();
        return;
    }
    for (const auto& p : pending_)
        if (!p.interim) return; // waiting for workers: their own timeout applies
    if (parser_.in_progress()) {
        const bool headers = !parser_.headers_done();
        const bool late = headers ? now - request_start_ms_ >= cfg.header_timeout_ms
                                  : now - last_active_ms_ >= cfg.body_timeout_ms;
        if (!late) return;
        spdlog::info("408 to {}: the request's {} did not arrive in time", peer_.empty() ? "-" : peer_,
                     headers ? "headers" : "body");
        auto& p = pending_.emplace_back();
        p.close_after = true;
        if (cfg.access_log) p.log_request = "-";
        read_closed_ = true;
        render_error(p, 408);
        flush();
        return;
    }
    if (now - last_active_ms_ >= cfg.keep_alive_ms) close_now();
}

} // namespace turbo::master
