#!/usr/bin/env bash
# Starts containerd and a standalone kubelet (no API server) that runs the
# static pods of pods/ (or $KCG_E2E_PODS_DIR), and waits until every pod is
# Running.
#
#   up.sh RUNTIME CONFIG
#     RUNTIME  containerd1  Debian containerd 1.6 + Debian runc
#              containerd2  containerd v2.4.2 built by install.sh + Debian runc
#     CONFIG   a  cpuCFSQuotaPeriod 50ms, podPidsLimit 1024
#              b  cpuCFSQuota false, default period, no podPidsLimit
#
#   KCG_E2E_WORKDIR       work directory (default /var/tmp/kubecgroups-e2e)
#   KCG_E2E_PODS_DIR      static pod manifests (default: pods/ next to this script)
#   KCG_E2E_NODE_IP       node IP reported by the kubelet (default: the IPv4
#                         address of the default-route interface; see README)
#   KCG_E2E_WAIT_SECONDS  how long to wait for the pods (default 120)
#
# Writes $KCG_E2E_WORKDIR/rig.state (PIDs, for down.sh) and
# $KCG_E2E_WORKDIR/rig.env (KEY=VALUE lines for the Go test).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	echo "usage: $0 containerd1|containerd2 a|b" >&2
	exit 2
}
[[ $# -eq 2 ]] || usage
RUNTIME=$1
CONFIG=$2
case $RUNTIME in containerd1 | containerd2) ;; *) usage ;; esac
case $CONFIG in a | b) ;; *) usage ;; esac

need_root
PODS_SRC=${KCG_E2E_PODS_DIR:-$RIG_DIR/pods}
WAIT_SECONDS=${KCG_E2E_WAIT_SECONDS:-120}
T0=$(now)

HEALTHZ_URL=http://127.0.0.1:10248/healthz
PODS_URL=http://127.0.0.1:10255/pods
CONFIGZ_URL=https://127.0.0.1:10250/configz

# ------------------------------------------------------------ preconditions
if [[ -e $STATE_FILE ]]; then
	die "$STATE_FILE exists: the rig is (partly) up; run $RIG_DIR/down.sh first"
fi
for m in $(cgroup_mounts); do
	[[ ! -d $m/kubepods ]] || die "$m/kubepods exists (left over?); run $RIG_DIR/down.sh first"
done
listeners=$(ss -Hltn '( sport = :10248 or sport = :10250 or sport = :10255 )')
if [[ -n $listeners ]]; then
	die "a kubelet port (10248/10250/10255) is already in use"
fi
# The shims' sockets and FIFOs live in /run/containerd/{s,fifo} whatever the
# config says, and down.sh removes those: refuse to share them.
if [[ -S /run/containerd/containerd.sock ]]; then
	die "/run/containerd/containerd.sock exists: a system containerd seems to run; the rig would share /run/containerd/{s,fifo} with it"
