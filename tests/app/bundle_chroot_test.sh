#!/usr/bin/env bash
# The portable bundle on a machine that has nothing: packaging/make_bundle.sh packs this build
# tree's qm7, and the bundle runs in a chroot of a folder that holds only the unpacked bundle and
# a statically linked /bin/sh (Debian's busybox-static): no libraries, no /usr, no /etc. Only the
# kernel's /proc is mounted and /dev/null and /dev/urandom made, as on every node (libtorch reads
# /proc/cpuinfo and seeds from /dev/urandom).
#   1. `qm7 info demo` prints the demo data's split;
#   2. a 20-epoch train writes a model.pt equal to the build tree's (same seed, same threads).
# Exit 77 (skipped) with the reason where chroot is not allowed or busybox-static is missing.
# Usage: bundle_chroot_test.sh QM7_BINARY MAKE_BUNDLE DEMO_DIR WORK_FOLDER
set -u
QM7=$(readlink -f "$1")
MAKE_BUNDLE=$2
DEMO=$3
ROOT=$4

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "chroot needs root; this user ($(id -un)) cannot run it"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || skip "no $BUSYBOX (apt-get install busybox-static)"
ldd "$BUSYBOX" > /dev/null 2>&1 && skip "$BUSYBOX is linked dynamically (install busybox-static, not busybox)"

rm -rf "$ROOT"
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd -P)
TARBALL="$ROOT/qm7-linux-x86_64.tar.gz"
sh "$MAKE_BUNDLE" "$QM7" "$DEMO" "$TARBALL" || fail "make_bundle.sh failed"
echo "bundle: $(du -h "$TARBALL" | cut -f1) ($(stat -c %s "$TARBALL") bytes), $(tar -tzf "$TARBALL" | grep -c '^qm7/lib/.') files in lib/"

# The chroot: the unpacked bundle and /bin/sh, nothing else.
JAIL="$ROOT/jail"
mkdir -p "$JAIL/bin"
tar -C "$JAIL" -xzf "$TARBALL" || fail "cannot unpack the bundle"
cp "$BUSYBOX" "$JAIL/bin/sh"
echo "the chroot holds: $(cd "$JAIL" && ls -d * */* | tr '\n' ' ')(and /proc, /dev/null, /dev/urandom, made below)"
chroot "$JAIL" /bin/sh -c 'exit 0' 2> "$ROOT/chroot.err" || { cat "$ROOT/chroot.err"; skip "chroot is not allowed here"; }
mkdir -p "$JAIL/proc" "$JAIL/dev"
mknod -m 666 "$JAIL/dev/null" c 1 3 && mknod -m 444 "$JAIL/dev/urandom" c 1 9 || skip "cannot make /dev/null and /dev/urandom in the chroot"
mount -t proc proc "$JAIL/proc" 2> "$ROOT/mount.err" || { cat "$ROOT/mount.err"; skip "cannot mount /proc in the chroot"; }
trap 'umount "$JAIL/proc"' EXIT

TRAIN="train --data demo --epochs 20 --hidden 16 --seed 3 --threads 1"
info=$(chroot "$JAIL" /bin/sh -c 'cd /qm7 && bin/qm7 info demo' 2>&1) || { echo "$info"; fail "qm7 info demo failed in the chroot"; }
echo "--- chroot: qm7 info demo"
echo "$info"
echo "$info" | grep -Eq "1500.*500.*1000|train.*1500" || fail "qm7 info demo printed no split"

out=$(chroot "$JAIL" /bin/sh -c "/qm7/bin/qm7 $TRAIN --out /run" 2>&1) || { echo "$out"; fail "the train failed in the chroot"; }
echo "--- chroot: qm7 $TRAIN --out /run"
echo "$out" | tail -n 5
(cd "$ROOT" && "$QM7" $TRAIN --out "$ROOT/reference" > "$ROOT/reference.log" 2>&1) || { cat "$ROOT/reference.log"; fail "the build tree's train failed"; }
[ -f "$JAIL/run/model.pt" ] || fail "no model.pt from the chroot"
cmp "$JAIL/run/model.pt" "$ROOT/reference/model.pt" || fail "model.pt of the bundle differs from the build tree's"
echo "PASSED: in a chroot with only the bundle and a static sh, qm7 info demo prints the split and model.pt ($(stat -c %s "$ROOT/reference/model.pt") bytes) equals the build tree's"
