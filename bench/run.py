#!/usr/bin/env python3
"""Benchmark of the execution engines (DESIGN.md §8).

Builds the four kernels of `bench/kernels` as RISC-V guests (stock
riscv64imac-unknown-none-elf) and natively, builds `ziskjit`, then runs every kernel
(and the example guests, with the inputs below) under `ziskjit run` (the JIT),
`ziskjit run --engine interp`, `qemu-riscv64` and natively, and prints one table.

Guest steps and the ziskjit times come from `--stats-json` (`steps`, `seconds`,
`compile_seconds`); QEMU and native are timed as whole processes (wall clock). MIPS are
guest steps per second of each run, so the native column is the rate the host would
need to match the native program. Each run is repeated `--repeat` times and the fastest
is kept (the machines are shared and noisy). Every run's output must equal QEMU's.

The profile column is the slowdown of `ziskjit profile` (the JIT's profile variant
feeding the profiler) against the plain JIT run, both without compile time.

A second table covers the minimal trace (`ziskjit trace`, JIT trace variant): trace
generation alone (`--no-replay`) in MIPS and relative to the plain JIT's execution,
trace bytes per step, replay throughput per core (steps / summed per-segment replay
time) and the end-to-end rate of execution plus parallel replay.

A third table is the start-up of the largest example (ecdsa, which stops at once
without input): the whole `ziskjit run` process compiling the ELF (`--no-cache`), loading a
precompiled image (`ziskjit compile`), and finding the code in the image cache.

All JIT runs of the first two tables pass `--no-cache`, so they include compilation.

Usage: bench/run.py [--repeat N] [--skip-interp] [--skip-trace] [--skip-profile] [--kernels loop,sha256,...] [--no-examples]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
GUEST_TARGET = "riscv64imac-unknown-none-elf"
KERNELS = ["loop", "sha256", "keccak", "sort"]


def sh(cmd, cwd=ROOT, env=None):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, env=env, check=True)


def clean_env():
    """The environment without an outer cargo's settings (see testgen::guests)."""
    keep = ("CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTRIES_", "CARGO_REGISTRY_")
    return {
        k: v
        for k, v in os.environ.items()
        if not ((k.startswith("CARGO_") and not k.startswith(keep)) or k.startswith("RUSTFLAGS"))
    }


def build(target_dir):
    env = clean_env()
    bench_target = os.path.join(BENCH, "target")
    sh(["cargo", "build", "--release", "-p", "bench-guest", "--target", GUEST_TARGET,
        "--target-dir", bench_target], cwd=BENCH, env=env)
    sh(["cargo", "build", "--release", "-p", "bench-native", "--target-dir", bench_target], cwd=BENCH, env=env)
    sh(["cargo", "build", "--release", "--bin", "ziskjit", "--target-dir", target_dir], env=env)
    sh(["cargo", "build", "--release"], cwd=os.path.join(ROOT, "examples"), env=env)
    return {
        "ziskjit": os.path.join(target_dir, "release", "ziskjit"),
        "guests": os.path.join(bench_target, GUEST_TARGET, "release"),
        "native": os.path.join(bench_target, "release", "bench-native"),
        "examples": os.path.join(ROOT, "examples", "target", GUEST_TARGET, "release"),
    }


def timed(cmd, stdin, env=None):
    with open(stdin, "rb") as f:
        start = time.perf_counter()
        out = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        seconds = time.perf_counter() - start
    return out, seconds


def with_stats(cmd, stdin):
    """Runs a ziskjit command with `--stats-json`; returns its output and the stats."""
    with tempfile.NamedTemporaryFile(suffix=".json") as stats:
        out, _ = timed(cmd + ["--stats-json", stats.name], stdin)
        if out.returncode >= 100:
            sys.exit(f"{' '.join(cmd)} failed: {out.stderr.decode(errors='replace')}")
        return out.stdout, json.load(open(stats.name))


def ziskjit(exe, elf, stdin, engine):
    return with_stats([exe, "run", elf, "--engine", engine, "--no-cache"], stdin)


def trace(exe, elf, stdin, replay):
    """`ziskjit trace` (the JIT's minimal-trace variant); without replay it measures
    trace generation alone."""
    return with_stats([exe, "trace", elf, "--no-cache"] + ([] if replay else ["--no-replay"]), stdin)


def profile(exe, elf, stdin):
    """`ziskjit profile` on the JIT's profile variant (the report goes to stderr)."""
    return with_stats([exe, "profile", elf, "--no-cache"], stdin)


