#!/usr/bin/env bash
# qm7 slurm on a real Slurm: starts a single-node cluster (munged, slurmctld, slurmd from Debian's
# packages) from a configuration written into a temporary folder, then
#   1. submits a 4-task array of a short sweep with `qm7 slurm ... --submit`, waits for the
#      dependent collect job and checks that sweep.csv equals that of the same sweep run locally;
#   2. cancels one task with scancel mid-run, reruns the study and checks that it finishes with
#      nothing lost and nothing trained twice.
#   3. (resubmit) kills a whole array, so that its collect job would wait forever, resubmits with
#      --take-over: the old collect job is cancelled (and said so), a claim that looks alive is
#      taken at once, nothing stays pending; the same --out with another study exits 2 with
#      nothing submitted;
#   4. (options) --sbatch-option lands as #SBATCH and sbatch accepts it, --setup lines run first
#      (with QM7_BUNDLE set to an unpacked bundle, the scripts run its bin/qm7 via --bundle).
# Exit 77 (skipped) with the reason when the daemons cannot start here.
# Usage: slurm_cluster_test.sh QM7_BINARY WORK_FOLDER [case...]
#        (cases: array cancel homework cv resubmit options)
set -u
QM7=$(readlink -f "$1")
ROOT=$2
shift 2
CASES=${*:-array cancel}

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; exit 1; }

for tool in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo python3; do
  command -v "$tool" > /dev/null || skip "$tool is not installed (apt-get install slurmctld slurmd slurm-client munge)"
done
[ "$(id -u)" -eq 0 ] || skip "the Slurm daemons of this test run as root (SlurmUser=root) and munged as the munge user; this user ($(id -un)) cannot start them"
getent passwd munge > /dev/null || skip "there is no munge user (the munge package creates it)"

rm -rf "$ROOT"
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd -P)
C="$ROOT/cluster"
mkdir -p "$C/munge" "$C/state" "$C/spool"
chmod 755 "$ROOT" "$C"
export SLURM_CONF="$C/slurm.conf"

stop_cluster() {
  for pidfile in "$C/slurmd.pid" "$C/slurmctld.pid" "$C/munge/munged.pid"; do
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2> /dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null
  done
}
trap stop_cluster EXIT

show_logs() {
  for f in "$C/munge/munged.log" "$C/slurmctld.log" "$C/slurmd.log"; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
  done
}

# munge: its own key, socket, pid, seed and log in the temporary folder, run as the munge user.
chown munge: "$C/munge"
chmod 700 "$C/munge"
mungekey --create --keyfile="$C/munge/munge.key" > /dev/null 2>&1 ||
  dd if=/dev/urandom of="$C/munge/munge.key" bs=1024 count=1 status=none
chown munge: "$C/munge/munge.key"
chmod 400 "$C/munge/munge.key"
su -s /bin/sh munge -c "munged --force --key-file=$C/munge/munge.key --socket=$C/munge/munge.socket \
  --pid-file=$C/munge/munged.pid --seed-file=$C/munge/munged.seed --log-file=$C/munge/munged.log" \
  > "$C/munged.out" 2>&1 || { cat "$C/munged.out"; show_logs; skip "munged does not start as the munge user (see above)"; }
for _ in $(seq 50); do [ -S "$C/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$C/munge/munge.socket" ] || { show_logs; skip "munged started but made no socket"; }

# Two free TCP ports for slurmctld and slurmd.
read -r PORT1 PORT2 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
HOST=$(hostname)
NODE=$(slurmd -C | head -n 1)
case "$NODE" in NodeName=*) ;; *) skip "slurmd -C cannot describe this machine: $NODE" ;; esac