fi
# A unix socket path has at most 107 bytes.
((${#CTRD_SOCK} + 6 <= 107)) || die "KCG_E2E_WORKDIR is too long for containerd's socket path ($CTRD_SOCK.ttrpc)"
[[ -x $BIN_DIR/kubelet ]] || die "$BIN_DIR/kubelet missing; run $RIG_DIR/install.sh"
[[ -s $IMAGE_DIR/pause.tar && -s $IMAGE_DIR/busybox.tar ]] || die "images missing; run $RIG_DIR/install.sh"
compgen -G "$PODS_SRC/*.yaml" >/dev/null || die "no manifests in $PODS_SRC"

RUNC=/usr/sbin/runc
[[ -x $RUNC ]] || die "$RUNC missing (Debian runc); run $RIG_DIR/install.sh"
DAEMON_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
case $RUNTIME in
containerd1)
	CONTAINERD=/usr/bin/containerd
	CTR=/usr/bin/ctr
	SHIM=/usr/bin/containerd-shim-runc-v2
	;;
containerd2)
	CONTAINERD=$C2_BIN_DIR/containerd
	CTR=$C2_BIN_DIR/ctr
	SHIM=$C2_BIN_DIR/containerd-shim-runc-v2
	# containerd looks its shim up in PATH: ours must come first.
	DAEMON_PATH=$C2_BIN_DIR:$DAEMON_PATH
	;;
esac
for b in "$CONTAINERD" "$CTR" "$SHIM"; do
	[[ -x $b ]] || die "$b missing; run $RIG_DIR/install.sh"
done

# The node IP: without one the kubelet resolves its node name through DNS
# (a query to the resolver in /etc/resolv.conf, i.e. off this machine).
# Taking the address the kubelet would pick itself (the default-route
# interface's) avoids the lookup; it is only reported in pod status.
NODE_IP=${KCG_E2E_NODE_IP:-}
if [[ -z $NODE_IP ]]; then
	routes=$(ip -4 route show default 2>/dev/null || true)
	dev=$(awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }' <<<"$routes")
	if [[ -n $dev ]]; then
		addrs=$(ip -4 -o addr show dev "$dev" scope global 2>/dev/null || true)
		NODE_IP=$(awk '{ sub(/\/.*/, "", $4); print $4; exit }' <<<"$addrs")
	fi
fi
[[ -n $NODE_IP ]] || die "cannot determine a node IP; set KCG_E2E_NODE_IP to a non-loopback address of this host"

# ------------------------------------------------------------ state helpers
mkdir -p "$RUN_DIR" "$LOG_DIR"
: >"$STATE_FILE"
state() { printf '%s=%s\n' "$1" "$2" >>"$STATE_FILE"; }
state WORKDIR "$W"
state RUNTIME "$RUNTIME"
state CONFIG "$CONFIG"
state STARTED "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# The kubelet rewrites these kernel tunables (protectKernelDefaults=false);
# down.sh puts the saved values back. Saved once, so a failed up + a second
# up never records the kubelet's values as the originals.
SYSCTL_SAVE=$W/sysctl.orig
if [[ ! -s $SYSCTL_SAVE ]]; then
	for k in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops \
		kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
		printf '%s=%s\n' "$k" "$(cat "/proc/sys/$k")"
	done >"$SYSCTL_SAVE.tmp"
	mv "$SYSCTL_SAVE.tmp" "$SYSCTL_SAVE"
fi

# start_daemon NAME LOGFILE CMD...: starts CMD in its own session with
# stdin closed; records the daemon's own PID (bash forks and execs a simple
# command, so $! is the daemon itself, checked through /proc/PID/exe).
start_daemon() {
	local name=$1 logf=$2 pid exe i
	shift 2
	cd "$RUN_DIR"
	PATH=$DAEMON_PATH setsid "$@" </dev/null >"$logf" 2>&1 &
	pid=$!
	cd - >/dev/null
	for ((i = 0; i < 50; i++)); do
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
		[[ $exe == "$1" ]] && break
		sleep 0.1
	done
	[[ $exe == "$1" ]] || die "$name (PID $pid) is not running $1 (exe: ${exe:-gone}); see $logf"
	state "${name}_PID" "$pid"
	state "${name}_EXE" "$1"
	log "$name started, PID $pid"
	printf -v "${name}_PID" '%s' "$pid"
}

fail() {
	log "ERROR: $*"
	local f
	for f in "$LOG_DIR/containerd.log" "$LOG_DIR/kubelet.log"; do
		[[ -f $f ]] || continue
		log "---- last 40 lines of $f"
		tail -n 40 "$f" >&2
	done
	log "the rig is left as it is for inspection; run $RIG_DIR/down.sh to clean up"
	exit 1
}

# ------------------------------------------------------------ containerd
RUNC_ROOT=$RUN_DIR/runc
mkdir -p "$RUNC_ROOT" "$CTRD_ROOT" "$CTRD_STATE" "$CNI_CONF_DIR" "$CNI_BIN_DIR" "$RUN_DIR/containerd/opt" \
	"$RUN_DIR/cdi" "$KUBELET_ROOT" "$KUBELET_CERT_DIR" "$POD_LOGS_DIR" "$MANIFEST_DIR" \
	"$RUN_DIR/volume-plugins"

# Rewrites a `containerd config default` so that nothing lives outside the
# work directory. Paths are replaced inside their quotes, which keeps both
# the 1.6 (version 2, "double") and the 2.x (version 3+, 'single') layouts
# valid; keys are matched by name.
Q="[\"']" # either TOML quote, in a sed address/pattern
"$CONTAINERD" config default >"$CTRD_CONFIG.default"
sed \
	-e "s|\($Q\)/var/lib/containerd$Q|\1$CTRD_ROOT\1|" \
	-e "s|\($Q\)/run/containerd/containerd\.sock|\1$CTRD_SOCK|" \
	-e "s|\($Q\)/run/containerd$Q|\1$CTRD_STATE\1|" \
	-e "s|\($Q\)/opt/containerd|\1$RUN_DIR/containerd/opt|" \
	-e "s|\($Q\)/etc/containerd/ocicrypt|\1$RUN_DIR/containerd/ocicrypt|" \
	-e "s|\($Q\)/opt/cni/bin$Q|\1$CNI_BIN_DIR\1|" \
	-e "s|\($Q\)/etc/cni/net\.d$Q|\1$CNI_CONF_DIR\1|" \
	-e "s|\($Q\)/etc/cdi$Q|\1$RUN_DIR/cdi/etc\1|" \
	-e "s|\($Q\)/var/run/cdi$Q|\1$RUN_DIR/cdi/run\1|" \
	-e "s|\($Q\)/var/run/nri/|\1$RUN_DIR/nri/run/|" \
	-e "s|\($Q\)/opt/nri/|\1$RUN_DIR/nri/opt/|" \
	-e "s|\($Q\)/etc/nri/|\1$RUN_DIR/nri/etc/|" \
	-e "s|^imports = .*|imports = []|" \
	-e "s|^temp = .*|temp = \"$RUN_DIR/containerd/tmp\"|" \
	-e "s|^\([[:space:]]*\)sandbox_image = .*|\1sandbox_image = \"$PAUSE_IMAGE\"|" \
	-e "s|^\([[:space:]]*\)sandbox = .*|\1sandbox = \"$PAUSE_IMAGE\"|" \
	-e "s|^\([[:space:]]*\)SystemdCgroup = .*|\1SystemdCgroup = false|" \
	-e "s|^\([[:space:]]*\)restrict_oom_score_adj = .*|\1restrict_oom_score_adj = true|" \
	-e "/^[[:space:]]*\[plugins\.${Q}io\.containerd\.nri\.v1\.nri$Q\]/,/^[[:space:]]*\[/ s|^\([[:space:]]*\)disable = false|\1disable = true|" \
	-e "/^[[:space:]]*\[plugins\.${Q}io\.containerd\.\(grpc\.v1\.cri\|cri\.v1\.runtime\)$Q\.containerd\.runtimes\.runc\.options\]/,/^[[:space:]]*\[/ {
		s|^\([[:space:]]*\)BinaryName = .*|\1BinaryName = \"$RUNC\"|
		s|^\([[:space:]]*\)Root = .*|\1Root = \"$RUNC_ROOT\"|
	}" \
	"$CTRD_CONFIG.default" >"$CTRD_CONFIG"
