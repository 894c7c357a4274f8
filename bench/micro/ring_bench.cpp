// Shared-memory ring: one message pushed (RingWriter) and popped whole (RingReader) per iteration, in one
// thread, on a request ring of a real Segment (1 MiB, as the server creates it). Messages larger than
// the ring's free space are fragmented and reassembled, as in the server. No wake-ups are involved:
// this is the copy-and-framing cost, not the cross-process latency.
#include "shm/shm.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstddef>
#include <vector>

namespace {

using namespace turbo::shm;

void BM_RingPushPop(benchmark::State& state) {
    Segment segment = Segment::create(Config{}, getpid());
    segment.remove_name(); // the mapping stays; nothing is left in /dev/shm
    RingRef ring = segment.request_ring(0);
    RingWriter writer(ring);
    RingReader reader(ring, RingReader::Limits{});
    std::vector<std::byte> payload(size_t(state.range(0)), std::byte{'x'});
    Message msg;
    FrameHeader meta{};
    meta.kind = uint16_t(MessageKind::Request);
    uint64_t fragments = 0;
    for (auto _ : state) {
        size_t offset = 0;
        bool written = false;
        for (;;) {
            if (!written && writer.write(meta, payload, offset)) {
                ++fragments;
                written = offset == payload.size();
            }
            const ReadStatus st = reader.read(msg);
            if (st == ReadStatus::Message) break;
            if (st == ReadStatus::Corrupt) {
                state.SkipWithError("corrupt ring");
                return;
            }
        }
        meta.request_id++;
        benchmark::DoNotOptimize(msg.payload.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
    state.counters["fragments/msg"] = double(fragments) / double(state.iterations());
}

} // namespace

BENCHMARK(BM_RingPushPop)->Arg(0)->Arg(64)->Arg(512)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20)->Arg(8 << 20);
