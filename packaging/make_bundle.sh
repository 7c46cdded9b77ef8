#!/bin/sh
# Writes a portable qm7: QM7_BINARY with every shared library it loads (as ldd lists them) and
# the dynamic loader that ldd names, so that it runs on a Linux x86-64 machine without these
# packages and whatever its glibc; the demo molecules inside. Layout of the tarball:
#   qm7/bin/qm7                  a sh wrapper: runs libexec/qm7 through lib/ld-linux-x86-64.so.2
#   qm7/libexec/qm7              the program
#   qm7/lib/                     the loader and every library (no system path is searched)
#   qm7/share/qm7-workbench/demo the demo molecules (qm7.xyz.gz, LICENSE, README.md)
# Usage: make_bundle.sh QM7_BINARY DEMO_DIR OUTPUT.tar.gz
set -eu
[ $# -eq 3 ] || { echo "usage: $0 QM7_BINARY DEMO_DIR OUTPUT.tar.gz" >&2; exit 2; }
binary=$1
demo=$2
output=$3
[ -x "$binary" ] || { echo "make_bundle: $binary is not an executable" >&2; exit 2; }
[ -f "$demo/qm7.xyz.gz" ] || { echo "make_bundle: no qm7.xyz.gz in $demo" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/qm7-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/qm7"
mkdir -p "$root/bin" "$root/libexec" "$root/lib" "$root/share/qm7-workbench/demo"
cp "$binary" "$root/libexec/qm7"
cp "$demo/qm7.xyz.gz" "$root/share/qm7-workbench/demo/"
for f in LICENSE README.md; do
  [ -f "$demo/$f" ] && cp "$demo/$f" "$root/share/qm7-workbench/demo/"
done

# Every library ldd resolves ("name => /path (addr)") and the loader ("/lib64/ld-linux... (addr)"),
# copied under the name the program asks for (symbolic links followed).
loader=""
ldd "$binary" > "$work/ldd.txt"
if grep -q "not found" "$work/ldd.txt"; then
  grep "not found" "$work/ldd.txt" >&2
  echo "make_bundle: $binary misses libraries here" >&2
  exit 1
fi
while read -r first second third _; do
  if [ "$second" = "=>" ] && [ -f "$third" ]; then
    cp -L "$third" "$root/lib/$first"
  elif [ -f "$first" ] && [ "${first#*ld-linux}" != "$first" ]; then
    loader=$(basename "$first")
    cp -L "$first" "$root/lib/$loader"
  fi
done < "$work/ldd.txt"
[ -n "$loader" ] || { echo "make_bundle: ldd named no dynamic loader" >&2; exit 1; }
chmod 755 "$root/lib/$loader"

# The wrapper: the bundled loader with only the bundled libraries; QM7_EXE tells qm7 what to
# write into job scripts (/proc/self/exe is the loader here), QM7_DEMO_DATA where the demo is.
cat > "$root/bin/qm7" << WRAPPER
#!/bin/sh
# qm7 from a portable bundle: runs libexec/qm7 with the bundle's own loader and libraries.
# No dirname: a node (or a chroot) may have nothing but a shell.
case "\$0" in */*) bin=\${0%/*} ;; *) bin=. ;; esac
here=\$(cd "\$bin/.." && pwd -P)
export QM7_EXE="\$here/bin/qm7"
export QM7_DEMO_DATA="\${QM7_DEMO_DATA:-\$here/share/qm7-workbench/demo/qm7.xyz.gz}"
exec "\$here/lib/$loader" --library-path "\$here/lib" "\$here/libexec/qm7" "\$@"
WRAPPER
chmod 755 "$root/bin/qm7" "$root/libexec/qm7"

mkdir -p "$(dirname "$output")"
tar -C "$work" -czf "$output.part" qm7
mv "$output.part" "$output"
echo "make_bundle: $output: $(ls "$root/lib" | wc -l) files in lib/, $(du -sh "$root" | cut -f1) unpacked, $(du -h "$output" | cut -f1) compressed"
