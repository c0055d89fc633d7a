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
