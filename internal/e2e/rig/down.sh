#!/usr/bin/env bash
# Stops what up.sh started and puts the machine back as it was. Idempotent
# and safe to run when nothing runs, after a failed up.sh, or after daemons
# were killed by hand.
#
#   KCG_E2E_WORKDIR        work directory (default /var/tmp/kubecgroups-e2e)
#   KCG_E2E_STOP_SECONDS   SIGTERM grace before SIGKILL (default 15)
#
# Exits non-zero if something could not be removed (it says what).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
STOP_SECONDS=${KCG_E2E_STOP_SECONDS:-15}
T0=$(now)
PROBLEMS=0
problem() {
	log "PROBLEM: $*"
	PROBLEMS=$((PROBLEMS + 1))
}

declare -A ST=()
if [[ -f $STATE_FILE ]]; then
	while IFS='=' read -r k v; do
		[[ -n $k && $k != \#* ]] && ST[$k]=$v
	done <"$STATE_FILE"
	log "state: runtime ${ST[RUNTIME]:-?} config ${ST[CONFIG]:-?} started ${ST[STARTED]:-?}"
fi

KUBELET_EXES=("$BIN_DIR/kubelet")
CONTAINERD_EXES=(/usr/bin/containerd "$C2_BIN_DIR/containerd")
SHIM_EXES=(/usr/bin/containerd-shim-runc-v2 "$C2_BIN_DIR/containerd-shim-runc-v2")

# 1. The kubelet first, so it does not restart what we kill next.
if [[ -n ${ST[KUBELET_PID]:-} ]]; then
	stop_pid kubelet "${ST[KUBELET_PID]}" "${ST[KUBELET_EXE]}"
fi
for pid in $(pids_of "${KUBELET_EXES[@]}"); do
	stop_pid "kubelet (unrecorded)" "$pid" "$(readlink "/proc/$pid/exe" 2>/dev/null || echo gone)"
done

# 2. Every process in a kubepods cgroup (containers and pause processes).
#    A shim that dies leaves its container running, so kill them directly.
kill_kubepods_procs() {
	local m f pid procs
	local -A seen=()
	for m in $(cgroup_mounts); do
		[[ -d $m/kubepods ]] || continue
		while IFS= read -r f; do
			# cgroups vanish while we walk: read what is still there.
			procs=()
			mapfile -t procs 2>/dev/null <"$f" || true
			for pid in "${procs[@]}"; do
				[[ -n $pid ]] && seen[$pid]=1
			done
		done < <(find "$m/kubepods" -name cgroup.procs 2>/dev/null)
	done
	for pid in "${!seen[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	echo "${#seen[@]}"
}
for ((i = 0; i < 20; i++)); do
	n=$(kill_kubepods_procs)
	((n == 0)) && break
	log "killed $n processes in kubepods cgroups"
	sleep 0.2
done

# 3. containerd, then any shim it left behind.
if [[ -n ${ST[CONTAINERD_PID]:-} ]]; then
	stop_pid containerd "${ST[CONTAINERD_PID]}" "${ST[CONTAINERD_EXE]}"
fi
for pid in $(pids_of "${CONTAINERD_EXES[@]}"); do
	stop_pid "containerd (unrecorded)" "$pid" "$(readlink "/proc/$pid/exe" 2>/dev/null || echo gone)"
done
for pid in $(pids_of "${SHIM_EXES[@]}"); do
	log "killing leftover shim PID $pid"
	kill -KILL "$pid" 2>/dev/null || true
done
for ((i = 0; i < 50; i++)); do
	[[ -z $(pids_of "${SHIM_EXES[@]}") ]] && break
	sleep 0.1
done
left=$(pids_of "${KUBELET_EXES[@]}" "${CONTAINERD_EXES[@]}" "${SHIM_EXES[@]}" | tr '\n' ' ')
[[ -z $left ]] || problem "processes still running: $left"

# ------------------------------------------------------------ mounts
# Mount points under the work dir or the fixed runtime paths, deepest
# first (mountinfo field 5, octal escapes such as \040 decoded).
our_mounts() {
	awk '{ print $5 }' /proc/self/mountinfo | while IFS= read -r mp; do
		mp=$(printf '%b' "$mp")
		case $mp in
		"$W" | "$W"/* | /run/containerd/* | /var/lib/kubelet | /var/lib/kubelet/*) echo "$mp" ;;
		esac
	done | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}
unmounted=0
for ((i = 0; i < 5; i++)); do
	mapfile -t mps < <(our_mounts)
	((${#mps[@]} == 0)) && break
	for mp in "${mps[@]}"; do
		if umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null; then
			unmounted=$((unmounted + 1))
		fi
	done
done
((unmounted == 0)) || log "unmounted $unmounted mounts"
mapfile -t mps < <(our_mounts)
((${#mps[@]} == 0)) || problem "still mounted: ${mps[*]}"

# ------------------------------------------------------------ cgroups
remove_kubepods() {
	local m rc=0
	for m in $(cgroup_mounts); do
		[[ -d $m/kubepods ]] || continue
		# -depth: leaf first; a parent fails while a child remains.
		find "$m/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || rc=1
	done
	return $rc
}
for ((i = 0; i < 10; i++)); do
	remove_kubepods && break
	kill_kubepods_procs >/dev/null
	sleep 0.5
done
for m in $(cgroup_mounts); do
	[[ ! -d $m/kubepods ]] || problem "$m/kubepods could not be removed"
done

# ------------------------------------------------------------ fixed paths
rm -rf /var/lib/kubelet/device-plugins
if [[ -S /run/containerd/containerd.sock ]]; then
	log "a system containerd owns /run/containerd: leaving /run/containerd/{s,fifo} alone"
else
	rm -rf /run/containerd/s /run/containerd/fifo
fi
if [[ -d /var/log/containers ]]; then
	find /var/log/containers -mindepth 1 -maxdepth 1 -exec rm -rf {} +
fi
# The kubelet and containerd created these parents (/run/mount: libmount's
# utab dir, from the kubelet's bind mount); remove them once empty (rmdir
# leaves a directory that holds anything else alone).
# /run/containerd/runc/k8s.io: runc's default root, used by a shim's
# cleanup when it cannot read the rig's runc options (seen after killing
# shims and containerd mid-run).
for d in /var/log/containers /var/lib/kubelet /run/containerd/runc/k8s.io /run/containerd/runc \
	/run/containerd /run/mount; do
	if [[ -d $d ]]; then rmdir "$d" 2>/dev/null || true; fi
done

# ------------------------------------------------------------ kernel tunables
SYSCTL_SAVE=$W/sysctl.orig
if [[ -s $SYSCTL_SAVE ]]; then
	while IFS='=' read -r k v; do
		[[ -n $k ]] || continue
		if [[ $(cat "/proc/sys/$k") != "$v" ]]; then
			echo "$v" >"/proc/sys/$k" || problem "cannot restore /proc/sys/$k to $v"
		fi
	done <"$SYSCTL_SAVE"
	log "kernel tunables restored"
	((PROBLEMS > 0)) || rm -f "$SYSCTL_SAVE"
fi

# ------------------------------------------------------------ work dir state
if ((PROBLEMS == 0)); then
	# No mounts are left under RUN_DIR (checked above), so rm cannot cross
	# into anything else. Binaries, images and logs stay.
	rm -rf "$RUN_DIR"
	rm -f "$STATE_FILE" "$ENV_FILE"
	log "down in $(elapsed "$T0")"
else
	log "down finished with $PROBLEMS problem(s) in $(elapsed "$T0"); $STATE_FILE kept"
	exit 1
fi
