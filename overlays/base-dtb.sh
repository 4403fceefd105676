#!/bin/bash
# Fetches Debian's Raspberry Pi device trees (from the arm64 kernel package, as Debian ships them)
# and adds the `__symbols__` our overlay refers to, which Debian's DTBs lack (they are built
# without dtc -@, so fdtoverlay and the Pi firmware cannot resolve &spi0/&gpio/&i2s).
#   overlays/base-dtb.sh OUTDIR   ->  OUTDIR/debian/<name>.dtb (as shipped) and OUTDIR/<name>.dtb (+ symbols)
# Uses a private apt configuration (this machine's Debian sources, architecture arm64) so the host's
# apt state is left alone; downloads one package (linux-image-arm64's kernel) and keeps only the DTBs.
set -euo pipefail
out=${1:?usage: base-dtb.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
names=(bcm2711-rpi-4-b bcm2711-rpi-cm4-io bcm2837-rpi-3-b)
mkdir -p "$out/debian"
if [ ! -f "$out/debian/bcm2711-rpi-4-b.dtb" ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  mkdir -p "$work"/etc/apt/{sources.list.d,apt.conf.d,preferences.d} "$work"/var/lib/apt/lists/partial \
           "$work"/var/cache/apt/archives/partial "$work"/var/lib/dpkg
  touch "$work/var/lib/dpkg/status"
  cp /etc/apt/sources.list.d/*.sources "$work/etc/apt/sources.list.d/" 2>/dev/null || true
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$work/etc/apt/"
  apt=(apt-get -q -o "Dir=$work" -o "Dir::State::status=$work/var/lib/dpkg/status"
       -o APT::Sandbox::User=root -o APT::Architecture=arm64 -o APT::Architectures::=arm64
       -o Dir::Etc::trusted=/etc/apt/trusted.gpg -o Dir::Etc::trustedparts=/etc/apt/trusted.gpg.d)
  "${apt[@]}" update >/dev/null
  kernel=$("${apt[@]}" install -s linux-image-arm64 2>/dev/null | sed -n 's/^Inst \(linux-image-[0-9][^ ]*-arm64\) .*/\1/p' | head -1)
  [ -n "$kernel" ] || { echo "base-dtb: no arm64 kernel package found in the Debian sources" >&2; exit 1; }
  (cd "$work" && "${apt[@]}" download "$kernel:arm64" >/dev/null)
  deb=$(ls "$work"/*.deb)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards '*/broadcom/bcm2711-rpi-*.dtb' '*/broadcom/bcm2837-rpi-3-b.dtb'
  for n in "${names[@]}"; do cp "$(find "$work/usr/lib" -name "$n.dtb" | head -1)" "$out/debian/$n.dtb"; done
  echo "$kernel" > "$out/debian/KERNEL"
fi
for n in "${names[@]}"; do
  python3 "$here/symbols.py" "$out/debian/$n.dtb" "$out/$n.dtb"
done