def startup(exe, elf, repeat, tmp):
    """Wall seconds of a whole `ziskjit run` of `elf` that compiles, that loads an
    image, and that hits the image cache (best of `repeat`)."""
    image = os.path.join(tmp, "startup.zjimg")
    sh([exe, "compile", elf, "-o", image])
    env = dict(os.environ, ZISKJIT_CACHE_DIR=os.path.join(tmp, "cache"))
    subprocess.run([exe, "run", elf], stdin=subprocess.DEVNULL, capture_output=True, env=env)  # fills the cache
    wall = lambda cmd, env=None: min(timed(cmd, os.devnull, env)[1] for _ in range(repeat))
    return {
        "compile": wall([exe, "run", elf, "--no-cache"]),
        "image": wall([exe, "run", image]),
        "cache": wall([exe, "run", elf], env),
        "image_bytes": os.path.getsize(image),
        "elf_bytes": os.path.getsize(elf),
    }


def best(runs, key):
    return min(runs, key=key)


def measure(name, elf, stdin, native_cmd, exe, repeat, skip_interp, skip_trace, skip_profile):
    row = {"name": name}
    qemu = [timed(["qemu-riscv64", elf], stdin) for _ in range(repeat)]
    reference = qemu[0][0].stdout
    row["qemu_s"] = min(s for _, s in qemu)
    jit = [ziskjit(exe, elf, stdin, "jit") for _ in range(repeat)]
    for out, _ in jit:
        assert out == reference, f"{name}: JIT output differs from qemu-riscv64"
    stats = best([s for _, s in jit], key=lambda s: s["seconds"])
    row["steps"] = stats["steps"]
    row["jit_s"] = stats["seconds"]
    row["compile_s"] = stats["compile_seconds"]
    if not skip_interp:
        out, istats = ziskjit(exe, elf, stdin, "interp")
        assert out == reference, f"{name}: interpreter output differs from qemu-riscv64"
        assert istats["steps"] == row["steps"], f"{name}: step counts differ"
        row["interp_s"] = istats["seconds"]
    if not skip_profile:
        profiled = [profile(exe, elf, stdin) for _ in range(repeat)]
        for out, _ in profiled:
            assert out == reference, f"{name}: profiled output differs from qemu-riscv64"
        pstats = best([s for _, s in profiled], key=lambda s: s["seconds"] - s["compile_seconds"])
        assert pstats["steps"] == row["steps"], f"{name}: profiled step count differs"
        row["profile_exec_s"] = pstats["seconds"] - pstats["compile_seconds"]
    if not skip_trace:
        traced = [trace(exe, elf, stdin, replay=False) for _ in range(repeat)]
        for out, _ in traced:
            assert out == reference, f"{name}: traced output differs from qemu-riscv64"
        tstats = best([s for _, s in traced], key=lambda s: s["seconds"])
        assert tstats["steps"] == row["steps"], f"{name}: traced step count differs"
        row["trace_s"] = tstats["seconds"]
        row["bytes_per_step"] = tstats["bytes_per_step"]
        out, rstats = trace(exe, elf, stdin, replay=True)
        assert out == reference, f"{name}: replayed run's output differs from qemu-riscv64"
        row["replay_core_mips"] = rstats["replay_mips_per_core"]
        row["trace_replay_s"] = rstats["total_seconds"]
    if native_cmd:
        native = [timed(native_cmd, stdin) for _ in range(repeat)]
        assert native[0][0].stdout == reference, f"{name}: native output differs from the guest's"
        row["native_s"] = min(s for _, s in native)
    return row


def mips(row, key):
    return row["steps"] / row[key] / 1e6 if key in row else float("nan")


