// Flat encodings of requests and responses carried by ring messages.
//
// Request:  u8 major, u8 minor, u8 keep_alive, u8 0,
//           u32 method_len, u32 path_len, u32 query_len, u32 client_len, u32 header_count, u32 body_len,
//           method, path, query, client, header_count x (u32 name_len, u32 value_len, name, value), body
// Response: u16 status, u16 0, u32 header_count, u32 body_len,
//           header_count x (u32 name_len, u32 value_len, name, value), body
// Integers are host-endian: both ends run on the same machine from the same binary.
#include "shm/shm.h"

#include <cstring>

namespace turbo::shm {

namespace {

void put_u32(std::string& out, uint32_t v) {
    out.append(reinterpret_cast<const char*>(&v), 4);
}

// Bounds-checked reader over an encoded payload: every accessor fails instead of over-reading.
class Cursor {
public:
    explicit Cursor(std::string_view s) : s_(s) {}
    bool u8(uint8_t& v) {
        if (s_.size() - pos_ < 1) return false;
        v = uint8_t(s_[pos_++]);
        return true;
    }
    bool u16(uint16_t& v) { return raw(&v, 2); }
    bool u32(uint32_t& v) { return raw(&v, 4); }
    bool bytes(uint32_t n, std::string_view& v) {
        if (s_.size() - pos_ < n) return false;
        v = s_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    bool headers(uint32_t count, std::vector<Header>& out) {
        // Each header needs at least 8 bytes: reject absurd counts before reserving.
        if (count > (s_.size() - pos_) / 8) return false;
        out.clear();
        out.reserve(count);
        for (uint32_t i = 0; i < count; ++i) {
            uint32_t nl = 0, vl = 0;
            Header h;
            if (!u32(nl) || !u32(vl) || !bytes(nl, h.name) || !bytes(vl, h.value)) return false;
            out.push_back(h);
        }
        return true;
    }
    size_t remaining() const { return s_.size() - pos_; }

private:
    bool raw(void* dst, size_t n) {
        if (s_.size() - pos_ < n) return false;
        std::memcpy(dst, s_.data() + pos_, n);
        pos_ += n;
        return true;
    }
    std::string_view s_;
    size_t pos_ = 0;
};

void put_headers(std::string& out, const std::vector<Header>& headers) {
    for (const auto& h : headers) {
        put_u32(out, uint32_t(h.name.size()));
        put_u32(out, uint32_t(h.value.size()));
        out.append(h.name);
        out.append(h.value);
    }
}

} // namespace

void encode_request(const RequestView& r, std::string& out) {
    encode_request_head(r, r.body.size(), out);
    out.append(r.body);
}

void encode_request_head(const RequestView& r, uint64_t body_bytes, std::string& out) {
    out.push_back(char(r.http_major));
    out.push_back(char(r.http_minor));
    out.push_back(char(r.keep_alive ? 1 : 0));
    out.push_back(0);
    for (uint64_t n : {uint64_t(r.method.size()), uint64_t(r.path.size()), uint64_t(r.query.size()),
                       uint64_t(r.client.size()), uint64_t(r.headers.size()), body_bytes})
        put_u32(out, uint32_t(n));
    out.append(r.method);
    out.append(r.path);
    out.append(r.query);
    out.append(r.client);
    put_headers(out, r.headers);
}

bool decode_request(std::string_view payload, RequestView& r) {
    Cursor c(payload);
    uint8_t ka = 0, pad = 0;
    uint32_t ml, pl, ql, cl, hc, bl;
    if (!c.u8(r.http_major) || !c.u8(r.http_minor) || !c.u8(ka) || !c.u8(pad)) return false;
    if (!c.u32(ml) || !c.u32(pl) || !c.u32(ql) || !c.u32(cl) || !c.u32(hc) || !c.u32(bl)) return false;
    r.keep_alive = ka != 0;
    if (!c.bytes(ml, r.method) || !c.bytes(pl, r.path) || !c.bytes(ql, r.query) || !c.bytes(cl, r.client))
        return false;
    if (!c.headers(hc, r.headers)) return false;
    if (!c.bytes(bl, r.body)) return false;
    return c.remaining() == 0;
}

void encode_response(const ResponseView& r, std::string& out) {
    encode_response_head(r, out);
    out.append(r.body);
}

void encode_response_head(const ResponseView& r, std::string& out) {
    out.append(reinterpret_cast<const char*>(&r.status), 2);
    out.append(2, '\0');
    put_u32(out, uint32_t(r.headers.size()));
    put_u32(out, uint32_t(r.body.size()));
    put_headers(out, r.headers);
}

bool decode_response_head(std::string_view prefix, ResponseView& r, size_t& head_bytes,
                          uint64_t& body_bytes) {
    Cursor c(prefix);
    uint16_t pad = 0;
    uint32_t hc = 0, bl = 0;
    if (!c.u16(r.status) || !c.u16(pad) || !c.u32(hc) || !c.u32(bl)) return false;
    if (!c.headers(hc, r.headers)) return false;
    head_bytes = prefix.size() - c.remaining();
    body_bytes = bl;
    return true;
}

bool decode_response(std::string_view payload, ResponseView& r) {
    Cursor c(payload);
    uint16_t pad = 0;
    uint32_t hc = 0, bl = 0;
    if (!c.u16(r.status) || !c.u16(pad) || !c.u32(hc) || !c.u32(bl)) return false;
    if (!c.headers(hc, r.headers)) return false;
    if (!c.bytes(bl, r.body)) return false;
    return c.remaining() == 0;
}

} // namespace turbo::shm
