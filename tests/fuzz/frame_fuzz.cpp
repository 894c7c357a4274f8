// libFuzzer target: arbitrary bytes as the published contents of a ring, and as encoded messages.
//
// The input is copied into a ring's data area with `head` = input length (bounded by the capacity)
// and RingReader::read runs until it stops returning messages; it is done twice, once from position
// 0 and once from near the end of the data area so that frames straddle the wrap point. The input,
// and every message reassembled from it, is also fed to decode_request and decode_response; a
// successful decode must re-encode to something that decodes to the same thing.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//       tests/fuzz/frame_fuzz.cpp shm/shm.cpp shm/codec.cpp -lrt -o frame_fuzz
#include "shm/shm.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shm = turbo::shm;

namespace {

constexpr uint64_t kCapacity = 4096;

void check(bool ok) {
    if (!ok) std::abort();
}

bool same(const shm::RequestView& a, const shm::RequestView& b) {
    if (a.http_major != b.http_major || a.http_minor != b.http_minor || a.keep_alive != b.keep_alive ||
        a.method != b.method || a.path != b.path || a.query != b.query || a.client != b.client ||
        a.body != b.body || a.headers.size() != b.headers.size())
        return false;
    for (size_t i = 0; i < a.headers.size(); ++i)
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
    return true;
}

bool same(const shm::ResponseView& a, const shm::ResponseView& b) {
    if (a.status != b.status || a.body != b.body || a.headers.size() != b.headers.size()) return false;
    for (size_t i = 0; i < a.headers.size(); ++i)
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
    return true;
}

void decode_all(std::string_view bytes) {
    shm::RequestView req;
    if (shm::decode_request(bytes, req)) {
        std::string again;
        shm::encode_request(req, again);
        std::string expected(bytes); // the encoding is canonical but for keep_alive (0/1) and padding
        expected[2] = expected[2] ? 1 : 0;
        expected[3] = 0;
        check(again == expected);
        shm::RequestView req2;
        check(shm::decode_request(again, req2));
        check(same(req, req2));
    }
    shm::ResponseView resp;
    if (shm::decode_response(bytes, resp)) {
        std::string again;
        shm::encode_response(resp, again);
        std::string expected(bytes);
        expected[2] = expected[3] = 0; // padding
        check(again == expected);
        shm::ResponseView resp2;
        check(shm::decode_response(again, resp2));
        check(same(resp, resp2));
    }
}

void read_ring(const uint8_t* data, size_t size, uint64_t start) {
    static shm::RingControl* control = new shm::RingControl{};
    static std::vector<std::byte> area(kCapacity);
    const uint64_t n = std::min<uint64_t>(size, kCapacity);
    std::memset(area.data(), 0, area.size());
    for (uint64_t i = 0; i < n; ++i)
        area[(start + i) & (kCapacity - 1)] = std::byte(data[i]);
    shm::RingRef ring{control, area.data()};
    ring.reset();
    control->capacity = kCapacity;
    control->head = start + n;
    control->tail = start;

    shm::RingReader reader(ring, shm::RingReader::Limits{64 * 1024});
    shm::Message m;
    // Every Message consumes at least one 32-byte header, so this ends; the bound is a safety net.
    for (int i = 0; i < 1000; ++i) {
        const auto st = reader.read(m);
        if (st != shm::ReadStatus::Message) break;
        check(m.payload.size() == m.meta.total_bytes);
        check(m.meta.fragment_bytes == m.meta.total_bytes);
        check(m.meta.flags & shm::kFrameFirst);
        decode_all(m.payload);
    }
    reader.producer_needs_wake();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    read_ring(data, size, 0);
    read_ring(data, size, kCapacity - 40); // frames straddle the end of the data area
    decode_all(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
