// RateLimitMiddleware: a token bucket per client, in a table that lives in memory every worker
// process maps. Lock-free: a bucket's tokens and refill time change together by one 64-bit CAS.
#include "middleware/middleware.h"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>
#include <stdexcept>

namespace turbo::middleware {
namespace {

// Bucket state: bit 63 = set (0 = a fresh bucket, which counts as full), bits 32..62 = tokens in
// 1/256 token units, bits 0..31 = last refill in ms since the epoch, modulo 2^32.
constexpr uint64_t kSet = 1ULL << 63;
constexpr uint64_t kUnit = 256; // one token
constexpr uint64_t kMaxUnits = (1ULL << 31) - 1;
constexpr uint32_t kMaxBurst = 1'000'000; // kMaxBurst * kUnit fits in 31 bits
constexpr size_t kMaxProbe = 16;          // slots looked at before reclaiming or giving up

uint64_t encode(uint64_t units, uint32_t last_ms) {
    return kSet | units << 32 | last_ms;
}
uint64_t units_of(uint64_t state) {
    return (state >> 32) & kMaxUnits;
}
uint32_t last_of(uint64_t state) {
    return uint32_t(state);
}

uint64_t hash_client(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a, then a finaliser so close addresses spread
    for (unsigned char c : s)
        h = (h ^ c) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1; // 0 marks an empty slot
}

uint64_t monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1'000'000;
}

struct Refilled {
    uint64_t units;
    uint32_t last_ms;
};

// Tokens after refilling up to now. The refill time only moves when at least one unit was added,
// so slow rates accumulate instead of being truncated away on every call.
Refilled refill(uint64_t state, uint32_t now, double units_per_ms, uint64_t burst_units) {
    if (!(state & kSet)) return {burst_units, now};
    uint64_t units = units_of(state);
    uint32_t elapsed = now - last_of(state); // modulo 2^32: right for gaps under ~49 days
    double add = std::floor(double(elapsed) * units_per_ms);
    if (add < 1) return {units, last_of(state)};
    return {uint64_t(std::min(double(burst_units), double(units) + add)), now};
}

} // namespace

size_t RateLimitTable::bytes_for(size_t capacity) {
    return sizeof(RateLimitHeader) + capacity * sizeof(RateLimitBucket);
}

RateLimitTable::Error RateLimitTable::init(void* block, size_t capacity, RateLimitTable& out) {
    if (!block) return Error::kNullBlock;
    if (reinterpret_cast<uintptr_t>(block) % alignof(RateLimitHeader) != 0) return Error::kBadLayout;
    if (capacity < 16 || (capacity & (capacity - 1)) != 0) return Error::kBadCapacity;
    auto* header = static_cast<RateLimitHeader*>(block);
    auto* buckets = reinterpret_cast<RateLimitBucket*>(header + 1);
    for (size_t i = 0; i < capacity; ++i) {
        new (&buckets[i].key) std::atomic<uint64_t>(0);
        new (&buckets[i].state) std::atomic<uint64_t>(0);
    }
    new (&header->overflows) std::atomic<uint64_t>(0);
    header->version = kRateLimitVersion;
    header->bucket_bytes = sizeof(RateLimitBucket);
    header->capacity = capacity;
    header->epoch_ms = monotonic_ms();
    std::fill(std::begin(header->reserved), std::end(header->reserved), uint8_t(0));
    std::atomic_thread_fence(std::memory_order_release);
    header->magic = kRateLimitMagic; // last: a reader that sees the magic sees a formatted table
    return attach(block, out);
}

RateLimitTable::Error RateLimitTable::attach(void* block, RateLimitTable& out) {
    if (!block) return Error::kNullBlock;
    if (reinterpret_cast<uintptr_t>(block) % alignof(RateLimitHeader) != 0) return Error::kBadLayout;
    auto* header = static_cast<RateLimitHeader*>(block);
    if (header->magic != kRateLimitMagic) return Error::kBadMagic;
    if (header->version != kRateLimitVersion) return Error::kBadVersion;
    if (header->bucket_bytes != sizeof(RateLimitBucket)) return Error::kBadLayout;
    if (header->capacity < 16 || (header->capacity & (header->capacity - 1)) != 0) return Error::kBadCapacity;
    out.header_ = header;
    out.buckets_ = reinterpret_cast<RateLimitBucket*>(header + 1);
    out.capacity_ = size_t(header->capacity);
    return Error::kNone;
}

