// shm: the shared memory between the master and its workers.
//
// One segment per master, named "turbo-<master pid>", created 0600 and mapped with
// Boost.Interprocess. It is a versioned plain-data layout (no pointers, offsets only):
//
//   SegmentHeader | slot 0 | slot 1 | ... | slot N-1 | rate-limit block
//   slot = SlotStatus | RingControl(request) | RingControl(response) | request bytes | response bytes
//
// The rate-limit block is raw bytes that every process of the server shares (the token buckets of
// middleware::RateLimitTable, formatted by the master and attached to by the workers); shm only
// sizes, aligns and maps it, so it does not depend on middleware/.
//
// Each worker slot owns one single-producer single-consumer request ring (master -> worker) and one
// response ring (worker -> master). A worker that dies can only damage its own slot, which the
// master resets before it spawns a replacement into it.
//
// Rings carry frames: a 32-byte FrameHeader and up to `fragment_bytes` of payload, padded to 8
// bytes. A message larger than the free space is cut into fragments; the fragments of one message
// are always contiguous in a ring (a producer finishes one message before it starts the next).
//
// Wake-ups never spin: a consumer that finds its ring empty sets its "sleeping" flag, re-checks
// the ring, then blocks (futex on a word in the segment for workers, an eventfd for the master).
// A producer wakes the other side only when that flag is set.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace turbo::shm {

inline constexpr uint64_t kMagic = 0x3149504f4252'5554ULL; // "TURBOPI1" little-endian-ish tag
inline constexpr uint32_t kVersion = 5;
inline constexpr size_t kCacheLine = 64;
inline constexpr size_t kFrameAlign = 8;

/// Sizes of the segment. Validated by `validate()` at start-up.
struct Config {
#ifdef TURBO_TEST_TINY_RING
    uint64_t ring_bytes = 256; // tiny-ring build: every boundary is hit by small messages
#else
    uint64_t ring_bytes = 1u << 20; // bytes of payload space per ring; a power of two
#endif
    uint32_t slot_count = 8; // worker slots (workers + room for replacements during reloads)
    /// Token buckets in the shared rate-limit block (a power of two >= 16): clients tracked at once
    /// by RateLimitMiddleware across all workers. The block is kRateLimitHeaderBytes +
    /// rate_limit_buckets * kRateLimitBucketBytes (1 MiB + 64 B by default).
    uint32_t rate_limit_buckets = 65536;
};

/// The layout middleware::RateLimitTable puts in the rate-limit block (checked there by static_asserts
/// against its own structs, and by the master before it formats the block).
inline constexpr uint64_t kRateLimitHeaderBytes = 64;
inline constexpr uint64_t kRateLimitBucketBytes = 16;
inline constexpr uint64_t rate_limit_block_bytes(uint32_t buckets) {
    return kRateLimitHeaderBytes + uint64_t(buckets) * kRateLimitBucketBytes;
}

/// Empty string when valid, otherwise a readable reason.
std::string validate(const Config& config);

/// What a frame carries. Values are part of the layout version.
enum class MessageKind : uint16_t {
    Request = 1,  // master -> worker: an encoded RequestMessage
    Response = 2, // worker -> master: an encoded ResponseMessage
    Cancel = 3,   // master -> worker: forget request_id (client went away)
    // A response whose body a generator produces (StreamingResponse): one StreamHead, any number of
    // StreamChunk messages, then StreamEnd (or StreamAbort when the generator failed). Each is a
    // complete message; the worker writes nothing else into its ring until the stream ends.
    StreamHead = 4,  // worker -> master: u64 body length (kUnknownLength: chunked) + encoded head
    StreamChunk = 5, // worker -> master: body bytes
    StreamEnd = 6,   // worker -> master: the body is complete
    StreamAbort = 7, // worker -> master: the body failed midway; the connection must close
};

/// StreamHead's length when the worker does not know it (sent with chunked transfer-encoding).
inline constexpr uint64_t kUnknownLength = ~uint64_t(0);

