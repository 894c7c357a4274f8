#include "shm/shm.h"

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdexcept>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace turbo::shm {

namespace bip = boost::interprocess;

namespace {

constexpr uint64_t kHeaderBytes = sizeof(FrameHeader);

constexpr uint64_t align_up(uint64_t n, uint64_t a) {
    return (n + a - 1) & ~(a - 1);
}

// Copies into the ring at counter position `pos`, splitting at the wrap point.
void copy_in(RingRef r, uint64_t pos, const void* src, size_t n) {
    const uint64_t cap = r.control->capacity;
    const uint64_t at = pos & (cap - 1);
    const size_t first = std::min<uint64_t>(n, cap - at);
    std::memcpy(r.data + at, src, first);
    if (first < n) std::memcpy(r.data, static_cast<const std::byte*>(src) + first, n - first);
}

void copy_out(RingRef r, uint64_t pos, void* dst, size_t n) {
    const uint64_t cap = r.control->capacity;
    const uint64_t at = pos & (cap - 1);
    const size_t first = std::min<uint64_t>(n, cap - at);
    std::memcpy(dst, r.data + at, first);
    if (first < n) std::memcpy(static_cast<std::byte*>(dst) + first, r.data, n - first);
}

// copy_out for a message being reassembled: appends, so the buffer is never zero-filled first (a
// resize would write every byte of a large message once more before the copy overwrites it).
void append_out(RingRef r, uint64_t pos, std::string& dst, size_t n) {
    const uint64_t cap = r.control->capacity;
    const uint64_t at = pos & (cap - 1);
    const size_t first = std::min<uint64_t>(n, cap - at);
    dst.append(reinterpret_cast<const char*>(r.data + at), first);
    if (first < n) dst.append(reinterpret_cast<const char*>(r.data), n - first);
}

// Smallest fragment worth writing: avoids spraying the ring with tiny fragments when it is nearly
// full, while any message still fits in at most a few fragments' worth of waiting.
uint64_t min_fragment(uint64_t capacity, uint64_t remaining) {
    return std::min(remaining, capacity / 8);
}

// The 32-bit word at offset 4 of a frame header holds `kind` (low half) and `flags` (high half).
// Frames start 8-byte aligned and the capacity is a multiple of 8, so it never straddles the wrap.
std::atomic_ref<uint32_t> flags_word(RingRef r, uint64_t pos) {
    auto* p = reinterpret_cast<uint32_t*>(r.data + (pos & (r.control->capacity - 1)) + 4);
    return std::atomic_ref<uint32_t>(*p);
}

// Consumer: marks the message at `pos` claimed; false when it was cancelled.
bool claim_frame(RingRef r, uint64_t pos) {
    auto word = flags_word(r, pos);
    uint32_t cur = word.load(std::memory_order_acquire);
    for (;;) {
        if ((cur >> 16) & kFrameCancelled) return false;
        if (word.compare_exchange_weak(cur, cur | (uint32_t(kFrameClaimed) << 16), std::memory_order_acq_rel))
            return true;
    }
}

constexpr uint64_t kSlotStatusBytes = align_up(sizeof(SlotStatus), kCacheLine);

} // namespace

std::string validate(const Config& c) {
    if (c.ring_bytes < 256 || (c.ring_bytes & (c.ring_bytes - 1)) != 0)
        return "ring size must be a power of two of at least 256 bytes";
    if (c.ring_bytes > (1ull << 30)) return "ring size must be at most 1 GiB";
    if (c.slot_count == 0 || c.slot_count > 4096) return "slot count must be between 1 and 4096";
    if (c.rate_limit_buckets < 16 || c.rate_limit_buckets > (1u << 24) ||
        (c.rate_limit_buckets & (c.rate_limit_buckets - 1)) != 0)
        return "rate-limit buckets must be a power of two between 16 and 16777216";
    return {};
}

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

// ------------------------------------------------------------------------------------------ rings

bool RingRef::empty() const {
    return control->head.load(std::memory_order_seq_cst) == control->tail.load(std::memory_order_relaxed);
}

void RingRef::reset() {
    control->head.store(0);
    control->tail.store(0);
    control->consumer_sleeping.store(0);
    control->producer_waiting.store(0);
    control->consumer_seq.fetch_add(1);
    control->producer_seq.fetch_add(1);
}

uint64_t RingWriter::free_payload_bytes() const {
    auto& c = *ring_.control;
    const uint64_t used = c.head.load(std::memory_order_relaxed) - c.tail.load(std::memory_order_acquire);
    const uint64_t free = c.capacity - used;
    if (free < kHeaderBytes) return 0;
    return (free - kHeaderBytes) & ~uint64_t(kFrameAlign - 1);
}

bool RingWriter::write(FrameHeader meta, std::span<const std::byte> payload, size_t& offset) {
    return write_part(meta, payload, 0, payload.size(), offset);
}

bool RingWriter::write_part(FrameHeader meta, std::span<const std::byte> window, size_t window_base,
                            size_t total, size_t& offset) {
    auto& c = *ring_.control;
    const uint64_t head = c.head.load(std::memory_order_relaxed);
    const uint64_t used = head - c.tail.load(std::memory_order_acquire);
    const uint64_t free = c.capacity - used;
    if (free < kHeaderBytes) return false;
    const uint64_t room = (free - kHeaderBytes) & ~uint64_t(kFrameAlign - 1);
    const uint64_t available = window_base + window.size() - offset; // bytes we have to write now
    if (room < min_fragment(c.capacity, available)) return false;
    const uint64_t n = std::min(available, room);
    if (n == 0 && !(offset == 0 && total == 0)) return false; // nothing to write yet

    meta.fragment_bytes = uint32_t(n);
    meta.total_bytes = uint32_t(total);
    meta.flags = uint16_t((offset == 0 ? kFrameFirst : 0) | (offset + n == total ? kFrameLast : 0));
    copy_in(ring_, head, &meta, kHeaderBytes);
    if (n) copy_in(ring_, head + kHeaderBytes, window.data() + (offset - window_base), n);
    // seq_cst: pairs with the consumer's store of consumer_sleeping then load of head (Dekker).
    c.head.store(head + kHeaderBytes + align_up(n, kFrameAlign), std::memory_order_seq_cst);
    offset += n;
    return true;
}

bool RingWriter::write_abort(FrameHeader meta, size_t total) {
    auto& c = *ring_.control;
    const uint64_t head = c.head.load(std::memory_order_relaxed);
    if (c.capacity - (head - c.tail.load(std::memory_order_acquire)) < kHeaderBytes) return false;
    meta.fragment_bytes = 0;
    meta.total_bytes = uint32_t(total);
    meta.flags = uint16_t(kFrameLast | kFrameAborted);
    copy_in(ring_, head, &meta, kHeaderBytes);
    c.head.store(head + kHeaderBytes, std::memory_order_seq_cst);
    return true;
}

uint64_t RingWriter::wanted_bytes(uint64_t remaining) const {
    return min_fragment(ring_.control->capacity, remaining);
}

uint64_t write_position(RingRef ring) {
    return ring.control->head.load(std::memory_order_relaxed);
}

bool cancel_message(RingRef ring, uint64_t pos) {
    // Only a frame the consumer has not passed is still ours to touch; the producer (the caller)
    // does not overwrite it meanwhile, since it is the only writer.
    if (pos < ring.control->tail.load(std::memory_order_acquire)) return false;
    auto word = flags_word(ring, pos);
    uint32_t cur = word.load(std::memory_order_acquire);
    for (;;) {
        if ((cur >> 16) & (kFrameClaimed | kFrameCancelled)) return false;
        if (word.compare_exchange_weak(cur, cur | (uint32_t(kFrameCancelled) << 16),
                                       std::memory_order_acq_rel))
            return true;
    }
}

bool RingWriter::consumer_needs_wake() {
    auto& flag = ring_.control->consumer_sleeping;
    return flag.load(std::memory_order_seq_cst) != 0 && flag.exchange(0) != 0;
}

bool RingWriter::arm_space_wait(uint64_t wanted) {
    ring_.control->producer_waiting.store(1, std::memory_order_seq_cst);
    // A header must fit too (free_payload_bytes() is 0 both with and without room for one); seq_cst
    // load of tail: pairs with the consumer's tail store then producer_waiting load (Dekker).
    const auto& c = *ring_.control;
    if (c.capacity - (c.head.load(std::memory_order_relaxed) - c.tail.load()) >= kHeaderBytes + wanted) {
        ring_.control->producer_waiting.store(0, std::memory_order_relaxed);
        return true;
    }
    return false;
}

ReadStatus RingReader::read(Message& out) {
    auto& c = *ring_.control;
    uint64_t tail = c.tail.load(std::memory_order_relaxed);
    for (;;) {
        const uint64_t head = c.head.load(std::memory_order_acquire);
        if (head == tail) return in_partial_ ? ReadStatus::Partial : ReadStatus::Empty;
        const uint64_t avail = head - tail;
        if (avail < kHeaderBytes || avail > c.capacity) return ReadStatus::Corrupt;
        FrameHeader h;
        copy_out(ring_, tail, &h, kHeaderBytes);
        if (align_up(h.fragment_bytes, kFrameAlign) > avail - kHeaderBytes ||
            h.total_bytes > limits_.max_message_bytes)
            return ReadStatus::Corrupt;
        if (limits_.claim && (h.flags & kFrameFirst) && !in_partial_ && !skipping_ &&
            !claim_frame(ring_, tail))
            skipping_ = true; // the producer cancelled it before we got to it
        if (skipping_) {
            tail += kHeaderBytes + align_up(h.fragment_bytes, kFrameAlign);
            c.tail.store(tail, std::memory_order_seq_cst);
            if (h.flags & kFrameLast) skipping_ = false;
            continue;
        }
        if ((h.flags & kFrameAborted) && !(h.flags & kFrameFirst)) {
            // The producer gave up on this message (its client went away): drop what we have.
            if (!in_partial_ || h.request_id != partial_.meta.request_id || h.fragment_bytes != 0)
                return ReadStatus::Corrupt;
            in_partial_ = false;
            tail += kHeaderBytes;
            c.tail.store(tail, std::memory_order_seq_cst);
            continue;
        }
        if (h.flags & kFrameFirst) {
            if (in_partial_) return ReadStatus::Corrupt;
            in_partial_ = true;
            partial_.meta = h;
            partial_.payload.clear();
            partial_.payload.reserve(h.total_bytes);
        } else if (!in_partial_ || h.request_id != partial_.meta.request_id) {
            return ReadStatus::Corrupt;
        }
        const size_t have = partial_.payload.size();
        if (have + h.fragment_bytes > partial_.meta.total_bytes) return ReadStatus::Corrupt;
        append_out(ring_, tail + kHeaderBytes, partial_.payload, h.fragment_bytes);
        tail += kHeaderBytes + align_up(h.fragment_bytes, kFrameAlign);
        // seq_cst: pairs with the producer's store of producer_waiting then load of tail.
        c.tail.store(tail, std::memory_order_seq_cst);
        if (h.flags & kFrameLast) {
            if (partial_.payload.size() != partial_.meta.total_bytes) return ReadStatus::Corrupt;
            in_partial_ = false;
            out.meta = partial_.meta;
            out.meta.fragment_bytes = out.meta.total_bytes;
            out.payload.swap(partial_.payload); // hands over the bytes, keeps a buffer for next time
            return ReadStatus::Message;
        }
    }
}

bool RingReader::peek(FrameHeader& h) const {
    auto& c = *ring_.control;
    const uint64_t tail = c.tail.load(std::memory_order_relaxed);
    const uint64_t head = c.head.load(std::memory_order_acquire);
    if (head - tail < kHeaderBytes || head - tail > c.capacity) return false;
    copy_out(ring_, tail, &h, kHeaderBytes);
    return true;
}

ReadStatus RingReader::read_frame(FrameHeader& h, std::string& payload) {
    auto& c = *ring_.control;
    uint64_t tail = c.tail.load(std::memory_order_relaxed);
    const uint64_t head = c.head.load(std::memory_order_acquire);
    if (head == tail) return ReadStatus::Empty;
    const uint64_t avail = head - tail;
    if (in_partial_ || avail < kHeaderBytes || avail > c.capacity) return ReadStatus::Corrupt;
    copy_out(ring_, tail, &h, kHeaderBytes);
    if (align_up(h.fragment_bytes, kFrameAlign) > avail - kHeaderBytes) return ReadStatus::Corrupt;
    payload.resize(h.fragment_bytes);
    copy_out(ring_, tail + kHeaderBytes, payload.data(), h.fragment_bytes);
    tail += kHeaderBytes + align_up(h.fragment_bytes, kFrameAlign);
    c.tail.store(tail, std::memory_order_seq_cst);
    return ReadStatus::Message;
}

bool RingReader::producer_needs_wake() {
    auto& flag = ring_.control->producer_waiting;
    return flag.load(std::memory_order_seq_cst) != 0 && flag.exchange(0) != 0;
}

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, int timeout_ms) {
    timespec ts{timeout_ms / 1000, long(timeout_ms % 1000) * 1000000L};
    // Not FUTEX_PRIVATE: the word lives in memory shared between processes.
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT, expected,
            timeout_ms >= 0 ? &ts : nullptr, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>& word) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void wait_for_data(RingRef ring, int timeout_ms) {
    auto& c = *ring.control;
    const uint32_t seq = c.consumer_seq.load(std::memory_order_acquire);
    c.consumer_sleeping.store(1, std::memory_order_seq_cst);
    if (ring.empty()) futex_wait(c.consumer_seq, seq, timeout_ms);
    c.consumer_sleeping.store(0, std::memory_order_relaxed);
}

