// Unit tests of the shared-memory rings, segment and message encodings.
//
// This file is compiled twice: normally, and with TURBO_TEST_TINY_RING=1, where
// `shm::Config{}.ring_bytes` is 256. Every ring size below comes from `shm::Config{}` so that the
// tiny build drives every wrap-around and fragmentation boundary with small messages.
#include "shm/shm.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace shm = turbo::shm;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

const uint64_t kRing = shm::Config{}.ring_bytes;
constexpr uint64_t kHdr = sizeof(shm::FrameHeader);

uint64_t align8(uint64_t n) {
    return (n + 7) & ~uint64_t(7);
}

long elapsed_ms(Clock::time_point since) {
    return long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// A ring in private memory: a RingControl and a data area, like one half of a slot.
struct LocalRing {
    explicit LocalRing(uint64_t cap = kRing) : control(std::make_unique<shm::RingControl>()), data(cap) {
        control->capacity = cap;
    }
    shm::RingRef ref() { return {control.get(), data.data()}; }
    uint64_t head() const { return control->head.load(); }
    uint64_t tail() const { return control->tail.load(); }

    // Writes a raw frame (header + payload, padded) at the head, bypassing RingWriter.
    void put_raw(const shm::FrameHeader& h, std::string_view payload = {}) {
        put_bytes(head(), &h, kHdr);
        put_bytes(head() + kHdr, payload.data(), payload.size());
        control->head.store(head() + kHdr + align8(payload.size()));
    }
    void put_bytes(uint64_t pos, const void* src, size_t n) {
        for (size_t i = 0; i < n; ++i)
            data[(pos + i) & (control->capacity - 1)] = static_cast<const std::byte*>(src)[i];
    }

    std::unique_ptr<shm::RingControl> control;
    std::vector<std::byte> data;
};

std::span<const std::byte> bytes_of(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

shm::FrameHeader meta_for(uint64_t request_id, shm::MessageKind kind = shm::MessageKind::Request) {
    shm::FrameHeader m{};
    m.kind = uint16_t(kind);
    m.generation = 7;
    m.request_id = request_id;
    m.conn_id = request_id * 3 + 1;
    return m;
}

// Pseudo-random bytes: a random slice of a fixed noise buffer (generating bytes one by one is slow
// for the megabyte messages of the normal build). The first 8 bytes are random too.
std::string random_payload(std::mt19937_64& rng, size_t n) {
    static const std::string noise = [] {
        std::string s(4096 + 10 * kRing + 64, '\0');
        std::mt19937_64 g(12345);
        for (size_t i = 0; i + 8 <= s.size(); i += 8) {
            const uint64_t v = g();
            std::memcpy(s.data() + i, &v, 8);
        }
        return s;
    }();
    std::string s(noise.data() + rng() % 4096, n);
    const uint64_t v = rng();
    std::memcpy(s.data(), &v, std::min<size_t>(8, n));
    return s;
}

// Writes a whole message; the ring must have room for all of it (no reader in between).
void write_whole(shm::RingWriter& w, const shm::FrameHeader& meta, const std::string& payload) {
    size_t off = 0;
    do {
        REQUIRE(w.write(meta, bytes_of(payload), off));
    } while (off < payload.size());
}

// Passes one message of any size through the ring, alternating writer and reader.
// Returns the number of fragments written.
int pump(shm::RingWriter& w, shm::RingReader& r, const shm::FrameHeader& meta, const std::string& payload,
         shm::Message& out) {
    size_t off = 0;
    bool done_writing = false;
    int fragments = 0;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        if (!done_writing && w.write(meta, bytes_of(payload), off)) {
            ++fragments;
            done_writing = off == payload.size();
            continue;
        }
        const auto st = r.read(out);
        REQUIRE(st != shm::ReadStatus::Corrupt);
        if (st == shm::ReadStatus::Message) {
            REQUIRE(done_writing);
            return fragments;
        }
        REQUIRE(
            !(st == shm::ReadStatus::Empty && !done_writing && off > 0)); // Partial while a message is open
    }
    FAIL("pump made no progress");
    return fragments;
}

// Cheap word-wise checksum (FNV-style mixing of 8-byte words).
uint64_t checksum(const char* p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < n; ++i)
        h = (h ^ uint8_t(p[i])) * 0x100000001b3ULL;
    return h;
}

shm::Message read_one(shm::RingReader& r) {
    shm::Message m;
    REQUIRE(r.read(m) == shm::ReadStatus::Message);
    return m;
}

} // namespace

// ============================================================================================ rings

TEST_CASE("ring: single small message round trip", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    const std::string payload = "hello, ring";
    size_t off = 0;
    REQUIRE(w.write(meta_for(42), bytes_of(payload), off));
    REQUIRE(off == payload.size());
    CHECK(ring.head() == kHdr + align8(payload.size()));
    CHECK_FALSE(ring.ref().empty());

    shm::Message m;
    REQUIRE(r.read(m) == shm::ReadStatus::Message);
    CHECK(m.payload == payload);
    CHECK(m.meta.kind == uint16_t(shm::MessageKind::Request));
    CHECK(m.meta.generation == 7);
    CHECK(m.meta.request_id == 42);
    CHECK(m.meta.conn_id == 127);
    CHECK(m.meta.total_bytes == payload.size());
    CHECK(m.meta.fragment_bytes == payload.size());
    CHECK(m.meta.flags == (shm::kFrameFirst | shm::kFrameLast));
    CHECK(ring.tail() == ring.head());
    CHECK(ring.ref().empty());
    CHECK(r.read(m) == shm::ReadStatus::Empty);
}

TEST_CASE("ring: empty message is one header", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    const std::string empty;
    size_t off = 0;
    REQUIRE(w.write(meta_for(1, shm::MessageKind::Cancel), bytes_of(empty), off));
    CHECK(off == 0);
    CHECK(ring.head() == kHdr);
    shm::Message m;
    m.payload = "stale";
    REQUIRE(r.read(m) == shm::ReadStatus::Message);
    CHECK(m.payload.empty());
    CHECK(m.meta.kind == uint16_t(shm::MessageKind::Cancel));
    CHECK(m.meta.total_bytes == 0);
    CHECK(m.meta.flags == (shm::kFrameFirst | shm::kFrameLast));
    CHECK(r.read(m) == shm::ReadStatus::Empty);
}

