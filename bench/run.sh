#!/usr/bin/env bash
# Runs the whole benchmark in one go: the Python peers (plain PyTorch, scikit-learn), the
# workbench (qm7-bench: microbenchmarks, profile, single model, the homework's 24 runs) and
# prints each time, the ratios and whether each target of issue 7 is met.
#
#   bench/run.sh [--quick] [--epochs N] [--data FILE] [--bench PATH/TO/qm7-bench] [--out DIR]
#
# --epochs N: N epochs everywhere instead of 1000 (a reduced run on a busy machine; the ratios
# compare equal work, the floors are computed for the same N).
# --quick: few epochs everywhere (under a minute). Without it (the full mode, ~10 minutes on
# 2 cores): 1000 epochs everywhere; the PyTorch peer's homework is measured on 5 of the 24 runs
# (one per training size: lr 1e-3 seed 0 on all rows, and n = 100, 200, 500, 1000 seed 0, i.e.
# 33 of the 234 model-steps per epoch) and scaled up by the number of runs of each size.
# Run it on an idle machine: every number is a wall time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="$root/../shared/data/qm7/dataset.pt"
bench=""
out=""
quick=0
epochs=""
python=/usr/bin/python3

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --epochs) epochs="$2"; shift ;;
    --data) data="$2"; shift ;;
    --bench) bench="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ -z "$bench" ]]; then
  for b in "$root/build-bench/bench/qm7-bench" "$root/build/bench/qm7-bench" \
           "$root/build/release/bench/qm7-bench"; do
    [[ -x "$b" ]] && { bench="$b"; break; }
  done
fi
[[ -x "$bench" ]] || { echo "run.sh: qm7-bench not found: build it (cmake ... -DQM7_BUILD_BENCH=ON) or pass --bench" >&2; exit 2; }
[[ -f "$data" ]] || { echo "run.sh: no data set at $data (pass --data)" >&2; exit 2; }
"$python" -c "import torch" 2>/dev/null || { echo "run.sh: $python has no torch: apt-get install python3-torch" >&2; exit 2; }
have_sklearn=1
"$python" -c "import sklearn" 2>/dev/null || { have_sklearn=0; echo "run.sh: $python has no sklearn (apt-get install python3-sklearn): the scikit-learn peer is left out" >&2; }

out="${out:-$(mktemp -d /tmp/qm7-bench.XXXXXX)}"
mkdir -p "$out"
if [[ $quick == 1 ]]; then
  e_single=20; e_sk=20; e_hw=10; e_peer_hw=10; mode=quick; bench_mode=--quick
else
  e_single=1000; e_sk=1000; e_hw=1000; e_peer_hw=1000; mode=full; bench_mode=
fi
if [[ -n "$epochs" ]]; then
  e_single=$epochs; e_sk=$epochs; e_hw=$epochs; e_peer_hw=$epochs; mode="$mode, $epochs epochs"
fi
hw_runs="6,12,15,18,21"

echo "QM7 Workbench benchmark ($mode mode), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), results in $out"
echo "uptime at start: $(uptime)"
echo

t0=$(date +%s)
echo "-- [1/4] PyTorch peer, one model ($e_single epochs) ..."
"$python" "$here/peer/pytorch_peer.py" --data "$data" --epochs "$e_single" --lr 1e-3 --seed 0 > "$out/pytorch_single.json"
echo "-- [2/4] scikit-learn peer, one model ($e_sk epochs) ..."
if [[ $have_sklearn == 1 ]]; then
  "$python" "$here/peer/sklearn_peer.py" --data "$data" --epochs "$e_sk" --lr 1e-3 --seed 0 > "$out/sklearn_single.json"
else
  echo "   (no sklearn: left out)"
fi
echo "-- [3/4] PyTorch peer, homework runs $hw_runs of 24 ($e_peer_hw epochs) ..."
"$python" "$here/peer/pytorch_peer.py" --data "$data" --epochs "$e_peer_hw" --homework --homework-runs "$hw_runs" > "$out/pytorch_homework.json"
echo "-- [4/4] workbench: qm7-bench $bench_mode ..."
echo
"$bench" --data "$data" $bench_mode --single-epochs "$e_single" --homework-epochs "$e_hw" --json "$out/workbench.json" | tee "$out/workbench.txt"
echo
echo "total wall time of the benchmark: $(( $(date +%s) - t0 )) s; uptime at end: $(uptime)"
echo

"$python" - "$out" <<'EOF'
import json, sys, os
out = sys.argv[1]
load = lambda n: json.load(open(os.path.join(out, n)))
pt, pth, wb = (load(n) for n in ("pytorch_single.json", "pytorch_homework.json", "workbench.json"))
have_sk = os.path.exists(os.path.join(out, "sklearn_single.json"))
sk = load("sklearn_single.json") if have_sk else None
rows = []
def show(name, seconds, steps, extra="", cpu=None):
    c = f"CPU {cpu:8.2f} s" if cpu is not None else " " * 14
    print(f"  {name:52s} {seconds:9.2f} s  {c}  {steps:9d} steps  {1000*seconds/steps:7.3f} ms/step  {extra}")

print("== times (ms per step = wall time / model-steps, evaluation included)")
show("PyTorch peer, one model", pt["seconds"], pt["steps"],
     f"test RMSE {pt['test_rmse_kcal']:.2f} kcal/mol, torch threads {pt['threads']}", pt["cpu_seconds"])
if have_sk:
    show("scikit-learn peer, one model", sk["seconds"], sk["steps"],
         f"test RMSE {sk['test_rmse_kcal']:.2f} kcal/mol", sk["cpu_seconds"])