void wake_consumer(RingRef ring) {
    ring.control->consumer_seq.fetch_add(1, std::memory_order_release);
    futex_wake(ring.control->consumer_seq);
}

void wait_for_space(RingWriter& writer, uint64_t wanted, int timeout_ms) {
    auto& c = *writer.ring().control;
    const uint32_t seq = c.producer_seq.load(std::memory_order_acquire);
    if (writer.arm_space_wait(wanted)) return;
    futex_wait(c.producer_seq, seq, timeout_ms);
    c.producer_waiting.store(0, std::memory_order_relaxed);
}

void wake_producer(RingRef ring) {
    ring.control->producer_seq.fetch_add(1, std::memory_order_release);
    futex_wake(ring.control->producer_seq);
}

// ---------------------------------------------------------------------------------------- segment

struct Segment::Impl {
    bip::shared_memory_object object;
    bip::mapped_region region;
};

namespace {

uint64_t slot_stride(uint64_t ring_bytes) {
    return align_up(kSlotStatusBytes + 2 * sizeof(RingControl) + 2 * ring_bytes, 4096);
}

uint64_t slots_offset() {
    return align_up(sizeof(SegmentHeader), 4096);
}

} // namespace

std::string segment_name(int master_pid) {
    return "turbo-" + std::to_string(master_pid);
}