TEST_CASE("ring: message exactly filling the ring", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    std::mt19937_64 rng(1);

    uint64_t start = 0;
    SECTION("at position 0") {
        start = 0;
    }
    SECTION("wrapping: starts 40 bytes in") {
        start = 40;
    }
    SECTION("wrapping: header straddles the end") {
        start = kRing - 16;
    }
    SECTION("wrapping: payload starts exactly at the end") {
        start = kRing - kHdr;
    }
    ring.control->head = start;
    ring.control->tail = start;

    const std::string payload = random_payload(rng, kRing - kHdr);
    size_t off = 0;
    REQUIRE(w.write(meta_for(9), bytes_of(payload), off));
    REQUIRE(off == payload.size()); // one fragment
    CHECK(ring.head() - ring.tail() == kRing);
    CHECK(w.free_payload_bytes() == 0);
    const std::string empty;
    size_t off2 = 0;
    CHECK_FALSE(w.write(meta_for(10), bytes_of(empty), off2)); // not even a header fits

    auto m = read_one(r);
    CHECK(m.payload == payload);
    CHECK(m.meta.flags == (shm::kFrameFirst | shm::kFrameLast));
    CHECK(ring.ref().empty());
    CHECK(w.free_payload_bytes() == kRing - kHdr);
}

TEST_CASE("ring: message one byte over a full ring takes two fragments", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    std::mt19937_64 rng(2);
    const std::string payload = random_payload(rng, kRing - kHdr + 1);
    size_t off = 0;
    REQUIRE(w.write(meta_for(3), bytes_of(payload), off));
    CHECK(off == kRing - kHdr);
    CHECK_FALSE(w.write(meta_for(3), bytes_of(payload), off)); // full
    shm::Message m;
    CHECK(r.read(m) == shm::ReadStatus::Partial);
    REQUIRE(w.write(meta_for(3), bytes_of(payload), off));
    CHECK(off == payload.size());
    REQUIRE(r.read(m) == shm::ReadStatus::Message);
    CHECK(m.payload == payload);
    CHECK(m.meta.fragment_bytes == payload.size());
    CHECK(m.meta.flags == shm::kFrameFirst); // documented: the first fragment's header
}

TEST_CASE("ring: wrap-around many times with varying sizes", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    std::mt19937_64 rng(3);
    std::deque<std::string> expected;
    uint64_t id = 0, next_read = 0, messages = 0;
    // Enough traffic to wrap at least 200 times; every size from 0 to ring/2 appears.
    while (ring.head() < 200 * kRing) {
        // Write until the ring refuses (sizes never need fragmenting while the ring is empty).
        for (;;) {
            const std::string p = random_payload(rng, (id * 13 + id / 7) % (kRing / 2 + 1));
            if (kRing - (ring.head() - ring.tail()) < kHdr + align8(p.size())) break; // needs one fragment
            write_whole(w, meta_for(id), p);
            expected.push_back(p);
            ++id;
        }
        // Read a random number of messages (at least one).
        const uint64_t n = 1 + rng() % expected.size();
        for (uint64_t i = 0; i < n; ++i) {
            auto m = read_one(r);
            REQUIRE(m.meta.request_id == next_read);
            REQUIRE(m.payload == expected.front());
            expected.pop_front();
            ++next_read;
            ++messages;
        }
    }
    while (!expected.empty()) {
        auto m = read_one(r);
        REQUIRE(m.payload == expected.front());
        expected.pop_front();
    }
    shm::Message m;
    CHECK(r.read(m) == shm::ReadStatus::Empty);
    CHECK(messages > 200);
}

TEST_CASE("ring: full ring refuses writes, then proceeds after reads", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    const std::string p(8, 'x');
    uint64_t written = 0;
    for (;;) {
        size_t off = 0;
        if (!w.write(meta_for(written), bytes_of(p), off)) {
            CHECK(off == 0);
            break;
        }
        ++written;
    }
    CHECK(written == kRing / (kHdr + 8));
    const uint64_t head = ring.head();
    CHECK(kRing - (head - ring.tail()) < kHdr + 8);

    // Still refused, and nothing moves.
    size_t off = 0;
    CHECK_FALSE(w.write(meta_for(999), bytes_of(p), off));
    CHECK(ring.head() == head);

    // A big message is refused too: less than a worthwhile fragment (ring/8) is free.
    const std::string big(4 * kRing, 'b');
    CHECK(w.wanted_bytes(big.size()) == kRing / 8);
    CHECK(w.free_payload_bytes() < w.wanted_bytes(big.size()));
    CHECK_FALSE(w.write(meta_for(999), bytes_of(big), off));

    // One read frees one frame: the same message fits again.
    auto m = read_one(r);
    CHECK(m.meta.request_id == 0);
    off = 0;
    REQUIRE(w.write(meta_for(written), bytes_of(p), off));
    ++written;
    for (uint64_t i = 1; i < written; ++i)
        CHECK(read_one(r).meta.request_id == i);
    CHECK(r.read(m) == shm::ReadStatus::Empty);
}

TEST_CASE("ring: message 10x the ring passes when reader and writer alternate", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    std::mt19937_64 rng(4);
    const std::string payload = random_payload(rng, 10 * kRing + 3);
    shm::Message m;
    const int fragments = pump(w, r, meta_for(77, shm::MessageKind::Response), payload, m);
    CHECK(fragments >= 10);
    CHECK(m.payload == payload);
    CHECK(m.meta.request_id == 77);
    CHECK(m.meta.total_bytes == payload.size());
    CHECK(m.meta.kind == uint16_t(shm::MessageKind::Response));

    // And the ring is in a clean state for the next message.
    const std::string small = "after";
    pump(w, r, meta_for(78), small, m);
    CHECK(m.payload == small);
    CHECK(r.read(m) == shm::ReadStatus::Empty);
}