cat > "$SLURM_CONF" << EOF
ClusterName=qm7test
SlurmctldHost=$HOST
SlurmUser=root
SlurmctldPort=$PORT1
SlurmdPort=$PORT2
AuthType=auth/munge
AuthInfo=socket=$C/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/slurmctld.log
SlurmdLogFile=$C/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/filetxt
JobCompLoc=$C/jobcomp.txt
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
$NODE State=UNKNOWN
PartitionName=qm7 Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -f "$SLURM_CONF" -i > "$C/slurmctld.out" 2>&1 || { cat "$C/slurmctld.out"; show_logs; skip "slurmctld does not start (see above)"; }
slurmd -f "$SLURM_CONF" > "$C/slurmd.out" 2>&1 || { cat "$C/slurmd.out"; show_logs; skip "slurmd does not start (see above)"; }
state=""
for _ in $(seq 60); do
  state=$(sinfo -h -o %T 2> /dev/null | head -n 1)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { show_logs; skip "the node did not come up idle (state '$state')"; }
echo "single-node Slurm up: $(sinfo -h -o '%P %D %c %m %T') (slurmctld port $PORT1, slurmd $PORT2)"

# Waits until job $1 has left the queue (at most $2 seconds).
wait_job() {
  for _ in $(seq $(($2 * 2))); do
    [ -z "$(squeue -h -j "$1" 2> /dev/null)" ] && return 0
    sleep 0.5
  done
  squeue
  return 1
}

# The job-completion line(s) of a job id from jobcomp/filetxt.
jobcomp() { grep -E "JobId=$1( |_)|ArrayJobId=$1 " "$C/jobcomp.txt"; }

# qm7 slurm-status of project $1: checks that N ($2) task lines have state $3 and the dependent
# job's line matches $4 (a grep pattern).
status_is() {
  local status
  status=$(cd "$ROOT" && "$QM7" slurm-status --out "$1" 2>&1) || fail "qm7 slurm-status failed: $status"
  echo "$status"
  [ "$(echo "$status" | grep -cE "^task [0-9]+ +[0-9_]+ +$3")" -eq "$2" ] || fail "qm7 slurm-status: expected $2 tasks $3"
  echo "$status" | grep -E "^(collect|summary) " | grep -qE "$4" || fail "qm7 slurm-status: the dependent job is not '$4'"
}

# Submits a sweep array; sets ARRAY and COLLECT.
submit() {
  local out
  out=$(cd "$ROOT" && "$QM7" slurm sweep "$@" 2>&1) || fail "qm7 slurm failed: $out"
  echo "$out"
  ARRAY=$(echo "$out" | sed -n 's/^array job: *\([0-9]*\).*/\1/p')
  COLLECT=$(echo "$out" | sed -n 's/^collect job: *\([0-9]*\).*/\1/p')
  [ -n "$ARRAY" ] && [ -n "$COLLECT" ] || fail "no job ids in the output of qm7 slurm"
}

