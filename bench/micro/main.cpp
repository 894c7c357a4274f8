// turbo_micro: one Google Benchmark executable. The JSON benchmarks call into CPython, so the
// interpreter (Debian's 3.11, the one workers embed) is started once here, before any benchmark runs.
#include <benchmark/benchmark.h>
#include <pybind11/embed.h>

int main(int argc, char** argv) {
    pybind11::scoped_interpreter python;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