TEST_CASE("ring: random sizes with random interleaving and checksums", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    std::mt19937_64 rng(5);
    const uint64_t total = 20000;
    uint64_t next_write = 0, next_read = 0;
    std::string cur;
    uint64_t cur_sum = 0;
    size_t off = 0;
    bool open = false;
    std::deque<uint64_t> sizes;
    shm::Message m;
    while (next_read < total) {
        if (!open && next_write < total) {
            const uint64_t k = rng() % 100;
            const uint64_t k2 = rng() % 1000;
            const size_t n = k < 80     ? rng() % 64
                             : k < 99   ? rng() % std::min<uint64_t>(kRing + 1, 16384)
                             : k2 < 500 ? rng() % std::min<uint64_t>(2 * kRing + 1, 65536)
                                        : rng() % (3 * kRing + 1); // 0.5%: up to 3 rings
            cur = random_payload(rng, n);
            cur_sum = checksum(cur.data(), cur.size());
            off = 0;
            open = true;
        }
        if (open && rng() % 3 != 0) {
            auto meta = meta_for(next_write);
            meta.conn_id = cur_sum;
            if (w.write(meta, bytes_of(cur), off) && off == cur.size()) {
                sizes.push_back(cur.size());
                ++next_write;
                open = false;
            }
            continue;
        }
        const auto st = r.read(m);
        REQUIRE(st != shm::ReadStatus::Corrupt);
        if (st == shm::ReadStatus::Message) {
            REQUIRE(m.meta.request_id == next_read);
            REQUIRE(m.payload.size() == sizes.front());
            REQUIRE(checksum(m.payload.data(), m.payload.size()) == m.meta.conn_id);
            sizes.pop_front();
            ++next_read;
        }
    }
    CHECK(r.read(m) == shm::ReadStatus::Empty);
}

TEST_CASE("ring: reader reports Corrupt for bogus frames", "[shm][ring]") {
    LocalRing ring;
    shm::RingReader r(ring.ref(), shm::RingReader::Limits{1000});
    shm::Message m;
    shm::FrameHeader h = meta_for(5);
    h.flags = shm::kFrameFirst | shm::kFrameLast;
    h.fragment_bytes = 8;
    h.total_bytes = 8;
    const std::string eight(8, 'e');
    uint64_t expect_tail = 0;

    SECTION("fragment_bytes larger than available") {
        ring.put_raw(h, eight);
        ring.control->head = ring.head() - 8; // the payload is not published
    }
    SECTION("fewer bytes than a header available") {
        ring.control->head = 16;
    }
    SECTION("more bytes than the capacity available") {
        ring.control->head = kRing + 8;
    }
    SECTION("non-first fragment with no message in progress") {
        h.flags = shm::kFrameLast;
        ring.put_raw(h, eight);
    }
    SECTION("middle fragment with no message in progress") {
        h.flags = 0;
        ring.put_raw(h, eight);
    }
    SECTION("first fragment while a message is in progress") {
        h.flags = shm::kFrameFirst;
        h.total_bytes = 16;
        ring.put_raw(h, eight);
        REQUIRE(r.read(m) == shm::ReadStatus::Partial);
        expect_tail = ring.tail();
        ring.put_raw(h, eight);
    }
    SECTION("continuation of another request") {
        h.flags = shm::kFrameFirst;
        h.total_bytes = 16;
        ring.put_raw(h, eight);
        REQUIRE(r.read(m) == shm::ReadStatus::Partial);
        expect_tail = ring.tail();
        h.flags = shm::kFrameLast;
        h.request_id = 6;
        ring.put_raw(h, eight);
    }
    SECTION("fragments exceed total_bytes") {
        h.total_bytes = 4;
        ring.put_raw(h, eight);
    }
    SECTION("last fragment before total_bytes arrived") {
        h.total_bytes = 16;
        ring.put_raw(h, eight);
        expect_tail = ~uint64_t(0); // consumed, then found short
    }
    SECTION("total_bytes over the limit") {
        h.total_bytes = 1001;
        h.flags = shm::kFrameFirst;
        ring.put_raw(h, eight);
    }
    REQUIRE(r.read(m) == shm::ReadStatus::Corrupt);
    if (expect_tail != ~uint64_t(0)) CHECK(ring.tail() == expect_tail); // the bad frame is not consumed
    CHECK(m.payload.empty());
}

TEST_CASE("ring: frames from a foreign writer with every flag combination", "[shm][ring]") {
    // A reader accepts any well-formed fragment sequence, not only RingWriter's split points.
    LocalRing ring;
    shm::RingReader r(ring.ref(), {});
    shm::FrameHeader h = meta_for(11);
    h.total_bytes = 10;
    h.flags = shm::kFrameFirst;
    h.fragment_bytes = 3;
    ring.put_raw(h, "abc");
    h.flags = 0;
    h.fragment_bytes = 0;
    ring.put_raw(h);
    h.fragment_bytes = 4;
    ring.put_raw(h, "defg");
    h.flags = shm::kFrameLast;
    h.fragment_bytes = 3;
    ring.put_raw(h, "hij");
    auto m = read_one(r);
    CHECK(m.payload == "abcdefghij");
    CHECK(m.meta.fragment_bytes == 10);
}

TEST_CASE("ring: reset of ring and reader after a producer died mid-message", "[shm][ring]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    const std::string big(3 * kRing, 'q');
    size_t off = 0;
    REQUIRE(w.write(meta_for(1), bytes_of(big), off));
    shm::Message m;
    REQUIRE(r.read(m) == shm::ReadStatus::Partial);
    REQUIRE(w.write(meta_for(1), bytes_of(big), off)); // more of it, then the producer "dies"
    ring.control->consumer_sleeping = 1;
    ring.control->producer_waiting = 1;
    const uint32_t cseq = ring.control->consumer_seq, pseq = ring.control->producer_seq;

    ring.ref().reset();
    r.reset();
    CHECK(ring.head() == 0);
    CHECK(ring.tail() == 0);
    CHECK(ring.control->consumer_sleeping == 0);
    CHECK(ring.control->producer_waiting == 0);
    CHECK(ring.control->consumer_seq != cseq); // a sleeper is not left waiting on the old value
    CHECK(ring.control->producer_seq != pseq);
    CHECK(ring.ref().capacity() == kRing);
    CHECK(r.read(m) == shm::ReadStatus::Empty);

    shm::RingWriter w2(ring.ref());
    const std::string p = "fresh";
    write_whole(w2, meta_for(2), p);
    m = read_one(r);
    CHECK(m.payload == p);
    CHECK(m.meta.request_id == 2);
}

// ========================================================================================== wakeups