show("workbench, one model (qm7::train)", wb["single_seconds"], int(wb["single_steps"]),
     f"test RMSE {wb['single_test_rmse']:.2f} kcal/mol", wb["single_cpu_seconds"])
show(f"PyTorch peer, homework runs {pth['runs_measured']}", pth["seconds"], pth["steps"],
     f"= {100*pth['fraction_of_steps']:.1f}% of the homework's steps", pth["cpu_seconds"])
print(f"  {'PyTorch peer, homework of 24 runs (scaled up)':52s} {pth['homework_seconds_estimate']:9.2f} s  "
      f"{pth['homework_steps']:9d} steps  {1000*pth['homework_seconds_estimate']/pth['homework_steps']:7.3f} ms/step")
show("workbench, homework of 24 runs, skipping padding", wb["homework_seconds"], int(wb["homework_steps"]),
     f"peak RSS {wb['homework_peak_rss_mb']:.0f} MB, test RMSE {wb['homework_test_rmse_lr1e3']:.3f}", wb["homework_cpu_seconds"])
dense = "homework_dense_seconds" in wb
if dense:
    show("workbench, homework of 24 runs, dense path", wb["homework_dense_seconds"], int(wb["homework_steps"]),
         f"peak RSS {wb['homework_dense_peak_rss_mb']:.0f} MB, test RMSE {wb['homework_dense_test_rmse_lr1e3']:.3f}",
         wb["homework_dense_cpu_seconds"])
print(f"  {'dense floor of the homework':52s} {wb['floor_seconds']:9.2f} s  = {wb['floor_gemm_seconds']:.2f} s GEMM "
      f"({wb['floor_flops']:.3g} FLOP at {wb['gemm_peak_gflops']:.1f} GFLOP/s) + {wb['floor_bytes_seconds']:.2f} s Adam "
      f"({wb['floor_bytes']:.3g} B at {wb['bandwidth_gbs']:.1f} GB/s)")
print(f"  {'floor of the FLOPs needed (nonzero prefixes)':52s} {wb['needed_floor_seconds']:9.2f} s  = "
      f"{wb['needed_floor_gemm_seconds']:.2f} s GEMM ({wb['needed_flops']:.3g} FLOP) + {wb['floor_bytes_seconds']:.2f} s Adam")
print()

wb_step = wb["homework_seconds"] / wb["homework_steps"]   # workbench throughput per model-step
single = wb["single_seconds"] / wb["single_steps"]
pt_step = pt["seconds"] / pt["steps"]
sk_step = sk["seconds"] / sk["steps"] if have_sk else float("nan")
r_hw = pth["homework_seconds_estimate"] / wb["homework_seconds"]
r_sk = sk_step / wb_step
r_pt = pt_step / wb_step
r_floor = wb["homework_seconds"] / wb["floor_seconds"]
r_single_pt = pt_step / single
r_single_sk = sk_step / single
import math
single_best = min(r_single_pt, r_single_sk) if have_sk else r_single_pt
print("== ratios (how many times faster the workbench is)")
print(f"  per model-step, homework throughput vs PyTorch peer      {r_pt:6.2f}x")
if have_sk:
    print(f"  per model-step, homework throughput vs scikit-learn peer {r_sk:6.2f}x")
print(f"  full homework vs PyTorch peer (scaled)                   {r_hw:6.2f}x")
print(f"  full homework / dense floor                              {r_floor:6.2f}  (1 = the floor)")
r_needed = wb["homework_seconds"] / wb["needed_floor_seconds"]
print(f"  full homework / floor of the FLOPs needed                 {r_needed:6.2f}")
if dense:
    r_dense_pt = pth["homework_seconds_estimate"] / wb["homework_dense_seconds"]
    r_dense_floor = wb["homework_dense_seconds"] / wb["floor_seconds"]
    print(f"  dense path: full homework vs PyTorch peer (scaled)        {r_dense_pt:6.2f}x")
    print(f"  dense path: full homework / dense floor                   {r_dense_floor:6.2f}")
    print(f"  skipping padding vs the dense path                        {wb['homework_dense_seconds'] / wb['homework_seconds']:6.2f}x")
print(f"  single model step vs PyTorch peer                        {r_single_pt:6.2f}x")
if have_sk:
    print(f"  single model step vs scikit-learn peer                   {r_single_sk:6.2f}x")
print()
targets = [
    ("full homework >= 2.5x faster than the PyTorch peer", r_hw >= 2.5, f"{r_hw:.2f}x"),
    ("per model-step >= 1.5x faster than scikit-learn", r_sk >= 1.5, f"{r_sk:.2f}x"),
    ("full homework within 1.5x of the floor", r_floor <= 1.5, f"{r_floor:.2f}x the floor"),
    ("single model step no slower than either peer", single_best >= 1.0,
     f"{single_best:.2f}x the faster peer"),
    ("whole homework under 1 GB resident", wb["homework_peak_rss_mb"] < 1024,
     f"{wb['homework_peak_rss_mb']:.0f} MB"),
]
print("== targets of issue 7")
for name, ok, val in targets:
    print(f"  [{'n/a' if 'nan' in val else 'met' if ok else 'MISSED'}] {name}: {val}")
print("== targets of issue 14 (the skip of the zero padding)")
for name, ok, val in [
        ("full homework >= 4x faster than the PyTorch peer", r_hw >= 4.0, f"{r_hw:.2f}x"),
        ("full homework <= 0.8x the dense floor", r_floor <= 0.8, f"{r_floor:.2f}x the dense floor")]:
    print(f"  [{'met' if ok else 'MISSED'}] {name}: {val}")
print(f"\nload average during the workbench's part: start {wb['load_start']}, end {wb['load_end']}"
      f" ({wb['cores']:.0f} cores): a load above the core count means the numbers above are contended")
EOF