enum FrameFlags : uint16_t {
    kFrameFirst = 1,     // first fragment of a message
    kFrameLast = 2,      // last fragment of a message
    kFrameClaimed = 4,   // set by the consumer (CAS) on a first fragment before it consumes it
    kFrameCancelled = 8, // set by the producer (CAS) on a first fragment not yet claimed: skip it
    kFrameAborted = 16,  // a last fragment ending a message early (its producer gave up): drop it
};

struct FrameHeader {
    uint32_t fragment_bytes; // payload bytes that follow this header
    uint16_t kind;           // MessageKind
    uint16_t flags;          // FrameFlags
    uint32_t generation;     // generation of the worker slot the message belongs to
    uint32_t total_bytes;    // payload bytes of the whole message
    uint64_t request_id;     // master-assigned, unique per master lifetime
    uint64_t conn_id;        // master-assigned connection id
};
static_assert(sizeof(FrameHeader) == 32);
static_assert(std::is_trivially_copyable_v<FrameHeader>);

/// Worker states in the status table.
enum class WorkerState : uint32_t { Empty = 0, Booting = 1, Ready = 2, Draining = 3, Dead = 4 };

/// One row of the status table. Written by the worker (except `state` Empty/Dead and `pid`, which the
/// master writes); read by the master without syscalls.
struct alignas(kCacheLine) SlotStatus {
    std::atomic<int32_t> pid;                 // worker pid, set by the master at spawn
    std::atomic<uint32_t> generation;         // bumped by the master at every spawn into the slot
    std::atomic<uint32_t> state;              // WorkerState
    std::atomic<uint32_t> reserved;           //
    std::atomic<uint64_t> heartbeat_ms;       // CLOCK_MONOTONIC ms, refreshed by the worker's loop
    std::atomic<uint64_t> request_started_ms; // 0 when idle, else when the current request started
    std::atomic<uint64_t> requests_served;    // responses pushed by this worker
    std::atomic<uint64_t> current_request_id; // the request in progress (valid while request_started_ms != 0)
};
static_assert(sizeof(SlotStatus) == kCacheLine);

/// Control block of one SPSC ring. `head` and `tail` are byte counters that only grow; the
/// position in the data area is counter & (capacity - 1). Each field sits on its own cache line.
struct RingControl {
    alignas(kCacheLine) std::atomic<uint64_t> head;              // producer-owned: bytes published
    alignas(kCacheLine) std::atomic<uint64_t> tail;              // consumer-owned: bytes released
    alignas(kCacheLine) std::atomic<uint32_t> consumer_sleeping; // consumer is (about to be) blocked
    std::atomic<uint32_t> consumer_seq;                          // futex word for the consumer
    alignas(kCacheLine) std::atomic<uint32_t> producer_waiting;  // producer waits for free space
    std::atomic<uint32_t> producer_seq;                          // futex word for the producer
    alignas(kCacheLine) uint64_t capacity;                       // immutable after creation
};
static_assert(sizeof(RingControl) == 5 * kCacheLine);
static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<uint32_t>::is_always_lock_free);

struct SegmentHeader {
    uint64_t magic;              // kMagic
    uint32_t version;            // kVersion
    uint32_t slot_count;         //
    uint64_t ring_bytes;         // data bytes per ring
    uint64_t slot_stride;        // bytes from one slot to the next
    uint64_t total_bytes;        // size of the whole segment
    int32_t master_pid;          // creator, for the stale-segment sweep and sanity checks
    uint32_t rate_limit_buckets; // Config::rate_limit_buckets
    uint64_t rate_limit_offset;  // where the rate-limit block starts (4096-aligned)
    uint64_t rate_limit_bytes;   // rate_limit_block_bytes(rate_limit_buckets)
    alignas(kCacheLine) std::atomic<uint32_t> master_sleeping; // master waits on its eventfd
    std::atomic<int32_t> master_cpu; // the CPU the master's loop last ran on (workers spin only elsewhere)
};
static_assert(sizeof(SegmentHeader) == 2 * kCacheLine);

/// A view of one ring in a mapped segment. Cheap to copy; does not own the memory.
struct RingRef {
    RingControl* control = nullptr;
    std::byte* data = nullptr;

    uint64_t capacity() const { return control->capacity; }
    bool empty() const; // as seen by the consumer
    /// Reset to empty. Only when neither side can touch the ring (its worker is dead).
    void reset();
};