TEST_CASE("ring: consumer_needs_wake / producer_needs_wake flag protocol", "[shm][wake]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});

    SECTION("consumer flag: reported once, then cleared") {
        CHECK_FALSE(w.consumer_needs_wake());
        ring.control->consumer_sleeping = 1;
        CHECK(w.consumer_needs_wake());
        CHECK(ring.control->consumer_sleeping == 0);
        CHECK_FALSE(w.consumer_needs_wake());
    }
    SECTION("producer flag: armed on a full ring, reported once, then cleared") {
        CHECK_FALSE(r.producer_needs_wake());
        const std::string p(kRing - kHdr, 'f');
        write_whole(w, meta_for(1), p);
        CHECK_FALSE(w.arm_space_wait(8)); // no space: the flag stays set
        CHECK(ring.control->producer_waiting == 1);
        read_one(r);
        CHECK(r.producer_needs_wake());
        CHECK(ring.control->producer_waiting == 0);
        CHECK_FALSE(r.producer_needs_wake());
    }
    SECTION("arm_space_wait with enough space returns true and leaves the flag clear") {
        CHECK(w.arm_space_wait(kRing / 8));
        CHECK(ring.control->producer_waiting == 0);
        CHECK(w.arm_space_wait(kRing - kHdr));
        CHECK_FALSE(w.arm_space_wait(kRing - kHdr + 8));
        CHECK(r.producer_needs_wake());
    }
    SECTION("wait_for_data leaves the sleeping flag clear after a timeout") {
        shm::wait_for_data(ring.ref(), 1);
        CHECK(ring.control->consumer_sleeping == 0);
        CHECK_FALSE(w.consumer_needs_wake());
    }
}

TEST_CASE("ring: wait_for_data times out with no data", "[shm][wake]") {
    LocalRing ring;
    const auto t0 = Clock::now();
    shm::wait_for_data(ring.ref(), 50);
    const long ms = elapsed_ms(t0);
    CHECK(ms >= 45);
    CHECK(ms < 1000);
}

TEST_CASE("ring: wait_for_data returns at once when data is there", "[shm][wake]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    write_whole(w, meta_for(1), "x");
    const auto t0 = Clock::now();
    shm::wait_for_data(ring.ref(), 5000);
    CHECK(elapsed_ms(t0) < 100);
    CHECK(ring.control->consumer_sleeping == 0);
}

TEST_CASE("ring: wait_for_data returns promptly when another thread pushes and wakes", "[shm][wake]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    std::atomic<long> waited_ms{-1};
    std::thread consumer([&] {
        const auto t0 = Clock::now();
        shm::wait_for_data(ring.ref(), 10000);
        waited_ms = elapsed_ms(t0);
    });
    // Wait until the consumer has declared itself asleep, then publish.
    const auto t0 = Clock::now();
    while (ring.control->consumer_sleeping.load() == 0 && elapsed_ms(t0) < 5000)
        std::this_thread::yield();
    std::this_thread::sleep_for(20ms); // let it reach the futex
    write_whole(w, meta_for(1), "wake up");
    const bool needs = w.consumer_needs_wake();
    CHECK(needs);
    if (needs) shm::wake_consumer(ring.ref());
    consumer.join();
    CHECK(waited_ms >= 15);
    CHECK(waited_ms < 1000);
    CHECK(ring.control->consumer_sleeping == 0);
}

TEST_CASE("ring: wait_for_space times out on a full ring and wakes when the consumer reads", "[shm][wake]") {
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    shm::RingReader r(ring.ref(), {});
    const std::string p(kRing - kHdr, 'f');
    write_whole(w, meta_for(1), p);
    const uint64_t wanted = w.wanted_bytes(100);

    SECTION("timeout") {
        const auto t0 = Clock::now();
        shm::wait_for_space(w, wanted, 50);
        const long ms = elapsed_ms(t0);
        CHECK(ms >= 45);
        CHECK(ms < 1000);
        CHECK(ring.control->producer_waiting == 0);
    }
    SECTION("woken by the consumer") {
        std::atomic<long> waited_ms{-1};
        std::thread producer([&] {
            const auto t0 = Clock::now();
            shm::wait_for_space(w, wanted, 10000);
            waited_ms = elapsed_ms(t0);
        });
        const auto t0 = Clock::now();
        while (ring.control->producer_waiting.load() == 0 && elapsed_ms(t0) < 5000)
            std::this_thread::yield();
        std::this_thread::sleep_for(20ms);
        read_one(r);
        const bool needs = r.producer_needs_wake();
        CHECK(needs);
        if (needs) shm::wake_producer(ring.ref());
        producer.join();
        CHECK(waited_ms >= 15);
        CHECK(waited_ms < 1000);
        CHECK(w.free_payload_bytes() >= wanted);
    }
}

TEST_CASE("ring: wait_for_space for an empty message blocks while not even a header fits", "[shm][wake]") {
    // A 0-byte message (e.g. a Cancel) needs a header's worth of space. When less than that is
    // free, write() refuses, so waiting for it must block rather than report "space appeared".
    LocalRing ring;
    shm::RingWriter w(ring.ref());
    const std::string p(kRing - kHdr - 24, 'f'); // leaves 24 bytes free
    write_whole(w, meta_for(1), p);
    REQUIRE(kRing - (ring.head() - ring.tail()) == 24);
    const std::string empty;
    size_t off = 0;
    REQUIRE_FALSE(w.write(meta_for(2, shm::MessageKind::Cancel), bytes_of(empty), off));
    const uint64_t wanted = w.wanted_bytes(0);
    CHECK_FALSE(w.arm_space_wait(wanted)); // otherwise a producer busy-loops: retry, refused, retry...
    const auto t0 = Clock::now();
    shm::wait_for_space(w, wanted, 50);
    CHECK(elapsed_ms(t0) >= 45);
}

// ========================================================================================= segment

namespace {

std::string dev_shm(const std::string& name) {
    return "/dev/shm/" + name;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

int dead_pid() {
    int pid_max = 32768;
    std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
    for (int pid = pid_max - 1; pid > 300; --pid)
        if (::kill(pid, 0) == -1 && errno == ESRCH) return pid;
    return -1;
}

// A plain shm object with `size` zero bytes (not created through Segment).
void make_raw_shm(const std::string& name, size_t size) {
    const int fd = ::shm_open(("/" + name).c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, off_t(size)) == 0);
    ::close(fd);
}

shm::Config small_config() {
    shm::Config c;
    c.slot_count = 3;
    return c;
}

} // namespace