def fmt(x, digits=0):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def table(rows):
    head = ("| program | guest steps | JIT MIPS | JIT exec MIPS | compile s | interp MIPS | qemu MIPS | native MIPS "
            "| JIT/QEMU | JIT/interp | profile exec MIPS | profile overhead |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        jit = mips(r, "jit_s")
        exec_mips = r["steps"] / max(r["jit_s"] - r["compile_s"], 1e-9) / 1e6
        profile_mips = mips(r, "profile_exec_s")
        lines.append(
            f"| {r['name']} | {fmt(r['steps'])} | {fmt(jit)} | {fmt(exec_mips)} | {fmt(r['compile_s'], 3)} "
            f"| {fmt(mips(r, 'interp_s'))} | {fmt(mips(r, 'qemu_s'))} | {fmt(mips(r, 'native_s'))} "
            f"| {fmt(jit / mips(r, 'qemu_s'), 2)} | {fmt(jit / mips(r, 'interp_s'), 1)} "
            f"| {fmt(profile_mips)} | {fmt(exec_mips / profile_mips, 1) + '×' if 'profile_exec_s' in r else '—'} |"
        )
    kernels = [r for r in rows if r["name"] in KERNELS]
    exec_mips = lambda r: r["steps"] / max(r["jit_s"] - r["compile_s"], 1e-9) / 1e6
    geo = lambda xs: math.exp(sum(math.log(x) for x in xs) / len(xs))
    if kernels:
        vs_qemu = geo([mips(r, "jit_s") / mips(r, "qemu_s") for r in kernels])
        line = f"\nGeometric mean over the {len(kernels)} kernels: JIT/QEMU {vs_qemu:.2f}"
        if all("interp_s" in r for r in kernels):
            line += f", JIT/interp {geo([mips(r, 'jit_s') / mips(r, 'interp_s') for r in kernels]):.1f}"
        lines.append(line)
    traced = [r for r in rows if "trace_s" in r]
    if traced:
        lines += ["", "| program | trace MIPS | trace / JIT exec | trace bytes/step | replay MIPS per core "
                      "| trace+replay MIPS (all cores) |", "|" + "---|" * 6]
        for r in traced:
            lines.append(
                f"| {r['name']} | {fmt(mips(r, 'trace_s'))} | {fmt(mips(r, 'trace_s') / exec_mips(r), 2)} "
                f"| {fmt(r['bytes_per_step'], 2)} | {fmt(r['replay_core_mips'])} | {fmt(mips(r, 'trace_replay_s'))} |"
            )
        traced_kernels = [r for r in traced if r["name"] in KERNELS]
        if traced_kernels:
            ratio = geo([mips(r, "trace_s") / exec_mips(r) for r in traced_kernels])
            lines.append(f"\nGeometric mean over the {len(traced_kernels)} kernels: trace / JIT exec {ratio:.2f}")
    return "\n".join(lines)


def startup_table(name, s):
    return "\n".join([
        f"Start-up of `ziskjit run` on {name} (whole process, wall seconds; ELF {s['elf_bytes']:,} bytes, "
        f"image {s['image_bytes']:,} bytes):",
        "",
        "| from | seconds | vs compiling |",
        "|---|---|---|",
        f"| ELF, compiled (`--no-cache`) | {s['compile']:.3f} | 1 |",
        f"| image (`ziskjit compile`) | {s['image']:.3f} | {s['compile'] / s['image']:.1f}× faster |",
        f"| ELF, image cache hit | {s['cache']:.3f} | {s['compile'] / s['cache']:.1f}× faster |",
    ])


def example_inputs(tmp):
    """Inputs for the example guests: sizes that run for about a second under QEMU."""
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    rand = os.urandom
    return [
        ("sha256", write("sha256.in", rand(8 << 20))),
        ("keccak", write("keccak.in", rand(8 << 20))),
        ("sort", write("sort.in", rand(8 << 20))),
        ("fibonacci", write("fibonacci.in", (200_000_000).to_bytes(8, "little"))),
        # The largest example: with no input it stops at once, so its row shows the
        # compile time of the biggest program.
        ("ecdsa", write("ecdsa.in", b"")),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-interp", action="store_true")
    ap.add_argument("--kernels", default=",".join(KERNELS))
    ap.add_argument("--no-examples", action="store_true")
    ap.add_argument("--skip-trace", action="store_true")
    ap.add_argument("--skip-profile", action="store_true")
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")))
    args = ap.parse_args()
    paths = build(args.target_dir)
    rows = []
    for k in args.kernels.split(","):
        elf = os.path.join(paths["guests"], k)
        rows.append(measure(k, elf, os.devnull, [paths["native"], k], paths["ziskjit"], args.repeat,
                            args.skip_interp, args.skip_trace, args.skip_profile))
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_examples:
            for name, stdin in example_inputs(tmp):
                elf = os.path.join(paths["examples"], name)
                rows.append(measure(f"example {name}", elf, stdin, None, paths["ziskjit"], args.repeat,
                                    args.skip_interp, args.skip_trace, args.skip_profile))
        tables.append(table(rows))
        largest = os.path.join(paths["examples"], "ecdsa")
        tables.append(startup_table("the ecdsa example", startup(paths["ziskjit"], largest, max(args.repeat, 3), tmp)))
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