uint64_t RateLimitTable::now_ms() const {
    return header_ ? monotonic_ms() - header_->epoch_ms : 0;
}

uint64_t RateLimitTable::overflows() const {
    return header_ ? header_->overflows.load(std::memory_order_relaxed) : 0;
}

namespace {

RateLimitTable::Verdict consume(RateLimitBucket& bucket, uint32_t now, double units_per_ms,
                                uint64_t burst_units) {
    uint64_t state = bucket.state.load(std::memory_order_acquire);
    while (true) {
        Refilled r = refill(state, now, units_per_ms, burst_units);
        if (r.units < kUnit) {
            double wait = std::ceil(double(kUnit - r.units) / units_per_ms);
            return {false, uint32_t(std::min(wait, 4e9))};
        }
        if (bucket.state.compare_exchange_weak(state, encode(r.units - kUnit, r.last_ms),
                                               std::memory_order_acq_rel))
            return {true, 0};
    }
}

// A bucket that would be full by now holds nothing a fresh bucket would not: it can be reused.
bool reclaimable(uint64_t state, uint32_t now, double units_per_ms, uint64_t burst_units) {
    return refill(state, now, units_per_ms, burst_units).units >= burst_units;
}

} // namespace

RateLimitTable::Verdict RateLimitTable::take(std::string_view client, double rate_per_second, uint32_t burst,
                                             uint64_t now_ms) {
    const uint64_t h = hash_client(client);
    const size_t mask = capacity_ - 1;
    const uint32_t now = uint32_t(now_ms);
    const double units_per_ms = rate_per_second * double(kUnit) / 1000.0;
    const uint64_t burst_units = uint64_t(burst) * kUnit;
    for (size_t probe = 0; probe < kMaxProbe; ++probe) {
        RateLimitBucket& b = buckets_[(h + probe) & mask];
        uint64_t key = b.key.load(std::memory_order_acquire);
        if (key == 0 && b.key.compare_exchange_strong(key, h, std::memory_order_acq_rel)) key = h;
        if (key == h) return consume(b, now, units_per_ms, burst_units);
    }
    // Every slot in reach belongs to someone else: take over one that is idle enough to be full.
    // (A process that read the old key just before may spend one token of the new owner's: harmless.)
    for (size_t probe = 0; probe < kMaxProbe; ++probe) {
        RateLimitBucket& b = buckets_[(h + probe) & mask];
        uint64_t key = b.key.load(std::memory_order_acquire);
        uint64_t state = b.state.load(std::memory_order_acquire);
        if (!reclaimable(state, now, units_per_ms, burst_units)) continue;
        if (!b.key.compare_exchange_strong(key, h, std::memory_order_acq_rel)) continue;
        b.state.store(0, std::memory_order_release);
        return consume(b, now, units_per_ms, burst_units);
    }
    // Table saturated by active clients: let the request through rather than refuse an unknown one.
    header_->overflows.fetch_add(1, std::memory_order_relaxed);
    return {true, 0};
}

namespace {

// An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96). Copied to a NUL-terminated buffer
// because inet_pton wants one; no allocation.
bool parse_address(std::string_view text, uint8_t (&out)[16]) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof buf) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    in_addr v4;
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        std::memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        std::memcpy(out + 12, &v4, 4);
        return true;
    }
    in6_addr v6;
    if (inet_pton(AF_INET6, buf, &v6) == 1) {
        std::memcpy(out, &v6, 16);
        return true;
    }
    return false;
}

