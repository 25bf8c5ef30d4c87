# SPDX-License-Identifier: GPL-2.0
#
# Shared by the scripts under scripts/: where caches live and which
# kernel a short name ("6.1", "6.12", "debug") stands for.

HALO_TOP=${HALO_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HALO_CACHE=${HALO_CACHE:-/var/cache/halo}

halo_die() { echo "${0##*/}: $*" >&2; exit 1; }
halo_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# The installed Debian kernel release for a series: the newest
# /lib/modules/<series>.* that has both an image and a build tree. The
# ABI number (6.1.0-56) changes with every Debian point release, so it is
# discovered, never written down.
halo_distro_kver()
{
	local series=$1 d best

	best=$(for d in /lib/modules/"$series".*-amd64; do
		[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-${d##*/}" ] &&
			echo "${d##*/}"
	done | sort -V | tail -n 1)
	[ -n "$best" ] || return 1
	echo "$best"
}

# Debian's linux-source-6.12, unpacked once into the cache (never into the
# repo): checkpatch.pl, sparse's kernel side, the ynl generator, the
# kselftest headers and the debug kernel all come from here.
halo_ksrc_version() { dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null; }

# halo_unpack DIR [MEMBER...]: the source tarball (or only MEMBERs of it,
# paths under its top directory) into DIR, once, under a lock. A guest
# sees the host's root read-only: there the cache must be ready already,
# prepared on the host before boot (scripts/vm-run does), and its absence
# is said as such rather than as a failed write.
halo_unpack()
{
	local dst=$1 tar top m members=()

	shift
	[ -e "$dst/.unpacked" ] && return 0
	[ -z "${HALO_VM:-}" ] ||
		halo_die "$dst is not in the cache: the host prepares it before the guest boots (scripts/vm-run does; HALO_CACHE=$HALO_CACHE)"
	tar=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
	[ -n "$tar" ] || halo_die "linux-source-6.12 is not installed (run scripts/deps)"
	top=$(basename "$tar")
	top=${top%.tar.*}
	for m in "$@"; do
		members+=("$top/$m")
	done
	mkdir -p "$HALO_CACHE" || return 1
	(
		flock 8
		[ -e "$dst/.unpacked" ] && exit 0
		halo_log "unpacking ${*:-all of} $tar into $dst"
		rm -rf "$dst" "$dst.tmp"
		mkdir -p "$dst.tmp"
		tar -C "$dst.tmp" -xf "$tar" --strip-components=1 "${members[@]}" &&
			mv "$dst.tmp" "$dst" && touch "$dst/.unpacked"
	) 8>"$HALO_CACHE/ksrc.lock"
}

halo_ksrc()
{
	local ver src

	ver=$(halo_ksrc_version)
	[ -n "$ver" ] || halo_die "linux-source-6.12 is not installed (run scripts/deps)"
	src=$HALO_CACHE/linux-source-6.12-$ver
	halo_unpack "$src" || return 1
	echo "$src"
}

# The part of the source the kernel's ynl client needs (tools/net/ynl and
# the genetlink schemas): the whole tree when it is unpacked already,
# otherwise just those two directories, a tenth of a minute's work instead
# of a minute's (the demo needs no more).
halo_ynl_src()
{
	local ver src

	ver=$(halo_ksrc_version)
	[ -n "$ver" ] || halo_die "linux-source-6.12 is not installed (run scripts/deps)"
	src=$HALO_CACHE/linux-source-6.12-$ver
	if [ ! -e "$src/.unpacked" ]; then
		src=$HALO_CACHE/ynl-$ver
		halo_unpack "$src" tools/net/ynl Documentation/netlink || return 1
	fi
	echo "$src"
}

# Debug kernel: cache key is the config fragment plus the source version.
halo_debug_key()
{
	local ver

	ver=$(halo_ksrc_version)
	[ -n "$ver" ] || return 1
	{ printf %s "$ver"; cat "$HALO_TOP/scripts/vm/debug.config"; } |
		sha256sum | cut -c1-16
}

halo_debug_dir() { echo "$HALO_CACHE/debug-$(halo_debug_key)"; }

# Echo "KVER BUILD_DIR IMAGE MODDIR" for a short kernel name.
halo_kernel_info()
{
	local name=$1 kver dir
	case "$name" in
	6.1|6.12)
		kver=$(halo_distro_kver "$name") || return 1
		echo "$kver /lib/modules/$kver/build /boot/vmlinuz-$kver /lib/modules/$kver"
		;;
	debug)
		dir=$(halo_debug_dir) || return 1
		[ -e "$dir/bzImage" ] || return 1
		kver=$(cat "$dir/kernelrelease")
		echo "$kver $dir/build $dir/bzImage $dir/mods/lib/modules/$kver"
		;;
	*)
		return 2
		;;
	esac
}
