# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings and helpers for the live-node rig (install.sh, up.sh,
# down.sh). Sourced, never executed. Everything lives under one work
# directory so that a later cluster rig can reuse the same layout.

KCG_E2E_WORKDIR=${KCG_E2E_WORKDIR:-/var/tmp/kubecgroups-e2e}
W=$KCG_E2E_WORKDIR

# Pinned versions.
K8S_VERSION=v1.37.2
K8S_STAGING_VERSION=v0.37.2
CONTAINERD2_VERSION=v2.4.2
CRICTL_VERSION=v1.37.0
PAUSE_IMAGE=registry.k8s.io/pause:3.10.1
BUSYBOX_IMAGE=docker.io/library/busybox:kcg
NODE_NAME=kcg-node

# Layout of the work directory.
BIN_DIR=$W/bin                        # kubelet, crictl, pause
C2_BIN_DIR=$W/containerd2/bin         # containerd v2 binaries (go install)
BUILD_DIR=$W/build                    # scratch Go modules
IMAGE_DIR=$W/images                   # docker-archive tars
RUN_DIR=$W/run                        # per-"up" runtime state (wiped by down)
LOG_DIR=$W/logs                       # daemon logs (kept after down)
STATE_FILE=$W/rig.state               # PIDs and paths of what up.sh started
ENV_FILE=$W/rig.env                   # KEY=VALUE lines for the Go test

# Daemon directories (under RUN_DIR so down.sh can wipe them).
CTRD_ROOT=$RUN_DIR/containerd/root
CTRD_STATE=$RUN_DIR/containerd/state
CTRD_SOCK=$RUN_DIR/containerd/containerd.sock
CTRD_CONFIG=$RUN_DIR/containerd/config.toml
CNI_CONF_DIR=$RUN_DIR/cni/net.d
CNI_BIN_DIR=$RUN_DIR/cni/bin
KUBELET_ROOT=$RUN_DIR/kubelet
KUBELET_CERT_DIR=$RUN_DIR/kubelet-pki
KUBELET_CONFIG=$RUN_DIR/kubelet-config.yaml
POD_LOGS_DIR=$RUN_DIR/pod-logs
MANIFEST_DIR=$RUN_DIR/manifests

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

export GOTOOLCHAIN=local

log() { printf '[rig %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

now() { printf '%s' "${EPOCHREALTIME/[.,]/}"; } # microseconds
# elapsed START_US -> "12.3s"
elapsed() {
	local d=$(($(now) - $1))
	printf '%d.%01ds' $((d / 1000000)) $(((d % 1000000) / 100000))
}

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

# Cgroup v1 hierarchies plus the named systemd one and the unified (v2)
# mount, i.e. every place runc and the kubelet create kubepods cgroups.
cgroup_mounts() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts
}

# Process helpers of the down scripts (node and cluster rig). stop_pid
# needs STOP_SECONDS and a problem function; pids_of needs W.

# is_ours PID EXE: PID is alive and runs EXE (guards against PID reuse).
is_ours() {
	[[ -n $1 && -d /proc/$1 ]] || return 1
	[[ $(readlink "/proc/$1/exe" 2>/dev/null || true) == "$2" ]]
}

# stop_pid NAME PID EXE: SIGTERM, wait up to STOP_SECONDS, then SIGKILL.
stop_pid() {
	local name=$1 pid=$2 exe=$3 i
	if ! is_ours "$pid" "$exe"; then
		log "$name (PID $pid) is not running"
		return 0
	fi
	log "stopping $name (PID $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_SECONDS * 10; i++)); do
		is_ours "$pid" "$exe" || break
		sleep 0.1
	done
	if is_ours "$pid" "$exe"; then
		log "$name (PID $pid) ignored SIGTERM for ${STOP_SECONDS}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			is_ours "$pid" "$exe" || break
			sleep 0.1
		done
	fi
	if is_ours "$pid" "$exe"; then problem "$name (PID $pid) is still running"; fi
	return 0
}

# PIDs (other than ours) whose exe is one of the given files and whose
# command line mentions the work directory. One find for all of /proc: a
# fork per process is slow on a busy machine.
pids_of() {
	local pid exe want cmdline
	while read -r pid exe; do
		pid=${pid#/proc/}
		[[ $pid != "$$" ]] || continue
		for want in "$@"; do
			[[ $exe == "$want" ]] || continue
			cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
			if [[ $cmdline == *"$W"* ]]; then
				echo "$pid"
			fi
			break
		done
	done < <(find /proc -mindepth 2 -maxdepth 2 -path '/proc/[0-9]*/exe' -printf '%h %l\n' 2>/dev/null || true)
}
