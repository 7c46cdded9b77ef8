#!/usr/bin/env bash
# The paper's network (issue 12) per step: qm7-deep-bench against the plain PyTorch peer of the
# same network and batches, in one run, interleaved (workbench, peer, workbench, peer) so that a
# change in the machine's load hits both; prints each time, the ratio and the load average.
#
#   bench/run_deep.sh [--bench PATH/TO/qm7-deep-bench] [--steps 2000] [--data demo]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bench=""
steps=2000
data=demo
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bench) bench="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --data) data="$2"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run_deep.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$bench" ]]; then
  for b in "$root/build-bench/bench/qm7-deep-bench" "$root/build/ci/bench/qm7-deep-bench" \
           "$root/build/bench/qm7-deep-bench"; do
    [[ -x "$b" ]] && { bench="$b"; break; }
  done
fi
[[ -x "$bench" ]] || { echo "run_deep.sh: qm7-deep-bench not found (pass --bench)" >&2; exit 2; }
out="$(mktemp -d /tmp/qm7-deep-bench.XXXXXX)"
pool="$out/pool.f32"
echo "paper network benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, uptime:$(uptime | sed 's/.*load/ load/')"
for round in 1 2; do
  "$bench" --data "$data" --steps "$steps" --pool "$pool" --json "$out/wb$round.json" >/dev/null
  d=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['d'])" "$out/wb$round.json")
  /usr/bin/python3 "$here/peer/pytorch_deep_peer.py" --pool "$pool" --d "$d" --steps "$steps" > "$out/pt$round.json"
done
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
ld = lambda n: json.load(open(os.path.join(out, n)))
wb = [ld(f"wb{r}.json") for r in (1, 2)]
pt = [ld(f"pt{r}.json") for r in (1, 2)]
for r in range(2):
    print(f"round {r + 1}: workbench {wb[r]['step_ms']:.3f} ms/step wall ({wb[r]['step_cpu_ms']:.3f} CPU), "
          f"with fresh draws {wb[r]['step_fresh_ms']:.3f}; PyTorch peer {pt[r]['step_ms']:.3f} ms/step wall "
          f"({pt[r]['step_cpu_ms']:.3f} CPU, {pt[r]['threads']} threads, torch {pt[r]['torch']})")
w = sum(x["step_ms"] for x in wb) / 2
p = sum(x["step_ms"] for x in pt) / 2
wc = sum(x["step_cpu_ms"] for x in wb) / 2
pc = sum(x["step_cpu_ms"] for x in pt) / 2
print(f"d = {wb[0]['d']}, batch {wb[0]['batch']}: workbench {w:.3f} ms/step, PyTorch peer {p:.3f} ms/step: "
      f"{p / w:.2f}x faster per step (wall), {pc / wc:.2f}x (CPU time)")
print(f"target >= 2x: {'met' if p / w >= 2 else 'MISSED'}; load average {wb[0]['load_start']} .. {wb[1]['load_end']}")
PY
