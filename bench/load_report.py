"""The tables bench/load.py prints: one run's requests per kind, and the real run against the minimal one."""

import statistics

Sample = tuple[str, float, bool]  # (kind, seconds, ok)


def quantiles(latencies: list[float]) -> list[float]:
    latencies = sorted(latencies)
    if len(latencies) > 1:
        return statistics.quantiles(latencies, n=100, method="inclusive")
    return latencies * 99


def report(samples: list[Sample], elapsed: float, labels: dict[str, str]) -> int:
    """Requests, throughput, p50/p95/p99 and errors per kind and in all; answers the errors."""
    print(
        f"{'kind':<28} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
    )
    for kind in [*labels, None]:
        rows = [s for s in samples if kind is None or s[0] == kind]
        if not rows:
            continue
        q = quantiles([s[1] for s in rows])
        errors = sum(1 for s in rows if not s[2])
        label = labels[kind] if kind else "total"
        print(
            f"{label:<28} {len(rows):>8} {len(rows) / elapsed:>7.1f} {q[49] * 1000:>8.1f} "
            f"{q[94] * 1000:>8.1f} {q[98] * 1000:>8.1f} {errors:>6}"
        )
    return sum(1 for s in samples if not s[2])


def compare(real: tuple[list[Sample], float], minimal: tuple[list[Sample], float], labels: dict) -> None:
    """Real against minimal, per kind and in all. The clients pick kinds by weight, so each kind's share
    of the requests is the same in both runs and its req/s moves with the total: what tells the kinds
    apart is the time a request takes. Per kind: req/s and p50/p95 of both, the throughput ratio, the
    time ratio (minimal mean / real mean) and the kind's share of the extra time the real run spends
    (its share of requests times its extra mean time, over the sum)."""
    (real_samples, real_elapsed), (min_samples, min_elapsed) = real, minimal
    kinds = [k for k in labels if any(s[0] == k for s in real_samples)]
    extra = {}
    for kind in kinds:
        r = [s[1] for s in real_samples if s[0] == kind]
        m = [s[1] for s in min_samples if s[0] == kind]
        if r and m:
            extra[kind] = len(r) / len(real_samples) * (statistics.fmean(r) - statistics.fmean(m))
    total_extra = sum(max(v, 0) for v in extra.values()) or 1
    print("real / minimal")
    print(
        f"{'kind':<28} {'req/s real':>10} {'minimal':>8} {'ratio':>6} {'p50 real':>9} {'minimal':>8} "
        f"{'p95 real':>9} {'minimal':>8} {'time ratio':>10} {'share of extra':>14}"
    )
    for kind in [*kinds, None]:
        r = [s[1] for s in real_samples if kind is None or s[0] == kind]
        m = [s[1] for s in min_samples if kind is None or s[0] == kind]
        if not r or not m:
            continue
        qr, qm = quantiles(r), quantiles(m)
        rate_r, rate_m = len(r) / real_elapsed, len(m) / min_elapsed
        time_ratio = statistics.fmean(m) / statistics.fmean(r)
        share = "" if kind is None else f"{max(extra.get(kind, 0), 0) / total_extra:>13.0%}"
        label = labels[kind] if kind else "total"
        print(
            f"{label:<28} {rate_r:>10.1f} {rate_m:>8.1f} {rate_r / rate_m:>6.2f} {qr[49] * 1000:>9.1f} "
            f"{qm[49] * 1000:>8.1f} {qr[94] * 1000:>9.1f} {qm[94] * 1000:>8.1f} {time_ratio:>10.2f} {share:>14}"
        )
    ratio = (len(real_samples) / real_elapsed) / (len(min_samples) / min_elapsed)
    print(f"ratio real / minimal (throughput of the mix): {ratio:.2f} (target >= 0.50)")