TEST_CASE("segment: validate", "[shm][segment]") {
    CHECK(shm::validate(shm::Config{}).empty());
    shm::Config c;
    for (uint64_t bad :
         {0ull, 1ull, 8ull, 128ull, 255ull, 300ull, 384ull, 1000ull, (1ull << 20) + 64, 1ull << 31}) {
        c.ring_bytes = bad;
        INFO("ring_bytes " << bad);
        CHECK_FALSE(shm::validate(c).empty());
        CHECK_THROWS_AS(shm::Segment::create(c, ::getpid()), std::invalid_argument);
    }
    for (uint64_t good : {256ull, 512ull, 4096ull, 1ull << 20, 1ull << 30}) {
        c.ring_bytes = good;
        INFO("ring_bytes " << good);
        CHECK(shm::validate(c).empty());
    }
    c = shm::Config{};
    c.slot_count = 0;
    CHECK_FALSE(shm::validate(c).empty());
    c.slot_count = 4097;
    CHECK_FALSE(shm::validate(c).empty());
    c.slot_count = 4096;
    CHECK(shm::validate(c).empty());
    CHECK_FALSE(exists(dev_shm(shm::segment_name(::getpid()))));
}

TEST_CASE("segment: the rate-limit block after the slots", "[shm][segment]") {
    shm::Config c = small_config();
    for (uint32_t bad : {0u, 8u, 15u, 100u, (1u << 24) + 1, 1u << 25}) {
        c.rate_limit_buckets = bad;
        INFO("rate_limit_buckets " << bad);
        CHECK_FALSE(shm::validate(c).empty());
    }
    c.rate_limit_buckets = 1024;
    REQUIRE(shm::validate(c).empty());
    auto seg = shm::Segment::create(c, ::getpid());
    const auto block = seg.rate_limit_block();
    CHECK(block.size() == shm::rate_limit_block_bytes(1024));
    CHECK(block.size() == 64 + 1024 * 16);
    CHECK(reinterpret_cast<uintptr_t>(block.data()) % 4096 == 0);
    const auto* last_ring = seg.response_ring(c.slot_count - 1).data;
    CHECK(block.data() >= last_ring + c.ring_bytes); // after every slot
    CHECK(seg.header().rate_limit_offset + ((block.size() + 4095) & ~uint64_t(4095)) ==
          seg.header().total_bytes);
    CHECK(std::all_of(block.begin(), block.end(), [](std::byte b) { return b == std::byte{0}; }));
    block[0] = std::byte{42}; // shared: a worker opening the segment by name sees it
    auto opened = shm::Segment::open(seg.name());
    CHECK(opened.rate_limit_block().size() == block.size());
    CHECK(opened.rate_limit_block()[0] == std::byte{42});
}