rm -f "$CTRD_CONFIG.default"
# Fail loudly if a default layout changed and a rewrite did not apply.
for want in "$CTRD_ROOT" "$CTRD_STATE" "$CTRD_SOCK" "$CNI_CONF_DIR" "$PAUSE_IMAGE" \
	"SystemdCgroup = false" "restrict_oom_score_adj = true" \
	"BinaryName = \"$RUNC\"" "Root = \"$RUNC_ROOT\""; do
	grep -qF "$want" "$CTRD_CONFIG" || die "containerd config rewrite failed: no '$want' in $CTRD_CONFIG"
done
if grep -nE "$Q/" "$CTRD_CONFIG" | grep -vF -e "$W" -e "$RUNC" >&2; then
	die "containerd config still points outside $W (lines above)"
fi
mkdir -p "$RUN_DIR/containerd/tmp"

start_daemon CONTAINERD "$LOG_DIR/containerd.log" "$CONTAINERD" --config "$CTRD_CONFIG"
ctr() { "$CTR" --address "$CTRD_SOCK" "$@"; }
for ((i = 0; i < 300; i++)); do
	ctr version >/dev/null 2>&1 && break
	kill -0 "$CONTAINERD_PID" 2>/dev/null || fail "containerd exited"
	sleep 0.1