/// Writes messages into a ring as fragments. Single producer.
class RingWriter {
public:
    explicit RingWriter(RingRef ring) : ring_(ring) {}
    RingWriter() = default;

    /// Writes as much of `payload` from `offset` as fits, as one fragment, advances `offset` and
    /// returns true; returns false when not even a worthwhile fragment fits. The message is complete
    /// when a call returns true with `offset == payload.size()` (an empty message is one header).
    /// `meta.fragment_bytes/flags/total_bytes` are filled in here.
    bool write(FrameHeader meta, std::span<const std::byte> payload, size_t& offset);
    /// The same for a message whose bytes arrive over time: `window` holds message bytes
    /// [window_base, window_base + window.size()) of `total`; writes from `offset` within the window.
    bool write_part(FrameHeader meta, std::span<const std::byte> window, size_t window_base, size_t total,
                    size_t& offset);
    /// Ends a partly written message early (kFrameAborted); false when not even a header fits.
    bool write_abort(FrameHeader meta, size_t total);
    /// Largest payload one fragment can carry right now.
    uint64_t free_payload_bytes() const;
    /// Free payload bytes `write` needs before it writes a fragment of a message with `remaining` bytes.
    uint64_t wanted_bytes(uint64_t remaining) const;
    /// After publishing: true when the consumer was sleeping and must be woken (the flag is cleared).
    bool consumer_needs_wake();
    /// Declares that the producer waits for space: sets the flag, then re-checks. Returns true when
    /// space appeared meanwhile (the caller should retry instead of waiting).
    bool arm_space_wait(uint64_t wanted_payload_bytes);
    RingRef ring() const { return ring_; }

private:
    RingRef ring_;
};

/// One reassembled message.
struct Message {
    FrameHeader meta{}; // the first fragment's header, with fragment_bytes = total_bytes
    std::string payload;
};

enum class ReadStatus { Message, Partial, Empty, Corrupt };

/// Reads frames from a ring and reassembles messages. Single consumer. Keeps the partial message
/// between calls, so a message longer than the ring passes as the producer refills it.
class RingReader {
public:
    struct Limits {
        uint64_t max_message_bytes = 64ull << 20; // a frame announcing more is Corrupt
        bool claim = false; // claim each message (CAS) before consuming it; skip cancelled ones
    };
    explicit RingReader(RingRef ring, Limits limits) : ring_(ring), limits_(limits) {}
    RingReader() = default;

    /// Consumes available fragments; returns Message when `out` holds a complete message.
    ReadStatus read(Message& out);
    /// The header of the next frame, without consuming it. False when the ring is empty or the
    /// next bytes cannot be a frame header.
    bool peek(FrameHeader& out) const;
    /// Streaming: consumes exactly one frame into `payload` (no reassembly). Only between messages
    /// of read() (never while read() holds a partial message). Returns Message for a frame, Empty or
    /// Corrupt.
    ReadStatus read_frame(FrameHeader& header, std::string& payload);
    /// True while read() holds part of a message.
    bool in_message() const { return in_partial_; }
    /// True when the producer waits for space and must be woken (the flag is cleared).
    bool producer_needs_wake();
    /// Forget a partially assembled message (after the producer died).
    void reset() { in_partial_ = skipping_ = false; }
    RingRef ring() const { return ring_; }

private:
    RingRef ring_;
    Limits limits_;
    bool in_partial_ = false;
    bool skipping_ = false; // consuming the rest of a cancelled message
    Message partial_;       // the message being reassembled; its buffer is reused across messages
};

/// Producer side: cancels the message whose first frame starts at counter position `pos`, unless
/// the consumer has claimed (or consumed) it. Claim and cancel are one CAS each on the frame's
/// flags, so exactly one of them wins. True when cancelled: the consumer will skip the message.
bool cancel_message(RingRef ring, uint64_t pos);
/// Producer side: the position the next frame will be written at.
uint64_t write_position(RingRef ring);

/// Blocks on a futex word in shared memory until it differs from `expected` or `timeout_ms` passes.
void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, int timeout_ms);
/// Wakes every waiter on the word.
void futex_wake(std::atomic<uint32_t>& word);