TEST_CASE("segment: create, open by name, layout", "[shm][segment]") {
    const auto config = small_config();
    const std::string name = shm::segment_name(::getpid());
    CHECK(name == "turbo-" + std::to_string(::getpid()));
    {
        auto seg = shm::Segment::create(config, ::getpid());
        CHECK(seg.name() == name);
        REQUIRE(exists(dev_shm(name)));
        struct stat st {};
        REQUIRE(::stat(dev_shm(name).c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0600);
        CHECK(uint64_t(st.st_size) == seg.header().total_bytes);

        const auto& h = seg.header();
        CHECK(h.magic == shm::kMagic);
        CHECK(h.version == shm::kVersion);
        CHECK(h.slot_count == config.slot_count);
        CHECK(h.ring_bytes == config.ring_bytes);
        CHECK(h.master_pid == ::getpid());
        CHECK(h.master_sleeping == 0);

        auto opened = shm::Segment::open(name);
        const auto& o = opened.header();
        CHECK(opened.name() == name);
        CHECK(o.magic == shm::kMagic);
        CHECK(o.version == shm::kVersion);
        CHECK(opened.slot_count() == config.slot_count);
        CHECK(o.ring_bytes == h.ring_bytes);
        CHECK(o.slot_stride == h.slot_stride);
        CHECK(o.total_bytes == h.total_bytes);
        CHECK(o.master_pid == ::getpid());

        // Every ring is empty, sized, aligned, inside the segment and disjoint from the others.
        const auto* base = reinterpret_cast<const std::byte*>(&seg.header());
        const auto* end = base + h.total_bytes;
        std::vector<std::pair<const std::byte*, const std::byte*>> areas;
        for (uint32_t i = 0; i < seg.slot_count(); ++i) {
            auto& st_i = seg.status(i);
            CHECK(reinterpret_cast<uintptr_t>(&st_i) % shm::kCacheLine == 0);
            CHECK(st_i.pid == 0);
            CHECK(st_i.state == uint32_t(shm::WorkerState::Empty));
            areas.emplace_back(reinterpret_cast<const std::byte*>(&st_i),
                               reinterpret_cast<const std::byte*>(&st_i) + sizeof(shm::SlotStatus));
            for (auto ring : {seg.request_ring(i), seg.response_ring(i)}) {
                CHECK(ring.capacity() == config.ring_bytes);
                CHECK(ring.empty());
                CHECK(reinterpret_cast<uintptr_t>(ring.control) % shm::kCacheLine == 0);
                CHECK(reinterpret_cast<uintptr_t>(ring.data) % shm::kFrameAlign == 0);
                areas.emplace_back(reinterpret_cast<const std::byte*>(ring.control),
                                   reinterpret_cast<const std::byte*>(ring.control) +
                                       sizeof(shm::RingControl));
                areas.emplace_back(ring.data, ring.data + ring.capacity());
            }
        }
        areas.emplace_back(base, base + sizeof(shm::SegmentHeader));
        std::sort(areas.begin(), areas.end());
        for (size_t i = 0; i < areas.size(); ++i) {
            CHECK(areas[i].first >= base);
            CHECK(areas[i].second <= end);
            if (i + 1 < areas.size()) CHECK(areas[i].second <= areas[i + 1].first);
        }

        // Both mappings see the same memory: a message written through one reads through the other.
        for (uint32_t i = 0; i < seg.slot_count(); ++i) {
            shm::RingWriter w(seg.request_ring(i));
            shm::RingReader r(opened.request_ring(i), {});
            write_whole(w, meta_for(i), "to slot " + std::to_string(i));
            shm::RingWriter w2(opened.response_ring(i));
            shm::RingReader r2(seg.response_ring(i), {});
            write_whole(w2, meta_for(i), "from slot " + std::to_string(i));
            CHECK(read_one(r).payload == "to slot " + std::to_string(i));
            CHECK(read_one(r2).payload == "from slot " + std::to_string(i));
        }
        opened.status(1).heartbeat_ms = 1234;
        CHECK(seg.status(1).heartbeat_ms == 1234);
        CHECK(seg.status(0).heartbeat_ms == 0);
        CHECK(seg.status(2).heartbeat_ms == 0);
    }
    CHECK_FALSE(exists(dev_shm(name))); // the owner removed the name
}

TEST_CASE("segment: name removal, moves and ownership", "[shm][segment]") {
    const std::string name = shm::segment_name(::getpid());
    SECTION("remove_name is immediate and idempotent; the mapping stays valid") {
        auto seg = shm::Segment::create(small_config(), ::getpid());
        seg.remove_name();
        CHECK_FALSE(exists(dev_shm(name)));
        seg.remove_name();
        CHECK(seg.header().magic == shm::kMagic);
        CHECK_THROWS(shm::Segment::open(name));
    }
    SECTION("an opener does not remove the name") {
        auto seg = shm::Segment::create(small_config(), ::getpid());
        { auto opened = shm::Segment::open(name); }
        CHECK(exists(dev_shm(name)));
    }
    SECTION("move construction and assignment keep exactly one owner") {
        auto a = shm::Segment::create(small_config(), ::getpid());
        {
            shm::Segment b(std::move(a));
            CHECK(b.header().magic == shm::kMagic);
            CHECK(exists(dev_shm(name)));
        }
        CHECK_FALSE(exists(dev_shm(name)));
        a = shm::Segment::create(small_config(), ::getpid()); // assign into a moved-from segment
        CHECK(exists(dev_shm(name)));
        auto c = shm::Segment::open(name);
        c = std::move(a); // c (an opener) now owns
        CHECK(exists(dev_shm(name)));
        CHECK(c.header().magic == shm::kMagic);
        c = shm::Segment::open(name); // the owner is dropped: name removed, but still mapped by the new c
        CHECK_FALSE(exists(dev_shm(name)));
        CHECK(c.header().magic == shm::kMagic);
    }
    SECTION("create replaces a leftover with the same name") {
        make_raw_shm(name, 100);
        auto seg = shm::Segment::create(small_config(), ::getpid());
        auto opened = shm::Segment::open(name);
        CHECK(opened.slot_count() == small_config().slot_count);
    }
    CHECK_FALSE(exists(dev_shm(name)));
}

TEST_CASE("segment: open rejects missing and malformed segments", "[shm][segment]") {
    const std::string name = shm::segment_name(::getpid());
    SECTION("missing") {
        CHECK_THROWS(shm::Segment::open("turbo-test-does-not-exist-" + std::to_string(::getpid())));
    }
    SECTION("zero-filled (no magic)") {
        const std::string raw = "turbo-test-zero-" + std::to_string(::getpid());
        make_raw_shm(raw, 1 << 16);
        CHECK_THROWS(shm::Segment::open(raw));
        ::shm_unlink(("/" + raw).c_str());
    }
    SECTION("smaller than a header") {
        const std::string raw = "turbo-test-small-" + std::to_string(::getpid());
        make_raw_shm(raw, 16);
        CHECK_THROWS(shm::Segment::open(raw));
        ::shm_unlink(("/" + raw).c_str());
    }
    SECTION("bad version, magic, sizes") {
        auto seg = shm::Segment::create(small_config(), ::getpid());
        auto& h = seg.header();
        h.version = shm::kVersion + 1;
        CHECK_THROWS(shm::Segment::open(name));
        h.version = shm::kVersion;
        h.magic ^= 1;
        CHECK_THROWS(shm::Segment::open(name));
        h.magic = shm::kMagic;
        h.slot_count += 1;
        CHECK_THROWS(shm::Segment::open(name));
        h.slot_count -= 1;
        h.ring_bytes += 4096;
        CHECK_THROWS(shm::Segment::open(name));
        h.ring_bytes -= 4096;
        h.ring_bytes += 8; // not a power of two, but the same slot stride when the ring is small
        CHECK_THROWS(shm::Segment::open(name));
        h.ring_bytes -= 8;
        CHECK_NOTHROW(shm::Segment::open(name));
    }
}

TEST_CASE("segment: sweep_stale_segments removes dead masters' segments only", "[shm][segment]") {
    const int dead = dead_pid();
    REQUIRE(dead > 0);
    const std::string dead_name = shm::segment_name(dead);
    const std::string odd_name = "turbo-" + std::to_string(dead) + "x"; // not a pid: left alone
    make_raw_shm(dead_name, 4096);
    make_raw_shm(odd_name, 4096);
    auto live = shm::Segment::create(small_config(), ::getpid());
    REQUIRE(exists(dev_shm(dead_name)));

    const auto removed = shm::sweep_stale_segments();
    CHECK(std::find(removed.begin(), removed.end(), dead_name) != removed.end());
    CHECK(std::find(removed.begin(), removed.end(), live.name()) == removed.end());
    CHECK_FALSE(exists(dev_shm(dead_name)));
    CHECK(exists(dev_shm(live.name())));
    CHECK(exists(dev_shm(odd_name)));
    for (const auto& n : removed)
        CHECK(n.starts_with("turbo-"));
    ::shm_unlink(("/" + odd_name).c_str());
}

// =========================================================================================== codec

TEST_CASE("codec: request round trip", "[shm][codec]") {
    const std::string body_bin("a\0b\0\0c\xff", 7);
    shm::RequestView in;
    std::string out;
    SECTION("full request with headers and a binary body") {
        in.http_major = 1;
        in.http_minor = 0;
        in.keep_alive = false;
        in.method = "POST";
        in.path = "/items/%20x";
        in.query = "a=1&b=2";
        in.client = "127.0.0.1:5555";
        in.headers = {{"host", "example.com"}, {"content-type", "application/octet-stream"}, {"x-empty", ""}};
        in.body = body_bin;
    }
    SECTION("empty body, no headers, unix client") {
        in.method = "GET";
        in.path = "/";
    }
    SECTION("everything empty") {}
    SECTION("large body and many headers") {
        static std::string big(100'003, '\0');
        static std::vector<std::string> names;
        names.clear();
        for (int i = 0; i < 100; ++i)
            names.push_back("h" + std::to_string(i));
        for (size_t i = 0; i < big.size(); ++i)
            big[i] = char(i * 7);
        in.method = "PUT";
        for (auto& n : names)
            in.headers.push_back({n, n});
        in.body = big;
    }
    out = "prefix"; // encode appends
    shm::encode_request(in, out);
    REQUIRE(out.starts_with("prefix"));
    const std::string_view enc = std::string_view(out).substr(6);

    shm::RequestView got;
    got.headers = {{"stale", "x"}};
    REQUIRE(shm::decode_request(enc, got));
    CHECK(got.http_major == in.http_major);
    CHECK(got.http_minor == in.http_minor);
    CHECK(got.keep_alive == in.keep_alive);
    CHECK(got.method == in.method);
    CHECK(got.path == in.path);
    CHECK(got.query == in.query);
    CHECK(got.client == in.client);
    CHECK(got.body == in.body);
    REQUIRE(got.headers.size() == in.headers.size());
    for (size_t i = 0; i < in.headers.size(); ++i) {
        CHECK(got.headers[i].name == in.headers[i].name);
        CHECK(got.headers[i].value == in.headers[i].value);
    }
    // Views point into the payload.
    if (!got.body.empty())
        CHECK((got.body.data() >= enc.data() && got.body.data() < enc.data() + enc.size()));

    // Every truncation fails, and so does trailing garbage.
    const std::string copy(enc);
    size_t accepted_prefix = 0; // 0: none accepted (the empty prefix is never valid)
    for (size_t n = 0; n < copy.size() && accepted_prefix == 0; ++n) {
        shm::RequestView r;
        if (shm::decode_request(std::string_view(copy.data(), n), r)) accepted_prefix = n ? n : ~size_t(0);
    }
    INFO("encoding of " << copy.size() << " bytes");
    CHECK(accepted_prefix == 0);
    for (const std::string& garbage : {std::string(1, '\0'), std::string("xyz"), std::string(8, '\0')}) {
        shm::RequestView r;
        CHECK_FALSE(shm::decode_request(copy + garbage, r));
    }
}

TEST_CASE("codec: response round trip", "[shm][codec]") {
    const std::string body_bin("\0\0\x01\x02\0", 5);
    shm::ResponseView in;
    SECTION("headers and binary body") {
        in.status = 404;
        in.headers = {{"Content-Type", "text/plain"}, {"Set-Cookie", "a=b"}, {"Set-Cookie", "c=d"}};
        in.body = body_bin;
    }
    SECTION("empty body") {
        in.status = 204;
        in.headers = {{"X-A", "1"}};
    }
    SECTION("defaults") {}
    SECTION("odd status, empty header name") {
        in.status = 65535;
        in.headers = {{"", "v"}};
        in.body = "ok";
    }
    std::string out;
    shm::encode_response(in, out);
    shm::ResponseView got;
    REQUIRE(shm::decode_response(out, got));
    CHECK(got.status == in.status);
    CHECK(got.body == in.body);
    REQUIRE(got.headers.size() == in.headers.size());
    for (size_t i = 0; i < in.headers.size(); ++i) {
        CHECK(got.headers[i].name == in.headers[i].name);
        CHECK(got.headers[i].value == in.headers[i].value);
    }
    size_t accepted_prefix = 0;
    for (size_t n = 0; n < out.size() && accepted_prefix == 0; ++n) {
        shm::ResponseView r;
        if (shm::decode_response(std::string_view(out.data(), n), r)) accepted_prefix = n ? n : ~size_t(0);
    }
    INFO("encoding of " << out.size() << " bytes");
    CHECK(accepted_prefix == 0);
    for (const std::string& garbage : {std::string(1, '\0'), std::string("xyz"), std::string(8, '\0')}) {
        shm::ResponseView r;
        CHECK_FALSE(shm::decode_response(out + garbage, r));
    }
}

TEST_CASE("codec: lengths that point past the end are rejected", "[shm][codec]") {
    auto put = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
    SECTION("response with a huge header count") {
        std::string s("\xc8\0\0\0", 4);
        put(s, 0xffffffffu);
        put(s, 0);
        shm::ResponseView r;
        CHECK_FALSE(shm::decode_response(s, r));
    }
    SECTION("response with a huge body length") {
        std::string s("\xc8\0\0\0", 4);
        put(s, 0);
        put(s, 0xfffffff0u);
        s += "body";
        shm::ResponseView r;
        CHECK_FALSE(shm::decode_response(s, r));
    }
    SECTION("response header with a huge name length") {
        std::string s("\xc8\0\0\0", 4);
        put(s, 1);
        put(s, 0);
        put(s, 0xffffffffu);
        put(s, 0);
        s += "name";
        shm::ResponseView r;
        CHECK_FALSE(shm::decode_response(s, r));
    }
    SECTION("request with lengths summing past the end (and wrapping 32 bits)") {
        std::string s("\x01\x01\x01\0", 4);
        put(s, 0x80000000u); // method
        put(s, 0x80000000u); // path
        put(s, 0);
        put(s, 0);
        put(s, 0);
        put(s, 0);
        s += "GET/";
        shm::RequestView r;
        CHECK_FALSE(shm::decode_request(s, r));
    }
}

// ================================================================================== two processes

namespace {

// Message plan shared by the producer (parent) and the consumer (child): same seed, same sizes.
struct Plan {
    explicit Plan(uint64_t seed) : rng(seed) {}
    size_t next_size() {
        const uint64_t k = rng() % 100000;
        if (k < 90000) return rng() % std::min<uint64_t>(128, kRing / 2 + 1);       // mostly small
        if (k < 99000) return rng() % std::min<uint64_t>(4096, kRing + 1);          // some medium
        if (k < 99990) return rng() % std::min<uint64_t>(64 * 1024, 2 * kRing + 1); // a few large
        return rng() % (3 * kRing + 1);                                             // rare, over the ring
    }
    std::mt19937_64 rng;
};

constexpr uint64_t kStressSeed = 0x5eed5eedULL;
#ifdef TURBO_TEST_TINY_RING
constexpr uint64_t kStressMessages = 200'000;
#else
constexpr uint64_t kStressMessages = 1'000'000;
#endif
constexpr int kStressDeadlineMs = 30'000;
constexpr int kStallMs = 10'000;

// Payload of message `seq`: its sequence number in the first bytes, pseudo-random bytes after.
void fill_payload(std::string& p, const std::string& noise, uint64_t seq, size_t n) {
    p.assign(noise.data() + (seq * 8) % 4096, n);
    std::memcpy(p.data(), &seq, std::min<size_t>(8, n));
}

// The child: consumes slot 0's request ring, verifies every message, reports on the response ring.
[[noreturn]] void stress_consumer(const std::string& name) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string verdict;
    int code = 0;
    try {
        auto seg = shm::Segment::open(name);
        const auto ring = seg.request_ring(0);
        shm::RingReader reader(ring, {});
        Plan plan(kStressSeed);
        shm::Message m;
        uint64_t received = 0, bytes = 0, waits = 0;
        auto last_progress = Clock::now();
        while (received < kStressMessages && code == 0) {
            const auto st = reader.read(m);
            // Space was released (or not): wake the producer if it waits for it.
            if (reader.producer_needs_wake()) shm::wake_producer(ring);
            if (st == shm::ReadStatus::Message) {
                const uint64_t seq = received;
                const size_t size = plan.next_size();
                uint64_t head_seq = 0;
                std::memcpy(&head_seq, m.payload.data(), std::min<size_t>(8, m.payload.size()));
                const uint64_t want_seq =
                    size >= 8 ? seq : (size == 0 ? 0 : seq & ((1ull << (8 * size)) - 1));
                if (m.meta.request_id != seq || m.payload.size() != size || m.meta.total_bytes != size ||
                    head_seq != want_seq || checksum(m.payload.data(), m.payload.size()) != m.meta.conn_id) {
                    verdict = "mismatch at message " + std::to_string(seq) + ": request_id " +
                              std::to_string(m.meta.request_id) + ", size " +
                              std::to_string(m.payload.size()) + " (want " + std::to_string(size) + ")";
                    code = 2;
                    break;
                }
                ++received;
                bytes += size;
                last_progress = Clock::now();
                continue;
            }
            if (st == shm::ReadStatus::Corrupt) {
                verdict = "corrupt ring after " + std::to_string(received) + " messages";
                code = 3;
                break;
            }
            if (st == shm::ReadStatus::Partial) last_progress = Clock::now();
            if (elapsed_ms(last_progress) > kStallMs) {
                verdict = "stalled after " + std::to_string(received) + " messages";
                code = 4;
                break;
            }
            ++waits;
            shm::wait_for_data(ring, 100);
        }
        if (code == 0)
            verdict = "ok " + std::to_string(received) + " messages, " + std::to_string(bytes) + " bytes, " +
                      std::to_string(waits) + " waits";
        // Report through the response ring (the parent is its consumer).
        shm::RingWriter w(seg.response_ring(0));
        shm::FrameHeader meta{};
        meta.kind = uint16_t(shm::MessageKind::Response);
        meta.request_id = received;
        size_t off = 0;
        const auto span = std::as_bytes(std::span(verdict.data(), verdict.size()));
        const auto t0 = Clock::now();
        while (off < verdict.size() || off == 0) {
            if (w.write(meta, span, off)) {
                if (w.consumer_needs_wake()) shm::wake_consumer(seg.response_ring(0));
                if (off == verdict.size()) break;
            } else {
                if (elapsed_ms(t0) > kStallMs) break;
                shm::wait_for_space(w, w.wanted_bytes(verdict.size() - off), 100);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stress consumer: %s\n", e.what());
        code = 5;
    } catch (...) {
        code = 6;
    }
    ::_exit(code); // no atexit handlers, no destructors of the parent's objects (it owns the name)
}

} // namespace

TEST_CASE("two processes: random-size messages through one request ring (stress)", "[shm][stress]") {
    auto seg = shm::Segment::create(shm::Config{}, ::getpid());
    const auto ring = seg.request_ring(0);
    const auto reply_ring = seg.response_ring(0);

    std::fflush(nullptr);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) stress_consumer(seg.name());

    const auto t0 = Clock::now();
    std::string noise(4096 + 3 * kRing + 8, '\0');
    {
        std::mt19937_64 nrng(99);
        for (auto& c : noise)
            c = char(nrng());
    }
    Plan plan(kStressSeed);
    shm::RingWriter writer(ring);
    std::string payload;
    bool child_gone = false, timed_out = false;
    int status = 0;
    uint64_t sent = 0, space_waits = 0;

    while (sent < kStressMessages) {
        const size_t size = plan.next_size();
        fill_payload(payload, noise, sent, size);
        shm::FrameHeader meta{};
        meta.kind = uint16_t(shm::MessageKind::Request);
        meta.generation = 1;
        meta.request_id = sent;
        meta.conn_id = checksum(payload.data(), payload.size());
        const auto span = std::as_bytes(std::span(payload.data(), payload.size()));
        size_t off = 0;
        for (;;) {
            if (writer.write(meta, span, off)) {
                if (writer.consumer_needs_wake()) shm::wake_consumer(ring);
                if (off == size) break;
                continue;
            }
            ++space_waits;
            if (::waitpid(child, &status, WNOHANG) == child) {
                child_gone = true;
                break;
            }
            if (elapsed_ms(t0) > kStressDeadlineMs) {
                timed_out = true;
                break;
            }
            shm::wait_for_space(writer, writer.wanted_bytes(size - off), 100);
        }
        if (child_gone || timed_out) break;
        ++sent;
    }
    const long send_ms = elapsed_ms(t0);

    // Collect the child's verdict, then its exit status; never wait forever.
    std::string verdict = "(no verdict)";
    if (!child_gone && !timed_out) {
        shm::RingReader reader(reply_ring, {});
        shm::Message m;
        for (;;) {
            const auto st = reader.read(m);
            if (st == shm::ReadStatus::Message) {
                verdict = m.payload;
                break;
            }
            if (st == shm::ReadStatus::Corrupt) break;
            if (::waitpid(child, &status, WNOHANG) == child) {
                child_gone = true;
                if (reader.read(m) == shm::ReadStatus::Message) verdict = m.payload;
                break;
            }
            if (elapsed_ms(t0) > kStressDeadlineMs) {
                timed_out = true;
                break;
            }
            shm::wait_for_data(reply_ring, 100);
        }
    }
    while (!child_gone) {
        if (::waitpid(child, &status, WNOHANG) == child) {
            child_gone = true;
            break;
        }
        if (elapsed_ms(t0) > kStressDeadlineMs + 5000) {
            timed_out = true;
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
            child_gone = true;
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    const long total_ms = elapsed_ms(t0);

    INFO("child verdict: " << verdict);
    INFO("sent " << sent << " messages in " << send_ms << " ms, total " << total_ms << " ms, " << space_waits
                 << " producer waits, ring " << kRing << " bytes");
    CHECK_FALSE(timed_out);
    CHECK(sent == kStressMessages);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(verdict.starts_with("ok " + std::to_string(kStressMessages) + " messages"));
    WARN("stress: " << verdict << "; " << total_ms << " ms, " << space_waits << " producer waits, ring "
                    << kRing << " bytes");
}