done
ctr version >/dev/null 2>&1 || fail "containerd does not answer on $CTRD_SOCK"
CONTAINERD_VERSION=$(ctr version 2>/dev/null) || fail "ctr version failed"
CONTAINERD_VERSION=$(awk '/^Server:/ { s = 1 } s && $1 == "Version:" { print $2; exit }' <<<"$CONTAINERD_VERSION")
log "containerd $CONTAINERD_VERSION answers on $CTRD_SOCK ($(elapsed "$T0"))"

for img in pause busybox; do
	ctr -n k8s.io images import "$IMAGE_DIR/$img.tar" >/dev/null 2>&1 || fail "import of $img.tar failed"
done
# Capture first: `ctr ... | grep -q` dies of SIGPIPE under pipefail.
images=$(ctr -n k8s.io images ls -q 2>/dev/null) || fail "ctr images ls failed"
for img in "$PAUSE_IMAGE" "$BUSYBOX_IMAGE"; do
	grep -qx "$img" <<<"$images" || fail "$img not in the k8s.io namespace after import"
done
log "images imported ($(elapsed "$T0"))"

printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 10\n' \
	"$CTRD_SOCK" "$CTRD_SOCK" >"$RUN_DIR/crictl.yaml"

# ------------------------------------------------------------ kubelet
rm -f "$MANIFEST_DIR"/*
cp "$PODS_SRC"/*.yaml "$MANIFEST_DIR/"
NPODS=$(find "$MANIFEST_DIR" -maxdepth 1 -name '*.yaml' | wc -l)

case $CONFIG in
a)
	CFS_QUOTA=true
	CFS_PERIOD_US=50000
	POD_PIDS_LIMIT=1024
	config_extra=$'cpuCFSQuota: true\ncpuCFSQuotaPeriod: 50ms\npodPidsLimit: 1024'
	;;
b)
	CFS_QUOTA=false
	CFS_PERIOD_US=100000
	POD_PIDS_LIMIT=-1
	config_extra=$'cpuCFSQuota: false'
	;;
esac

cat >"$KUBELET_CONFIG" <<EOF
# Generated by internal/e2e/rig/up.sh ($RUNTIME, config $CONFIG).
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# No API server: serve on loopback only.
address: 127.0.0.1
port: 10250
readOnlyPort: 10255
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
rotateCertificates: false
serverTLSBootstrap: false
staticPodPath: $MANIFEST_DIR
fileCheckFrequency: 5s
podLogsDir: $POD_LOGS_DIR
volumePluginDir: $RUN_DIR/volume-plugins
containerRuntimeEndpoint: unix://$CTRD_SOCK
imageServiceEndpoint: unix://$CTRD_SOCK
failCgroupV1: false
failSwapOn: false
cgroupDriver: cgroupfs
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
kubeReserved:
  cpu: 100m
  memory: 100Mi
  pid: "100"
systemReserved:
  cpu: 100m
  memory: 100Mi
evictionHard:
  memory.available: 50Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
  imagefs.inodesFree: 1%
evictionPressureTransitionPeriod: 30s
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
$config_extra
EOF

start_daemon KUBELET "$LOG_DIR/kubelet.log" "$BIN_DIR/kubelet" \
	--config="$KUBELET_CONFIG" \
	--root-dir="$KUBELET_ROOT" \
	--cert-dir="$KUBELET_CERT_DIR" \
	--hostname-override="$NODE_NAME" \
	--node-ip="$NODE_IP" \
	--v=2

for ((i = 0; i < 600; i++)); do
	[[ $(curl -s --max-time 2 "$HEALTHZ_URL" 2>/dev/null || true) == ok ]] && break
	kill -0 "$KUBELET_PID" 2>/dev/null || fail "the kubelet exited"
	sleep 0.1
done
[[ $(curl -s --max-time 2 "$HEALTHZ_URL" 2>/dev/null || true) == ok ]] || fail "kubelet $HEALTHZ_URL is not ok after 60 s"
log "kubelet healthz ok ($(elapsed "$T0"))"

# A pod counts as up when its phase is Running, every app container and
# every restartable init (sidecar) container is running, and every other
# init container terminated with exit code 0. The third column lists the
# containers that are not there yet.
pods_report() {
	curl -s --max-time 5 "$PODS_URL" 2>/dev/null | jq -r '
		def why: "(" + (.state.waiting.reason // .state.terminated.reason // "no status") + ")";
		.items[]
		| (.status.containerStatuses // []) as $cs
		| (.status.initContainerStatuses // []) as $is
		| [(.spec.containers[] | .name as $n | ([$cs[] | select(.name == $n)][0]) as $s
		    | select($s.state.running == null) | $n + ($s | why)),
		   ((.spec.initContainers // [])[] | .name as $n | (.restartPolicy == "Always") as $sidecar
		    | ([$is[] | select(.name == $n)][0]) as $s
		    | select(if $sidecar then $s.state.running == null else $s.state.terminated.exitCode != 0 end)
		    | $n + ($s | why))] as $missing
		| [.metadata.name, (.status.phase // "-"), ($missing | join(","))]
		| @tsv' 2>/dev/null || true
}
deadline=$(($(date +%s) + WAIT_SECONDS))
while :; do
	report=$(pods_report)
	running=$(awk -F'\t' '$2 == "Running" && $3 == ""' <<<"$report" | grep -c . || true)
	((running == NPODS)) && break
	kill -0 "$KUBELET_PID" 2>/dev/null || fail "the kubelet exited"
	kill -0 "$CONTAINERD_PID" 2>/dev/null || fail "containerd exited"
	if (($(date +%s) >= deadline)); then
		log "pods (name, phase, containers not running):"
		printf '%s\n' "${report:-<none reported>}" >&2
		fail "only $running of $NPODS static pods Running after ${WAIT_SECONDS}s"
	fi
	sleep 0.5
done
log "all $NPODS static pods Running ($(elapsed "$T0"))"

# ------------------------------------------------------------ env file
RUNC_VERSION=$("$RUNC" --version)
RUNC_VERSION=$(awk 'NR == 1 { print $3 }' <<<"$RUNC_VERSION")
KUBELET_VERSION=$("$BIN_DIR/kubelet" --version)
KUBELET_VERSION=${KUBELET_VERSION#Kubernetes }
{
	echo "# Written by internal/e2e/rig/up.sh; KEY=VALUE, no quoting, values contain no spaces."
	echo "WORKDIR=$W"
	echo "RUNTIME=$RUNTIME"
	echo "CONFIG=$CONFIG"
	echo "NODE_NAME=$NODE_NAME"
	echo "NODE_IP=$NODE_IP"
	echo "KUBELET_PODS_URL=$PODS_URL"
	echo "KUBELET_CONFIGZ_URL=$CONFIGZ_URL"
	echo "KUBELET_HEALTHZ_URL=$HEALTHZ_URL"
	echo "KUBELET_VERSION=$KUBELET_VERSION"
	echo "KUBELET_CONFIG_FILE=$KUBELET_CONFIG"
	echo "KUBELET_ROOT_DIR=$KUBELET_ROOT"
	echo "STATIC_POD_DIR=$MANIFEST_DIR"
	echo "STATIC_POD_COUNT=$NPODS"
	echo "CONTAINERD_VERSION=$CONTAINERD_VERSION"
	echo "CONTAINERD_BIN=$CONTAINERD"
	echo "CONTAINERD_SHIM_BIN=$SHIM"
	echo "RUNC_VERSION=$RUNC_VERSION"
	echo "RUNC_BIN=$RUNC"
	echo "CONTAINER_RUNTIME_ENDPOINT=unix://$CTRD_SOCK"
	echo "CRICTL=$BIN_DIR/crictl"
	echo "CRICTL_CONFIG=$RUN_DIR/crictl.yaml"
	echo "CGROUP_DRIVER=cgroupfs"
	echo "CGROUP_MOUNT=/sys/fs/cgroup"
	echo "CPU_CFS_QUOTA=$CFS_QUOTA"
	echo "CPU_CFS_QUOTA_PERIOD_US=$CFS_PERIOD_US"
	echo "POD_PIDS_LIMIT=$POD_PIDS_LIMIT"
	echo "LOG_DIR=$LOG_DIR"
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
state ENV_FILE "$ENV_FILE"
state READY "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "up ($RUNTIME, config $CONFIG) in $(elapsed "$T0"); env: $ENV_FILE"