Segment Segment::create(const Config& config, int master_pid) {
    if (auto err = validate(config); !err.empty()) throw std::invalid_argument("shared memory: " + err);
    Segment s;
    s.name_ = segment_name(master_pid);
    s.impl_ = std::make_unique<Impl>();
    bip::permissions perm;
    perm.set_permissions(0600);
    bip::shared_memory_object::remove(s.name_.c_str()); // a leftover of a dead master with our pid
    s.impl_->object = bip::shared_memory_object(bip::create_only, s.name_.c_str(), bip::read_write, perm);
    s.owner_ = true;
    const uint64_t stride = slot_stride(config.ring_bytes);
    const uint64_t rate_limit_offset = slots_offset() + stride * config.slot_count;
    const uint64_t rate_limit_bytes = rate_limit_block_bytes(config.rate_limit_buckets);
    const uint64_t total = rate_limit_offset + align_up(rate_limit_bytes, 4096);
    s.impl_->object.truncate(bip::offset_t(total));
    s.impl_->region = bip::mapped_region(s.impl_->object, bip::read_write);
    s.base_ = static_cast<std::byte*>(s.impl_->region.get_address());

    // A fresh ftruncate'd object reads as zeros; placement-new the atomics for form's sake.
    auto* h = new (s.base_) SegmentHeader{};
    h->version = kVersion;
    h->slot_count = config.slot_count;
    h->ring_bytes = config.ring_bytes;
    h->slot_stride = stride;
    h->total_bytes = total;
    h->master_pid = master_pid;
    h->rate_limit_buckets = config.rate_limit_buckets;
    h->rate_limit_offset = rate_limit_offset;
    h->rate_limit_bytes = rate_limit_bytes;
    for (uint32_t i = 0; i < config.slot_count; ++i) {
        new (&s.status(i)) SlotStatus{};
        for (RingRef r : {s.request_ring(i), s.response_ring(i)}) {
            new (r.control) RingControl{};
            r.control->capacity = config.ring_bytes;
        }
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
    h->magic = kMagic; // last: a reader that sees the magic sees an initialised segment
    return s;
}

Segment Segment::open(const std::string& name) {
    Segment s;
    s.name_ = name;
    s.impl_ = std::make_unique<Impl>();
    s.impl_->object = bip::shared_memory_object(bip::open_only, name.c_str(), bip::read_write);
    s.impl_->region = bip::mapped_region(s.impl_->object, bip::read_write);
    s.base_ = static_cast<std::byte*>(s.impl_->region.get_address());
    const auto size = s.impl_->region.get_size();
    if (size < sizeof(SegmentHeader)) throw std::runtime_error("shared memory " + name + " is too small");
    const auto& h = s.header();
    if (h.magic != kMagic) throw std::runtime_error("shared memory " + name + " has a bad magic number");
    if (h.version != kVersion)
        throw std::runtime_error("shared memory " + name + " has layout version " +
                                 std::to_string(h.version) + ", this binary expects " +
                                 std::to_string(kVersion));
    const Config config{
        .ring_bytes = h.ring_bytes, .slot_count = h.slot_count, .rate_limit_buckets = h.rate_limit_buckets};
    if (!validate(config).empty() || h.total_bytes != size || h.slot_stride != slot_stride(h.ring_bytes) ||
        h.rate_limit_offset != slots_offset() + h.slot_stride * h.slot_count ||
        h.rate_limit_bytes != rate_limit_block_bytes(h.rate_limit_buckets) ||
        h.rate_limit_offset + align_up(h.rate_limit_bytes, 4096) != size)
        throw std::runtime_error("shared memory " + name + " has inconsistent sizes");
    return s;
}

Segment::Segment(Segment&& o) noexcept
    : impl_(std::move(o.impl_)), name_(std::move(o.name_)), base_(o.base_), owner_(o.owner_) {
    o.base_ = nullptr;
    o.owner_ = false;
}

Segment& Segment::operator=(Segment&& o) noexcept {
    if (this != &o) {
        this->~Segment();
        new (this) Segment(std::move(o));
    }
    return *this;
}

Segment::~Segment() {
    remove_name();
}

void Segment::remove_name() {
    if (owner_) {
        bip::shared_memory_object::remove(name_.c_str());
        owner_ = false;
    }
}

SegmentHeader& Segment::header() const {
    return *reinterpret_cast<SegmentHeader*>(base_);
}

SlotStatus& Segment::status(uint32_t slot) const {
    return *reinterpret_cast<SlotStatus*>(base_ + slots_offset() + header().slot_stride * slot);
}

RingRef Segment::request_ring(uint32_t slot) const {
    std::byte* s = base_ + slots_offset() + header().slot_stride * slot;
    auto* ctl = reinterpret_cast<RingControl*>(s + kSlotStatusBytes);
    return {ctl, s + kSlotStatusBytes + 2 * sizeof(RingControl)};
}

RingRef Segment::response_ring(uint32_t slot) const {
    std::byte* s = base_ + slots_offset() + header().slot_stride * slot;
    auto* ctl = reinterpret_cast<RingControl*>(s + kSlotStatusBytes + sizeof(RingControl));
    return {ctl, s + kSlotStatusBytes + 2 * sizeof(RingControl) + header().ring_bytes};
}

std::span<std::byte> Segment::rate_limit_block() const {
    return {base_ + header().rate_limit_offset, size_t(header().rate_limit_bytes)};
}

std::vector<std::string> sweep_stale_segments() {
    std::vector<std::string> removed;
    DIR* dir = opendir("/dev/shm");
    if (!dir) return removed;
    while (dirent* e = readdir(dir)) {
        std::string_view n = e->d_name;
        if (!n.starts_with("turbo-")) continue;
        const auto digits = n.substr(6);
        if (digits.empty() ||
            !std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
            continue;
        const long pid = std::strtol(std::string(digits).c_str(), nullptr, 10);
        if (pid <= 0 || (kill(pid_t(pid), 0) == -1 && errno == ESRCH)) {
            bip::shared_memory_object::remove(std::string(n).c_str());
            removed.emplace_back(n);
        }
    }
    closedir(dir);
    return removed;
}

} // namespace turbo::shm
