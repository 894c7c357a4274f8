#!/usr/bin/python3
"""Send every case of every feature to FastAPI (uvicorn) and to TurboAPI (build/turbo) and report
the differences. FastAPI is the oracle. Exit status 1 if any case differs.

    /usr/bin/python3 tests/compare/run.py [--features params,bodies,...] [--turbo-bin build/turbo]
                                          [--case SUBSTRING] [--show] [--quiet]

The apps are tests/e2e/apps/api_<feature>.py, the case tables tests/compare/cases/<feature>.py.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from cases import FEATURES  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", default=",".join(FEATURES),
                    help=f"comma-separated, default all: {','.join(FEATURES)}")
    ap.add_argument("--turbo-bin", default=None, help="default $TURBO_BIN or build/turbo")
    ap.add_argument("--case", default=None, help="only cases whose name contains this")
    ap.add_argument("--show", action="store_true", help="print both responses of every case, equal or not")
    ap.add_argument("--quiet", action="store_true", help="summary only")
    ap.add_argument("--self-check", action="store_true",
                    help="FastAPI against a second FastAPI: every case must be equal (the oracle is deterministic)")
    args = ap.parse_args()

    features = [f.strip() for f in args.features.split(",") if f.strip()]
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        ap.error(f"unknown feature(s) {unknown}; known: {FEATURES}")
    why = harness.fastapi_available()
    if why:
        print(f"FastAPI (the oracle) is not importable by {harness.PYTHON}: {why}", file=sys.stderr)
        return 2
    turbo_bin = Path(args.turbo_bin).resolve() if args.turbo_bin else harness.default_turbo_bin()

    summary = []
    t0 = time.monotonic()
    for feature in features:
        cases = harness.load_cases(feature)
        if args.case:
            cases = [c for c in cases if args.case in c.name]
        print(f"=== {feature}: {len(cases)} cases ({harness.app_module(feature)}.py)")
        cats: Counter = Counter()
        equal = 0
        with harness.Pair(harness.app_module(feature), turbo_bin=turbo_bin,
                          candidate="fastapi" if args.self_check else "turbo") as pair:
            if pair.fastapi.error:
                print(f"  ORACLE BROKEN: {pair.fastapi.error}")
                summary.append((feature, 0, len(cases), Counter({"fastapi did not start": len(cases)})))
                continue
            if pair.turbo.error:
                print(f"  TurboAPI server did not start: {pair.turbo.error}")
                print(f"  reason: {harness.start_failure_reason(pair.turbo.log())}")
                missing = harness.turbo_missing_names(feature)
                if missing:
                    print("  names the app imports that TurboAPI lacks:")
                    for reason in missing.values():
                        print(f"    - {reason}")
                summary.append((feature, 0, len(cases), Counter({"turbo did not start": len(cases)})))
                continue
            for case in cases:
                if args.show:
                    f, _ = pair.send("fastapi", case)
                    t, _ = pair.send("turbo", case)
                    print(f"  -- {case.name}: {case.describe()}\n     FastAPI : {f.short()}\n     TurboAPI: {t.short()}")
                    for k, v in f.headers:
                        print(f"       F {k}: {v}")
                    for k, v in t.headers:
                        print(f"       T {k}: {v}")
                diffs = pair.compare(case)
                if not diffs:
                    equal += 1
                    continue
                for d in diffs:
                    cats[harness.category(d)] += 1
                if not args.quiet:
                    print(f"  DIFF {case.name}: {case.describe()}" + (f"  ({case.note})" if case.note else ""))
                    for d in diffs:
                        print(f"      {d}")
        print(f"  {feature}: {equal} of {len(cases)} cases equal")
        summary.append((feature, equal, len(cases), cats))

    print("\n=== summary")
    total_eq = total = 0
    for feature, eq, n, cats in summary:
        total_eq += eq
        total += n
        top = ", ".join(f"{k} x{v}" for k, v in cats.most_common(6))
        print(f"  {feature:13s} {eq:4d} of {n:4d} cases equal" + (f"   differences: {top}" if top else ""))
    print(f"  {'overall':13s} {total_eq:4d} of {total:4d} cases equal   ({time.monotonic() - t0:.1f} s)")
    return 0 if total_eq == total else 1


if __name__ == "__main__":
    sys.exit(main())