case_array() {
  local S="--data demo --epochs 4 --hidden 8 --eval-every 1 --lrs 1e-3,1e-2 --seeds 4"
  (cd "$ROOT" && "$QM7" sweep $S --threads 1 --out local > local.log 2>&1) || fail "local sweep failed"
  submit $S --out array --array 4 --time 10 --cpus-per-task 1 --submit
  wait_job "$ARRAY" 300 || fail "the array job did not finish"
  wait_job "$COLLECT" 120 || fail "the collect job did not finish"
  echo "job-completion lines (jobcomp/filetxt) of array job $ARRAY and collect job $COLLECT:"
  jobcomp "$ARRAY"
  jobcomp "$COLLECT"
  jobcomp "$COLLECT" | grep -q "JobState=COMPLETED" || { cat "$ROOT"/array/slurm/logs/*; fail "collect did not complete"; }
  [ "$(jobcomp "$ARRAY" | grep -c 'JobState=COMPLETED')" -eq 4 ] || fail "not all 4 tasks completed"
  cmp "$ROOT/local/sweep.csv" "$ROOT/array/sweep.csv" || fail "sweep.csv of the cluster differs from the local one"
  status_is array 4 done "$COLLECT +done"
  echo "array: sweep.csv of 4 Slurm tasks + collect equals the local sweep.csv:"
  cat "$ROOT/array/sweep.csv"
}

case_cancel() {
  # 12 runs, 3 per task, long enough to cancel task 1 while it trains.
  local S="--data demo --epochs 800 --hidden 16 --eval-every 50 --lrs 1e-3,3e-3,1e-2 --seeds 4"
  local P="$ROOT/cancel"
  submit $S --out cancel --array 4 --time 10 --cpus-per-task 1 --submit
  # Task 1 gets scancel (SIGTERM: qm7 stops, saves nothing half-done and frees its claims);
  # task 3 is killed outright (SIGKILL: its claims stay behind, held by a dead pid).
  claimed_by() {
    for _ in $(seq 240); do
      grep -l "\"slurm_job\": \"${ARRAY}_$1\"" "$P"/*/claim.json 2> /dev/null | head -n 1 | grep . && return 0
      sleep 0.25
    done
    return 1
  }
  local found
  found=$(claimed_by 1) || fail "task 1 never claimed a run"
  scancel "${ARRAY}_1"
  echo "scancel ${ARRAY}_1 while it held $found"
  found=$(claimed_by 3) || fail "task 3 never claimed a run"
  scancel --signal=KILL --batch "${ARRAY}_3"
  echo "scancel --signal=KILL --batch ${ARRAY}_3 while it held $found"
  wait_job "$ARRAY" 300 || fail "the array did not end"
  sleep 1
  scancel "$COLLECT" 2> /dev/null # afterok can no longer be satisfied
  wait_job "$COLLECT" 60
  jobcomp "$ARRAY"
  local finished unfinished
  finished=$(grep -l '"cancelled": false' "$P"/*/summary.json 2> /dev/null | wc -l)
  unfinished=$((12 - finished))
  [ "$unfinished" -gt 0 ] || fail "the cancelled tasks left nothing to do"
  for d in "$P"/*/; do
    [ -f "$d/summary.json" ] || [ ! -f "$d/history.csv" ] || fail "half-written run in $d"
  done
  ls "$P"/*/claim.json > /dev/null 2>&1 || fail "the killed task left no claim"
  # One claim pretends to come from another node: there the rerun cannot look at the pid and asks
  # squeue about the claim's Slurm job instead (ended, so the claim is taken over at once).
  local far
  far=$(ls "$P"/*/claim.json | head -n 1)
  sed -i "s/\"host\": \"[^\"]*\"/\"host\": \"another-node\"/" "$far"
  grep -q another-node "$far" || fail "could not rewrite $far"
  (cd "$P" && stat -c '%n %Y' $(cd "$P" && grep -l '"cancelled": false' */summary.json)) > "$ROOT/before.txt"
  echo "after the cancel: $finished runs finished, $unfinished left; rerunning"
  submit $S --out cancel --array 4 --time 10 --cpus-per-task 1 --submit
  wait_job "$ARRAY" 300 || fail "the rerun did not finish"
  wait_job "$COLLECT" 120 || fail "the rerun's collect did not finish"
  jobcomp "$ARRAY"
  jobcomp "$COLLECT" | grep -q "JobState=COMPLETED" || fail "the rerun's collect did not complete"
  [ "$(grep -l '"cancelled": false' "$P"/*/summary.json | wc -l)" -eq 12 ] || fail "runs are missing after the rerun"
  (cd "$P" && stat -c '%n %Y' $(cut -d' ' -f1 "$ROOT/before.txt")) | cmp - "$ROOT/before.txt" ||
    fail "a run finished before the cancel was trained again"
  local trained
  trained=$(cat "$P"/slurm/logs/qm7-sweep-"${ARRAY}"_*.out | sed -n 's/.* \([0-9]*\) trained (.*/\1/p' | awk '{s += $1} END {print s + 0}')
  [ "$trained" -eq "$unfinished" ] || fail "the rerun trained $trained runs, $unfinished were left"
  grep -h "taken over" "$P"/slurm/logs/qm7-sweep-"${ARRAY}"_*.out
  grep -q "[1-9][0-9]* taken over" "$P"/slurm/logs/qm7-sweep-"${ARRAY}"_*.out || fail "no task took over the killed task's claims"
  [ -f "$P/sweep.csv" ] || fail "no sweep.csv after the rerun"
  ls "$P"/*/claim.json > /dev/null 2>&1 && fail "claims left behind"
  echo "cancel: the rerun trained exactly the $unfinished runs left, none twice; sweep.csv written"
}

case_homework() {
  # The homework's curve needs the whole sweep: tasks help each other and wait; collect writes
  # the report.
  local S="--data demo --epochs 4 --hidden 8 --eval-every 1 --lrs 1e-3,1e-2 --seeds 2 --sizes 100,200,400 --no-figures"
  (cd "$ROOT" && "$QM7" homework $S --threads 1 --out hwlocal > hwlocal.log 2>&1) || fail "local homework failed"
  local out
  out=$(cd "$ROOT" && "$QM7" slurm homework $S --out hw --array 4 --time 10 --cpus-per-task 1 --submit 2>&1) || fail "qm7 slurm failed: $out"
  echo "$out"
  ARRAY=$(echo "$out" | sed -n 's/^array job: *\([0-9]*\).*/\1/p')
  COLLECT=$(echo "$out" | sed -n 's/^collect job: *\([0-9]*\).*/\1/p')
  wait_job "$ARRAY" 300 || fail "the array job did not finish"
  wait_job "$COLLECT" 120 || fail "the collect job did not finish"
  jobcomp "$ARRAY"
  jobcomp "$COLLECT" | grep -q "JobState=COMPLETED" || { cat "$ROOT"/hw/slurm/logs/*; fail "collect did not complete"; }
  for t in sweep.csv curve.csv fits.csv; do
    cmp "$ROOT/hwlocal/$t" "$ROOT/hw/$t" || fail "$t of the cluster differs from the local one"
  done
  [ -f "$ROOT/hw/report.md" ] || fail "no report.md"
  echo "homework: sweep.csv, curve.csv and fits.csv of 4 Slurm tasks + collect equal the local ones"
}

case_cv() {
  # qm7 slurm cv: task i trains fold i, the summary job reads them back and writes cv.csv; the
  # errors equal a local run's (the seconds differ).
  local S="--from demo --model krr --folds 3 --train-size 200"
  (cd "$ROOT" && "$QM7" cv $S --threads 1 --out cvlocal > cvlocal.log 2>&1) || fail "local cv failed"
  local out
  out=$(cd "$ROOT" && "$QM7" slurm cv $S --out cv --array 3 --time 10 --cpus-per-task 1 --submit 2>&1) || fail "qm7 slurm cv failed: $out"
  echo "$out"
  ARRAY=$(echo "$out" | sed -n 's/^array job: *\([0-9]*\).*/\1/p')
  COLLECT=$(echo "$out" | sed -n 's/^summary job: *\([0-9]*\).*/\1/p')
  [ -n "$ARRAY" ] && [ -n "$COLLECT" ] || fail "no job ids in the output of qm7 slurm cv"
  wait_job "$ARRAY" 300 || fail "the array job did not finish"
  wait_job "$COLLECT" 120 || fail "the summary job did not finish"
  jobcomp "$ARRAY"
  jobcomp "$COLLECT" | grep -q "JobState=COMPLETED" || { cat "$ROOT"/cv/slurm/logs/*; fail "the summary did not complete"; }
  [ "$(jobcomp "$ARRAY" | grep -c 'JobState=COMPLETED')" -eq 3 ] || fail "not all 3 tasks completed"
  # fold, model, sizes, MAE, RMSE and the chosen sigma/lambda: every column but the seconds
  # Every column but the wall time ("seconds", found by its name in the header).
  without_seconds() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "seconds") s = i }
             { out = ""; for (i = 1; i <= NF; ++i) if (i != s) out = out (out == "" ? "" : ",") $i
               print out }' "$1"
  }
  without_seconds "$ROOT/cvlocal/cv.csv" > "$ROOT/cv_local_errors.csv"
  without_seconds "$ROOT/cv/cv.csv" > "$ROOT/cv_cluster_errors.csv"
  cmp "$ROOT/cv_local_errors.csv" "$ROOT/cv_cluster_errors.csv" || fail "cv.csv of the cluster differs from the local one"
  cmp "$ROOT/cvlocal/partition.json" "$ROOT/cv/partition.json" || fail "the partitions differ"
  echo "cv: 3 Slurm tasks (one fold each) + the summary give the local cv.csv:"
  cat "$ROOT/cv/cv.csv"
}

case_resubmit() {
  local S="--data demo --epochs 800 --hidden 16 --eval-every 50 --lrs 1e-3,1e-2 --seeds 2"
  local P="$ROOT/resub"
  submit $S --out resub --array 2 --time 10 --cpus-per-task 1 --submit
  local OLD=$COLLECT
  local found=""
  for _ in $(seq 240); do
    found=$(ls "$P"/*/claim.json 2> /dev/null | head -n 1) && [ -n "$found" ] && break
    sleep 0.25
  done
  [ -n "$found" ] || fail "no task claimed a run"
  # SIGKILL: the claims stay behind; the array fails, so afterok can never be satisfied.
  scancel --signal=KILL --batch "$ARRAY"
  wait_job "$ARRAY" 120 || fail "the killed array did not end"
  sleep 1
  local state
  state=$(squeue -h -o %T -j "$OLD" 2> /dev/null)
  echo "after killing array $ARRAY, its collect job $OLD is: ${state:-gone}"
  [ "$state" = PENDING ] || fail "expected the old collect job to wait (PENDING), it is '$state'"
  # What the workbench's project window shows too: the killed tasks and the orphan's reason.
  # slurmctld gives that reason at its next scheduling pass: a loaded machine may need seconds.
  for _ in $(seq 240); do
    (cd "$ROOT" && "$QM7" slurm-status --out resub 2>&1) | grep -E "^(collect|summary) " |
      grep -qE "DependencyNeverSatisfied" && break
    sleep 0.25
  done
  status_is resub 0 "(running|pending|done)" "pending +DependencyNeverSatisfied"
  # The claim now looks alive on another node, fresh: only --take-over takes it at once.
  found=$(ls "$P"/*/claim.json | head -n 1)
  sed -i -e "s/\"host\": \"[^\"]*\"/\"host\": \"another-node\"/" -e "s/\"slurm_job\": \"[^\"]*\"/\"slurm_job\": \"\"/" "$found"
  touch "$found"
  local out
  out=$(cd "$ROOT" && "$QM7" slurm sweep $S --out resub --array 2 --time 10 --cpus-per-task 1 --take-over --submit 2>&1) || fail "the resubmission failed: $out"
  echo "$out"
  ARRAY=$(echo "$out" | sed -n 's/^array job: *\([0-9]*\).*/\1/p')
  COLLECT=$(echo "$out" | sed -n 's/^collect job: *\([0-9]*\).*/\1/p')
  echo "$out" | grep -q "cancelled the previous collect job $OLD" || fail "the resubmission did not say it cancelled collect job $OLD"
  grep -q -- " --take-over " "$P/slurm/sweep-array.sbatch" || fail "--take-over is not in the tasks' command"
  grep "^exec" "$P/slurm/sweep-array.sbatch"
  wait_job "$ARRAY" 300 || fail "the resubmitted array did not finish"
  wait_job "$COLLECT" 120 || fail "the resubmitted collect did not finish"
  jobcomp "$COLLECT" | grep -q "JobState=COMPLETED" || { cat "$P"/slurm/logs/*; fail "the new collect did not complete"; }
  jobcomp "$OLD" || true
  local left
  left=$(squeue -h -o '%i %T %r')
  [ -z "$left" ] || fail "jobs left in the queue: $left"
  grep -h "taken over" "$P"/slurm/logs/qm7-sweep-"${ARRAY}"_*.out
  grep -q "[1-9][0-9]* taken over" "$P"/slurm/logs/qm7-sweep-"${ARRAY}"_*.out || fail "the fresh-looking claim was not taken over"
  [ -f "$P/sweep.csv" ] || fail "no sweep.csv"
  status_is resub 2 done "$COLLECT +done"
  echo "resubmit: old collect $OLD cancelled, claim taken over at once with --take-over, queue empty"

  # The same folder for another study: exit 2, no script changed, nothing submitted.
  local before_jobs before_script
  before_jobs=$(wc -l < "$C/jobcomp.txt")
  before_script=$(cat "$P/slurm/sweep-array.sbatch")
  local code=0
  out=$(cd "$ROOT" && "$QM7" slurm sweep --data demo --epochs 800 --hidden 16 --eval-every 50 --lrs 1e-3 --seeds 2 --out resub --array 2 --time 10 --submit 2>&1) || code=$?
  echo "$out"
  [ "$code" -eq 2 ] || fail "another study in the same --out exited $code, not 2"
  echo "$out" | grep -q "lrs" || fail "the refusal does not name the difference"
  [ "$(cat "$P/slurm/sweep-array.sbatch")" = "$before_script" ] || fail "the refused command rewrote the script"
  sleep 1
  [ -z "$(squeue -h)" ] && [ "$(wc -l < "$C/jobcomp.txt")" -eq "$before_jobs" ] || fail "the refused command submitted a job"
  echo "resubmit: another study in the same folder refused (exit 2) before anything was submitted"
}

case_options() {
  local S="--data demo --epochs 4 --hidden 8 --eval-every 1 --lrs 1e-3,1e-2 --seeds 3"
  local bundle=()
  [ -n "${QM7_BUNDLE:-}" ] && bundle=(--bundle "$QM7_BUNDLE")
  submit $S --out opts --array 3 --time 5 --cpus-per-task 1 "${bundle[@]}" \
    --sbatch-option --mem=100M --sbatch-option=--comment=qm7-options \
    --setup 'echo "setup line ran on $(hostname)"' --submit
  local script="$ROOT/opts/slurm/sweep-array.sbatch"
  cat "$script"
  grep -qx "#SBATCH --mem=100M" "$script" || fail "--sbatch-option --mem=100M is not an #SBATCH line"
  grep -qx "#SBATCH --comment=qm7-options" "$script" || fail "--sbatch-option=--comment is not an #SBATCH line"
  [ -z "${QM7_BUNDLE:-}" ] || grep -q "^exec '*$QM7_BUNDLE/bin/qm7" "$script" || fail "the script does not run the bundle's qm7"
  scontrol show job "$ARRAY" 2> /dev/null | grep -o "Comment=[^ ]*\|MinMemoryNode=[^ ]*" | sort -u
  wait_job "$ARRAY" 300 || fail "the array job did not finish"
  wait_job "$COLLECT" 120 || fail "the collect job did not finish"
  jobcomp "$ARRAY"
  jobcomp "$COLLECT"
  [ "$(jobcomp "$ARRAY" | grep -c 'JobState=COMPLETED')" -eq 3 ] || { cat "$ROOT"/opts/slurm/logs/*; fail "not all 3 tasks completed"; }
  jobcomp "$COLLECT" | grep -q "JobState=COMPLETED" || { cat "$ROOT"/opts/slurm/logs/*; fail "collect did not complete"; }
  [ "$(grep -l "setup line ran" "$ROOT"/opts/slurm/logs/*.out | wc -l)" -eq 4 ] || fail "the --setup line did not run in every job"
  head -n 3 "$ROOT"/opts/slurm/logs/qm7-sweep-"${ARRAY}"_0.out
  cat "$ROOT/opts/sweep.csv"
  echo "options: #SBATCH lines accepted by sbatch, --setup ran first in the 3 tasks and collect${QM7_BUNDLE:+, through the bundle $QM7_BUNDLE}"
}

for c in $CASES; do
  echo "=== case $c"
  "case_$c"
done
echo "PASSED: $CASES"
