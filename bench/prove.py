#!/usr/bin/env python3
"""End-to-end proving benchmark: `ziskjit prove` + `ziskjit verify` on the fibonacci,
sha256 and keccak examples at about 2^20 and 2^22 steps (all cores of this machine).

For each run it prints steps, segments, proving throughput (steps/s end to end, from the
start of `prove` to the proof on disk), proof size, verify time and peak memory (the
prove process's VmHWM via /usr/bin/time), and the cost breakdown of the phases from the
prover's tracing spans (`--trace-spans`).

    python3 bench/prove.py [--logs 20,22] [--examples fibonacci,sha256,keccak] [--hash poseidon2|blake3]
"""
import argparse, json, os, re, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZISKJIT = os.path.join(ROOT, "target", "release", "ziskjit")
ELVES = os.path.join(ROOT, "examples", "target", "riscv64imac-unknown-none-elf", "release")


def input_for(example, size):
    """The example's private input of `size` units (fibonacci: n; hashes: bytes)."""
    if example == "fibonacci":
        return struct.pack("<Q", size)
    return bytes((i * 131 + 7) & 0xff for i in range(size))


def steps(example, size, tmp):
    path = os.path.join(tmp, "input.bin")
    with open(path, "wb") as f:
        f.write(input_for(example, size))
    stats = os.path.join(tmp, "run.json")
    subprocess.run([ZISKJIT, "run", os.path.join(ELVES, example), "--input", path, "--stats-json", stats],
                   check=True, stdout=subprocess.DEVNULL)
    return json.load(open(stats))["steps"]


def size_for(example, target, tmp):
    """An input size whose run takes about `target` steps (steps are linear in size)."""
    base = 1000 if example != "fibonacci" else 10000
    s0 = steps(example, base, tmp)
    s1 = steps(example, 2 * base, tmp)
    per_unit = (s1 - s0) / base
    return max(1, int(base + (target - s1) / per_unit) + base)


def phase_seconds(stderr):
    """Sums the busy time of the spans the prover reports, by name."""
    totals = {}
    plain = re.sub(r"\x1b\[[0-9;]*m", "", stderr)
    for m in re.finditer(r"INFO (.+?): close time\.busy=([\d.]+)(\S+?) ", plain):
        # A span's own name, wherever it nests (phase-1 and phase-2 commits add up).
        name = re.sub(r"\{[^}]*\}", "", m.group(1)).split(":")[-1]
        value = float(m.group(2)) * {"s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}.get(m.group(3), 1)
        totals[name] = totals.get(name, 0) + value
    return totals


def bench(example, log, tmp, hash_name):
    size = size_for(example, 1 << log, tmp)
    path = os.path.join(tmp, "input.bin")
    with open(path, "wb") as f:
        f.write(input_for(example, size))
    proof = os.path.join(tmp, "proof.bin")
    stats = os.path.join(tmp, "prove.json")
    elf = os.path.join(ELVES, example)
    run = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", ZISKJIT, "--trace-spans", "prove", elf, "--input", path,
                          "-o", proof, "--hash", hash_name, "--stats-json", stats], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{example}: prove failed: {run.stderr[-2000:]}")
    rss = int(re.search(r"MAXRSS (\d+)", run.stderr).group(1)) / 1024
    s = json.load(open(stats))
    started = time.perf_counter()
    subprocess.run([ZISKJIT, "verify", proof, "--elf", elf], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    verify = time.perf_counter() - started
    return s, verify, rss, phase_seconds(run.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logs", default="20,22")
    parser.add_argument("--examples", default="fibonacci,sha256,keccak")
    parser.add_argument("--hash", default="poseidon2", choices=["poseidon2", "blake3"])
    args = parser.parse_args()
    print(f"{'example':10} {'steps':>9} {'segs':>4} {'steps/s':>8} {'prove s':>8} {'proof KiB':>9} "
          f"{'verify s':>8} {'peak MiB':>8}  phases (CPU-busy s)")
    with tempfile.TemporaryDirectory() as tmp:
        for example in args.examples.split(","):
            for log in map(int, args.logs.split(",")):
                s, verify, rss, phases = bench(example, log, tmp, args.hash)
                shown = ", ".join(f"{k} {v:.1f}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1])[:6])
                print(f"{example:10} {s['steps']:>9} {s['segments']:>4} {s['steps_per_second']:>8.0f} "
                      f"{s['seconds']:>8.1f} {s['proof_bytes'] / 1024:>9.0f} {verify:>8.2f} {rss:>8.0f}  {shown}",
                      flush=True)


if __name__ == "__main__":
    main()