/// Consumer side of a worker's request ring: blocks until the ring is non-empty or the timeout passes.
/// Follows the protocol: read seq, set sleeping, re-check, wait.
void wait_for_data(RingRef ring, int timeout_ms);
/// Producer side after a publish: wake the consumer if it sleeps on its futex.
void wake_consumer(RingRef ring);
/// Producer side (worker pushing responses): blocks until `wanted` payload bytes fit or the timeout.
void wait_for_space(RingWriter& writer, uint64_t wanted_payload_bytes, int timeout_ms);
/// Consumer side after releasing space: wake a producer blocked on its futex.
void wake_producer(RingRef ring);

/// A mapped segment. The master creates (and owns the name of) it; workers open it by name.
class Segment {
public:
    /// Master: creates "turbo-<pid>" with mode 0600 and initialises every slot. Throws on failure.
    static Segment create(const Config& config, int master_pid);
    /// Worker: opens by name and validates magic, version and sizes. Throws on failure.
    static Segment open(const std::string& name);

    Segment(Segment&&) noexcept;
    Segment& operator=(Segment&&) noexcept;
    ~Segment(); // unmaps; the owner also removes the name

    const std::string& name() const { return name_; }
    SegmentHeader& header() const;
    uint32_t slot_count() const { return header().slot_count; }
    SlotStatus& status(uint32_t slot) const;
    RingRef request_ring(uint32_t slot) const;
    RingRef response_ring(uint32_t slot) const;
    /// The shared rate-limit block (64-byte aligned, zero-filled at creation, formatted by the
    /// master with middleware::RateLimitTable::init).
    std::span<std::byte> rate_limit_block() const;
    /// Master: removes the name now (mapping stays valid). Idempotent.
    void remove_name();

private:
    Segment() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string name_;
    std::byte* base_ = nullptr;
    bool owner_ = false;
};

/// Name of the segment of the master with that pid.
std::string segment_name(int master_pid);
/// Removes "turbo-<pid>" segments whose master is no longer alive. Returns the names removed.
std::vector<std::string> sweep_stale_segments();

/// CLOCK_MONOTONIC in milliseconds (the clock of every *_ms field in the segment).
uint64_t monotonic_ms();

// ---------------------------------------------------------------------------------------------
// Message encodings. Both are flat little-endian records; decoders validate every length and
// return false on malformed input instead of reading past the end.

struct Header {
    std::string_view name; // request: lower-cased by the master
    std::string_view value;
};

/// A request as the master hands it to a worker. Views point into the encoded payload.
struct RequestView {
    uint8_t http_major = 1;
    uint8_t http_minor = 1;
    bool keep_alive = true;
    std::string_view method;
    std::string_view path;   // raw (still percent-encoded), without the query
    std::string_view query;  // without '?'
    std::string_view client; // "ip:port" or "" for unix sockets
    std::vector<Header> headers;
    std::string_view body;
};

/// Appends the encoding of `r` (its `body` included) to `out`.
void encode_request(const RequestView& r, std::string& out);
/// Everything but the body, announcing `body_bytes` of body: the body's bytes follow separately
/// (a streamed upload). encode_request_head(r, n, out) + n body bytes == encode_request with that body.
void encode_request_head(const RequestView& r, uint64_t body_bytes, std::string& out);
bool decode_request(std::string_view payload, RequestView& out);

/// A response as a worker hands it back. The master adds Date, Server, Content-Length, Connection.
struct ResponseView {
    uint16_t status = 200;
    std::vector<Header> headers;
    std::string_view body;
};

void encode_response(const ResponseView& r, std::string& out);
/// Everything but the body (whose size it announces): encode_response_head(r, out) + r.body ==
/// encode_response(r, out). A large body is written to the ring from where it lies, after this.
void encode_response_head(const ResponseView& r, std::string& out);
bool decode_response(std::string_view payload, ResponseView& out);
/// Decodes the status and headers from the start of an encoded response (for streaming a large one
/// as its fragments arrive). Sets `head_bytes` (where the body starts) and `body_bytes` (its length).
/// False when `prefix` does not hold the whole head.
bool decode_response_head(std::string_view prefix, ResponseView& out, size_t& head_bytes,
                          uint64_t& body_bytes);

} // namespace turbo::shm