bool prefix_equal(const uint8_t* a, const uint8_t* b, uint32_t bits) {
    size_t whole = bits / 8;
    if (std::memcmp(a, b, whole) != 0) return false;
    if (bits % 8 == 0) return true;
    uint8_t mask = uint8_t(0xff << (8 - bits % 8));
    return (a[whole] & mask) == (b[whole] & mask);
}

} // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
    for (const std::string& entry : entries) {
        std::string_view text = entry;
        size_t slash = text.find('/');
        Network n{};
        if (!parse_address(text.substr(0, slash), n.bytes)) {
            if (slash != std::string_view::npos)
                throw std::invalid_argument("RateLimitMiddleware: trusted proxy network '" + entry +
                                            "' is not an address/prefix");
            exact_.push_back(entry);
            continue;
        }
        const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
        n.prefix_bits = 128;
        if (slash != std::string_view::npos) {
            std::string_view bits = text.substr(slash + 1);
            unsigned value = 0;
            auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
            if (ec != std::errc() || end != bits.data() + bits.size() || bits.empty() ||
                value > (v4 ? 32u : 128u))
                throw std::invalid_argument("RateLimitMiddleware: trusted proxy network '" + entry +
                                            "' has a bad prefix length");
            n.prefix_bits = v4 ? 96 + value : value;
        }
        networks_.push_back(n);
    }
}

bool TrustedProxies::contains(std::string_view address) const {
    for (const std::string& e : exact_)
        if (e == address) return true;
    if (networks_.empty()) return false;
    uint8_t bytes[16];
    if (!parse_address(address, bytes)) return false;
    for (const Network& n : networks_)
        if (prefix_equal(bytes, n.bytes, n.prefix_bits)) return true;
    return false;
}

std::string_view client_address(const Request& request, const TrustedProxies& trusted_proxies) {
    auto trusted = [&](std::string_view a) { return trusted_proxies.contains(a); };
    if (!trusted(request.client_ip)) return request.client_ip;
    std::string_view leftmost = request.client_ip;
    // The rightmost entries were added by our own proxies; the first one that is not is the client.
    for (size_t i = request.headers.size(); i-- > 0;) {
        const Header& header = request.headers[i];
        if (header.name.size() != 15 || !std::equal(header.name.begin(), header.name.end(), "x-forwarded-for",
                                                    [](char a, char b) { return (a | 0x20) == b; }))
            continue;
        std::string_view list = header.value;
        while (!list.empty()) {
            size_t comma = list.rfind(',');
            std::string_view item = comma == std::string_view::npos ? list : list.substr(comma + 1);
            list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
                item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
                item.remove_suffix(1);
            if (item.empty()) continue;
            if (!trusted(item)) return item;
            leftmost = item;
        }
    }
    return leftmost;
}

namespace {

class RateLimit final : public Middleware {
public:
    RateLimit(const RateLimitConfig& config, RateLimitTable table)
        : config_(config), proxies_(config.trusted_proxies), table_(table) {
        if (!table_.valid()) throw std::invalid_argument("RateLimitMiddleware: the table is not initialised");
        if (!(config.rate_per_second > 0) || config.rate_per_second > 1e6)
            throw std::invalid_argument("RateLimitMiddleware: rate_per_second must be in (0, 1e6]");
        if (config.burst < 1 || config.burst > kMaxBurst)
            throw std::invalid_argument("RateLimitMiddleware: burst must be 1..1000000");
    }
    Priority priority() const override { return Priority::kRateLimit; }
    std::string_view name() const override { return "RateLimitMiddleware"; }

    Decision on_request(const Request& request, Response& early, Context& context) const override {
        std::string_view client = client_address(request, proxies_);
        // take() only touches the shared block; the view itself is not modified.
        auto verdict = const_cast<RateLimitTable&>(table_).take(client, config_.rate_per_second,
                                                                config_.burst, table_.now_ms());
        if (verdict.allowed) return Decision::kContinue;
        char seconds[16];
        int n = snprintf(seconds, sizeof seconds, "%u", (verdict.retry_after_ms + 999) / 1000);
        early.headers.clear();
        early.headers.emplace_back("retry-after", std::string_view(seconds, size_t(n)));
        plain_text_response(early, 429, "Too Many Requests");
        return Decision::kRespond;
    }

private:
    RateLimitConfig config_;
    TrustedProxies proxies_;
    RateLimitTable table_;
};

} // namespace

std::unique_ptr<Middleware> make_rate_limit(const RateLimitConfig& config, RateLimitTable table) {
    return std::make_unique<RateLimit>(config, table);
}

} // namespace turbo::middleware
