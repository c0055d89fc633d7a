#!/usr/bin/env bash
# Starts a one-node Kubernetes cluster (etcd, kube-apiserver, containerd,
# kubelet; no scheduler, controller-manager, CNI or kube-proxy) inside a
# private network namespace, and waits until the node is Ready.
#
#   up.sh [RUNTIME [CONFIG]]
#     RUNTIME  containerd1 (default)  Debian containerd 1.6 + Debian runc
#              containerd2            containerd v2.4.2 built by the node rig
#     CONFIG   a (default)  cpuCFSQuotaPeriod 50ms, podPidsLimit 1024
#              b            cpuCFSQuota false, default period, no podPidsLimit
#
#   KCG_E2E_WORKDIR       work directory (default /var/tmp/kubecgroups-e2e)
#   KCG_E2E_WAIT_SECONDS  how long to wait for each daemon and for the
#                         node to turn Ready (default 120)
#
# Writes $KCG_E2E_WORKDIR/cluster.state (PIDs, for down.sh; the node rig's
# subset also goes to rig.state, so that the node rig's up.sh refuses to
# start next to the cluster and its down.sh can clean up after it) and
# $KCG_E2E_WORKDIR/cluster.env (KEY=VALUE lines for the Go test).
#
# Network: every daemon runs in a network namespace held open by a
# `sleep infinity` started here; its lo has 127.0.0.1 and NODE_ADDR. Clients
# must run inside it too (cluster.env: NETNS_EXEC).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	echo "usage: $0 [containerd1|containerd2 [a|b]]" >&2
	exit 2
}
[[ $# -le 2 ]] || usage
RUNTIME=${1:-containerd1}
CONFIG=${2:-a}
case $RUNTIME in containerd1 | containerd2) ;; *) usage ;; esac
case $CONFIG in a | b) ;; *) usage ;; esac

need_root
WAIT_SECONDS=${KCG_E2E_WAIT_SECONDS:-120}
T0=$(now)
CLOG_DIR=$LOG_DIR/cluster

# ------------------------------------------------------------ preconditions
[[ ! -e $CLUSTER_STATE ]] || die "$CLUSTER_STATE exists: the cluster is (partly) up; run $CLUSTER_RIG_DIR/down.sh first"
[[ ! -e $STATE_FILE ]] || die "$STATE_FILE exists: the node rig is (partly) up; run $RIG_DIR/down.sh first"
for m in $(cgroup_mounts); do
	[[ ! -d $m/kubepods ]] || die "$m/kubepods exists (left over?); run $CLUSTER_RIG_DIR/down.sh first"
done
# The shims' sockets and FIFOs live in /run/containerd/{s,fifo} whatever the
# config says, and down.sh removes those: refuse to share them.
if [[ -S /run/containerd/containerd.sock ]]; then
	die "/run/containerd/containerd.sock exists: a system containerd seems to run; the rig would share /run/containerd/{s,fifo} with it"
fi
((${#CTRD_SOCK} + 6 <= 107)) || die "KCG_E2E_WORKDIR is too long for containerd's socket path ($CTRD_SOCK.ttrpc)"
for b in "$BIN_DIR/kubelet" "$APISERVER_BIN" "$KUBECTL_BIN" "$ETCD_BIN"; do
	[[ -x $b ]] || die "$b missing; run $CLUSTER_RIG_DIR/install.sh"
done
[[ -s $IMAGE_DIR/pause.tar && -s $IMAGE_DIR/busybox.tar ]] || die "images missing; run $CLUSTER_RIG_DIR/install.sh"
for c in openssl unshare nsenter ip curl jq base64; do
	command -v "$c" >/dev/null || die "$c not found"
done

RUNC=/usr/sbin/runc
[[ -x $RUNC ]] || die "$RUNC missing (Debian runc); run $CLUSTER_RIG_DIR/install.sh"
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
	DAEMON_PATH=$C2_BIN_DIR:$DAEMON_PATH
	;;
esac
for b in "$CONTAINERD" "$CTR" "$SHIM"; do
	[[ -x $b ]] || die "$b missing; run $RIG_DIR/install.sh"
done
SLEEP_EXE=$(readlink -f "$(command -v sleep)")

# Nothing may be mounted under the work directory (a failed down.sh would
# have kept its state file, but be sure before removing anything).
mounted=$(awk -v w="$W" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo)
[[ -z $mounted ]] || die "mounts left under $W: $mounted; run $CLUSTER_RIG_DIR/down.sh first"

# ------------------------------------------------------------ state
# A leftover cluster dir without a state file holds no process or mount;
# start afresh.
rm -rf "$CLUSTER_DIR"
mkdir -p "$RUN_DIR" "$CLOG_DIR" "$CLUSTER_DIR" "$PKI_DIR" "$KUBECONFIG_DIR"
rm -f "$CLOG_DIR"/*.log # logs of the last up only
: >"$CLUSTER_STATE"
: >"$STATE_FILE"
# state KEY VALUE: cluster.state gets everything, rig.state the keys the
# node rig's down.sh reads.
state() {
	printf '%s=%s\n' "$1" "$2" >>"$CLUSTER_STATE"
	case $1 in
	RIG | WORKDIR | RUNTIME | CONFIG | STARTED | CONTAINERD_* | KUBELET_*)
		printf '%s=%s\n' "$1" "$2" >>"$STATE_FILE"
		;;
	esac
}
state RIG cluster
state WORKDIR "$W"
state RUNTIME "$RUNTIME"
state CONFIG "$CONFIG"
state STARTED "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# Same as the node rig: the kubelet rewrites these tunables; the node rig's
# down.sh restores them from this file.
if [[ ! -s $SYSCTL_SAVE ]]; then
	for k in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops \
		kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
		printf '%s=%s\n' "$k" "$(cat "/proc/sys/$k")"
	done >"$SYSCTL_SAVE.tmp"
	mv "$SYSCTL_SAVE.tmp" "$SYSCTL_SAVE"
fi

fail() {
	log "ERROR: $*"
	local f
	for f in "$CLOG_DIR"/etcd.log "$CLOG_DIR"/kube-apiserver.log "$CLOG_DIR"/containerd.log "$CLOG_DIR"/kubelet.log; do
		[[ -f $f ]] || continue
		log "---- last 40 lines of $f"
		tail -n 40 "$f" >&2
	done
	log "the cluster is left as it is for inspection; run $CLUSTER_RIG_DIR/down.sh to clean up"
	exit 1
}

# wait_for WHAT PID CMD...: runs CMD until it succeeds, for up to
# WAIT_SECONDS; fails early when the daemon PID exits.
wait_for() {
	local what=$1 pid=$2 deadline
	shift 2
	deadline=$(($(date +%s) + WAIT_SECONDS))
	until "$@" >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || fail "$what: the daemon (PID $pid) exited"
		(($(date +%s) < deadline)) || fail "$what: not ready after ${WAIT_SECONDS}s"
		sleep 0.1
	done
	log "$what ($(elapsed "$T0"))"
}

# ------------------------------------------------------------ network namespace
# `unshare --net` execs sleep in a new network namespace; the PID stays.
setsid unshare --net -- "$SLEEP_EXE" infinity </dev/null >/dev/null 2>&1 &
NETNS_PID=$!
HOST_NETNS=$(readlink /proc/self/ns/net)
for ((i = 0; i < 50; i++)); do
	exe=$(readlink "/proc/$NETNS_PID/exe" 2>/dev/null || true)
	ns=$(readlink "/proc/$NETNS_PID/ns/net" 2>/dev/null || true)
	[[ $exe == "$SLEEP_EXE" && -n $ns && $ns != "$HOST_NETNS" ]] && break
	sleep 0.05
done
[[ $exe == "$SLEEP_EXE" && -n $ns && $ns != "$HOST_NETNS" ]] ||
	die "the network namespace holder (PID $NETNS_PID) did not come up (exe ${exe:-gone}, netns ${ns:-?})"
NETNS_INODE=$ns
NETNS_PATH=/proc/$NETNS_PID/ns/net
state NETNS_PID "$NETNS_PID"
state NETNS_EXE "$SLEEP_EXE"
state NETNS_INODE "$NETNS_INODE"
# libcni caches each pod's network result in $CNI_CACHE_DIR/results (no
# containerd setting moves it): down.sh removes this network's entries,
# and the directory too if up.sh was first to make it.
if [[ -e $CNI_CACHE_DIR ]]; then state CNI_CACHE_EXISTED 1; else state CNI_CACHE_EXISTED 0; fi
NS=(nsenter "--net=$NETNS_PATH" --)
"${NS[@]}" ip link set lo up
"${NS[@]}" ip addr add "$NODE_ADDR/32" dev lo
log "network namespace $NETNS_INODE held by PID $NETNS_PID, lo: 127.0.0.1 $NODE_ADDR"

# netns-exec: the prefix that runs a client inside the namespace. It checks
# that the PID still holds our namespace (a reused PID would not).
cat >"$NETNS_EXEC" <<EOF
#!/bin/sh
# Runs a command inside the kubecgroups cluster rig's network namespace.
# Written by internal/e2e/cluster/up.sh; usage: netns-exec CMD [ARG...]
if [ "\$(readlink $NETNS_PATH 2>/dev/null)" != "$NETNS_INODE" ]; then
	echo "netns-exec: the cluster rig's network namespace ($NETNS_INODE, PID $NETNS_PID) is gone" >&2
	exit 125
fi
exec nsenter --net=$NETNS_PATH -- "\$@"
EOF
chmod 0755 "$NETNS_EXEC"

# start_daemon NAME LOGFILE CMD...: starts CMD inside the namespace in its
# own session, stdin closed. nsenter (net only) and setsid (not a group
# leader here) exec without forking, so $! ends up as the daemon's own PID,
# checked through /proc/PID/exe.
ETCD_PID='' APISERVER_PID='' CONTAINERD_PID='' KUBELET_PID=''
start_daemon() {
	local name=$1 logf=$2 pid exe i
	shift 2
	cd "$CLUSTER_DIR"
	PATH=$DAEMON_PATH setsid "${NS[@]}" "$@" </dev/null >"$logf" 2>&1 &
	pid=$!
	cd - >/dev/null
	for ((i = 0; i < 50; i++)); do
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
		[[ $exe == "$1" ]] && break
		sleep 0.05
	done
	[[ $exe == "$1" ]] || fail "$name (PID $pid) is not running $1 (exe: ${exe:-gone}); see $logf"
	[[ $(readlink "/proc/$pid/ns/net") == "$NETNS_INODE" ]] || fail "$name (PID $pid) is not in the rig's network namespace"
	state "${name}_PID" "$pid"
	state "${name}_EXE" "$1"
	log "$name started, PID $pid"
	printf -v "${name}_PID" '%s' "$pid"
}

# ------------------------------------------------------------ PKI
# One openssl call per certificate (OpenSSL 3 `req -x509 -CA` makes the key
# and the CA-signed certificate at once, with a random serial); ECDSA P-256
# keys; valid 30 days. A minimal config keeps the system openssl.cnf's
# default extensions out.
printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n' >"$PKI_DIR/openssl.cnf"
# newcert NAME SUBJECT -addext ...: NAME.key + NAME.crt
newcert() {
	local name=$1 subj=$2
	shift 2
	openssl req -config "$PKI_DIR/openssl.cnf" -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PKI_DIR/$name.key" -out "$PKI_DIR/$name.crt" -subj "$subj" -days 30 "$@" 2>/dev/null ||
		fail "openssl could not make $name.crt"
}
# cert NAME SUBJECT server|client [SAN]: a leaf certificate signed by the CA.
cert() {
	local name=$1 subj=$2 usage=$3 san=${4:-} eku
	case $usage in server) eku=serverAuth ;; client) eku=clientAuth ;; esac
	local ext=(-addext "basicConstraints = critical, CA:FALSE"
		-addext "keyUsage = critical, digitalSignature, keyEncipherment"
		-addext "extendedKeyUsage = $eku")
	[[ -z $san ]] || ext+=(-addext "subjectAltName = $san")
	newcert "$name" "$subj" -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" "${ext[@]}"
}
newcert ca "/CN=kubecgroups-e2e-ca" \
	-addext "basicConstraints = critical, CA:TRUE" \
	-addext "keyUsage = critical, keyCertSign, cRLSign, digitalSignature"
cert apiserver "/CN=kube-apiserver" server \
	"DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:127.0.0.1, IP:$NODE_ADDR, IP:${SERVICE_CIDR%.0/*}.1"
cert apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" client
cert kubelet-client "/O=system:nodes/CN=system:node:$CLUSTER_NODE_NAME" client
cert kubelet-serving "/CN=system:node:$CLUSTER_NODE_NAME" server "DNS:$CLUSTER_NODE_NAME, IP:127.0.0.1, IP:$NODE_ADDR"
cert admin "/O=system:masters/CN=kcg-admin" client
cert kcg-user "/O=kubecgroups:users/O=kubecgroups:node-proxy/CN=kcg-user" client
cert kcg-snapshot "/O=kubecgroups:users/CN=kcg-snapshot" client
cert kcg-noexec "/O=kubecgroups:noexec/CN=kcg-noexec" client
cert kcg-agent "/O=kubecgroups:agent-mode/CN=kcg-agent" client
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI_DIR/service-account.key" 2>/dev/null
openssl pkey -in "$PKI_DIR/service-account.key" -pubout -out "$PKI_DIR/service-account.pub"
chmod 0600 "$PKI_DIR"/*.key
log "PKI written to $PKI_DIR ($(elapsed "$T0"))"

# kubeconfig NAME CERT: a kubeconfig for the client certificate CERT.
kubeconfig() {
	local f=$KUBECONFIG_DIR/$1.kubeconfig
	cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kcg
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 "$PKI_DIR/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 "$PKI_DIR/$2.crt")
    client-key-data: $(base64 -w0 "$PKI_DIR/$2.key")
contexts:
- name: kcg-$1
  context:
    cluster: kcg
    user: $1
current-context: kcg-$1
EOF
	chmod 0600 "$f"
}
kubeconfig admin admin
kubeconfig kcg-user kcg-user
kubeconfig kcg-snapshot kcg-snapshot
kubeconfig kcg-noexec kcg-noexec
kubeconfig kcg-agent kcg-agent
kubeconfig kubelet kubelet-client
ADMIN_KC=$KUBECONFIG_DIR/admin.kubeconfig
KUBE_CACHE=$CLUSTER_DIR/kube-cache

# kubectl for people: runs inside the namespace, admin unless
# KCG_E2E_KUBECONFIG says otherwise; its cache stays in the cluster dir.
cat >"$CLUSTER_DIR/kubectl" <<EOF
#!/bin/sh
# kubectl inside the kubecgroups cluster rig's network namespace (written by
# internal/e2e/cluster/up.sh). Admin credentials unless KCG_E2E_KUBECONFIG
# names another kubeconfig (e.g. $KUBECONFIG_DIR/kcg-user.kubeconfig).
KUBECONFIG=\${KCG_E2E_KUBECONFIG:-$ADMIN_KC} KUBECACHEDIR=$KUBE_CACHE exec $NETNS_EXEC $KUBECTL_BIN "\$@"
EOF
chmod 0755 "$CLUSTER_DIR/kubectl"

# kc ARGS...: admin kubectl inside the namespace.
kc() { KUBECACHEDIR=$KUBE_CACHE "${NS[@]}" "$KUBECTL_BIN" --kubeconfig "$ADMIN_KC" "$@"; }

# ------------------------------------------------------------ etcd
start_daemon ETCD "$CLOG_DIR/etcd.log" "$ETCD_BIN" \
	--name=kcg \
	--data-dir="$ETCD_DATA" \
	--listen-client-urls="$ETCD_CLIENT_URL" \
	--advertise-client-urls="$ETCD_CLIENT_URL" \
	--listen-peer-urls="$ETCD_PEER_URL" \
	--initial-advertise-peer-urls="$ETCD_PEER_URL" \
	--initial-cluster="kcg=$ETCD_PEER_URL" \
	--initial-cluster-state=new \
	--listen-metrics-urls='' \
	--log-level=warn

# ------------------------------------------------------------ containerd
# Same configuration as the node rig's up.sh: everything under run/,
# cgroupfs, restrict_oom_score_adj, local pause image, Debian runc.
RUNC_ROOT=$RUN_DIR/runc
mkdir -p "$RUNC_ROOT" "$CTRD_ROOT" "$CTRD_STATE" "$CNI_CONF_DIR" "$CNI_BIN_DIR" "$RUN_DIR/containerd/opt" \
	"$RUN_DIR/containerd/tmp" "$RUN_DIR/cdi" "$KUBELET_ROOT" "$KUBELET_CERT_DIR" "$POD_LOGS_DIR" \
	"$RUN_DIR/volume-plugins"
Q="[\"']"
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
	-e "s|^\([[:space:]]*\)netns_mounts_under_state_dir = .*|\1netns_mounts_under_state_dir = true|" \
	-e "/^[[:space:]]*\[plugins\.${Q}io\.containerd\.nri\.v1\.nri$Q\]/,/^[[:space:]]*\[/ s|^\([[:space:]]*\)disable = false|\1disable = true|" \
	-e "/^[[:space:]]*\[plugins\.${Q}io\.containerd\.\(grpc\.v1\.cri\|cri\.v1\.runtime\)$Q\.containerd\.runtimes\.runc\.options\]/,/^[[:space:]]*\[/ {
		s|^\([[:space:]]*\)BinaryName = .*|\1BinaryName = \"$RUNC\"|
		s|^\([[:space:]]*\)Root = .*|\1Root = \"$RUNC_ROOT\"|
	}" \
	"$CTRD_CONFIG.default" >"$CTRD_CONFIG"
rm -f "$CTRD_CONFIG.default"
for want in "$CTRD_ROOT" "$CTRD_STATE" "$CTRD_SOCK" "$CNI_CONF_DIR" "$PAUSE_IMAGE" \
	"SystemdCgroup = false" "restrict_oom_score_adj = true" "netns_mounts_under_state_dir = true" \
	"BinaryName = \"$RUNC\"" "Root = \"$RUNC_ROOT\""; do
	grep -qF "$want" "$CTRD_CONFIG" || fail "containerd config rewrite failed: no '$want' in $CTRD_CONFIG"
done
if grep -nE "$Q/" "$CTRD_CONFIG" | grep -vF -e "$W" -e "$RUNC" >&2; then
	fail "containerd config still points outside $W (lines above)"
fi
# The pod network: Debian's containernetworking-plugins (install.sh),
# linked into run/cni/bin, and one bridge network. containerd runs inside
# the rig's network namespace, so the bridge, the pods' veths and their
# routes exist only there; no masquerade, no route out. host-local keeps
# its leases under run/ (down.sh wipes it), and containerd keeps the pods'
# network namespaces under its state directory (the node rig's down.sh
# unmounts everything under the work directory), not in /run/netns.
for p in $CNI_PLUGINS; do
	[[ -x $CNI_PLUGIN_SRC/$p ]] || fail "$CNI_PLUGIN_SRC/$p missing: run install.sh (Debian containernetworking-plugins)"
	ln -sfn "$CNI_PLUGIN_SRC/$p" "$CNI_BIN_DIR/$p"
done
# Pods get one route besides their subnet: to the node address, through
# the bridge (the API server listens there; the node agent's test pod
# talks to it), and none elsewhere.
cat >"$CNI_CONF_DIR/10-$POD_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$POD_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$RUN_DIR/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR"}]],
        "routes": [{"dst": "$NODE_ADDR/32"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
start_daemon CONTAINERD "$CLOG_DIR/containerd.log" "$CONTAINERD" --config "$CTRD_CONFIG"

wait_for "etcd healthy" "$ETCD_PID" "${NS[@]}" curl -sf --max-time 2 "$ETCD_CLIENT_URL/health"

# ------------------------------------------------------------ kube-apiserver
start_daemon APISERVER "$CLOG_DIR/kube-apiserver.log" "$APISERVER_BIN" \
	--etcd-servers="$ETCD_CLIENT_URL" \
	--bind-address=0.0.0.0 \
	--secure-port="$APISERVER_PORT" \
	--advertise-address=127.0.0.1 \
	--endpoint-reconciler-type=none \
	--cert-dir="$CLUSTER_DIR/apiserver-certs" \
	--tls-cert-file="$PKI_DIR/apiserver.crt" \
	--tls-private-key-file="$PKI_DIR/apiserver.key" \
	--client-ca-file="$PKI_DIR/ca.crt" \
	--service-account-issuer=https://kubernetes.default.svc.cluster.local \
	--service-account-key-file="$PKI_DIR/service-account.pub" \
	--service-account-signing-key-file="$PKI_DIR/service-account.key" \
	--service-cluster-ip-range="$SERVICE_CIDR" \
	--authorization-mode=Node,RBAC \
	--enable-admission-plugins=NodeRestriction \
	--kubelet-client-certificate="$PKI_DIR/apiserver-kubelet-client.crt" \
	--kubelet-client-key="$PKI_DIR/apiserver-kubelet-client.key" \
	--kubelet-certificate-authority="$PKI_DIR/ca.crt" \
	--kubelet-preferred-address-types=InternalIP \
	--allow-privileged=true \
	--profiling=false \
	--v=1

# containerd answers while the API server boots.
ctr() { "${NS[@]}" "$CTR" --address "$CTRD_SOCK" "$@"; }
wait_for "containerd answers" "$CONTAINERD_PID" ctr version
CONTAINERD_VERSION=$(ctr version 2>/dev/null) || fail "ctr version failed"
CONTAINERD_VERSION=$(awk '/^Server:/ { s = 1 } s && $1 == "Version:" { print $2; exit }' <<<"$CONTAINERD_VERSION")
for img in pause busybox; do
	ctr -n k8s.io images import "$IMAGE_DIR/$img.tar" >/dev/null 2>&1 || fail "import of $img.tar failed"
done
images=$(ctr -n k8s.io images ls -q 2>/dev/null) || fail "ctr images ls failed"
for img in "$PAUSE_IMAGE" "$BUSYBOX_IMAGE"; do
	grep -qx "$img" <<<"$images" || fail "$img not in the k8s.io namespace after import"
done
# The busybox image pinned by digest, as an operator pins the snapshot
# pod's image (--image NAME:TAG@sha256:...). The runtime looks a digest
# reference up as REPO@sha256:DIGEST (the tag dropped), a name a pull
# creates and an import does not: add it, so the pinned form resolves
# locally (nothing is ever pulled here).
BUSYBOX_DIGEST=$(ctr -n k8s.io images ls 2>/dev/null | awk -v i="$BUSYBOX_IMAGE" '$1 == i { print $3; exit }')
[[ $BUSYBOX_DIGEST == sha256:* ]] || fail "no digest for $BUSYBOX_IMAGE in ctr images ls"
ctr -n k8s.io images tag "$BUSYBOX_IMAGE" "${BUSYBOX_IMAGE%:*}@$BUSYBOX_DIGEST" >/dev/null ||
	fail "cannot name $BUSYBOX_IMAGE by its digest"
BUSYBOX_IMAGE_PINNED=$BUSYBOX_IMAGE@$BUSYBOX_DIGEST
log "images imported ($(elapsed "$T0")); busybox pinned: $BUSYBOX_IMAGE_PINNED"
printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 10\n' \
	"$CTRD_SOCK" "$CTRD_SOCK" >"$RUN_DIR/crictl.yaml"

wait_for "kube-apiserver ready" "$APISERVER_PID" kc get --raw /readyz

# ------------------------------------------------------------ kubelet
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
# Generated by internal/e2e/cluster/up.sh ($RUNTIME, config $CONFIG).
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The API server reaches the kubelet at the node's InternalIP, which lives
# on the private network namespace's lo.
address: $NODE_ADDR
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI_DIR/kubelet-serving.crt
tlsPrivateKeyFile: $PKI_DIR/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI_DIR/ca.crt
authorization:
  mode: Webhook
rotateCertificates: false
serverTLSBootstrap: false
# No resolver inside the namespace; pods get an empty resolv.conf.
resolvConf: ""
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

start_daemon KUBELET "$CLOG_DIR/kubelet.log" "$BIN_DIR/kubelet" \
	--config="$KUBELET_CONFIG" \
	--kubeconfig="$KUBECONFIG_DIR/kubelet.kubeconfig" \
	--root-dir="$KUBELET_ROOT" \
	--cert-dir="$KUBELET_CERT_DIR" \
	--hostname-override="$CLUSTER_NODE_NAME" \
	--node-ip="$NODE_ADDR" \
	--v=2

# ------------------------------------------------------------ API objects
# While the kubelet starts: RBAC, service accounts (no controller-manager
# creates them), and the API server's own access to the kubelet API.
# The shipped RBAC, as "kubectl cgroups rbac --snapshot-pods" prints it
# (testdata/golden/rbac/snapshot-pods.yaml: the agent-mode user role, the
# snapshot pods' Role and their admission policy), bound to the group
# kubecgroups:users: kcg-snapshot holds exactly that. "--node-proxy"'s
# ClusterRole is bound to the group kubecgroups:node-proxy instead, which
# kcg-user has too (so its diffs read /configz). kcg-noexec gets copies
# of the two roles without pods/exec (derived below from what the API
# server created, so they cannot drift from the shipped files). The
# admission policy's ConfigMap also lists the rig's busybox, by tag and
# by digest (the plugin's --image must match one exactly).
cat >"$CLUSTER_DIR/rig-objects.yaml" <<EOF
# Rig-only API objects (internal/e2e/cluster/up.sh).
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: default}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: $SNAPSHOT_NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kcg-apiserver-kubelet-client}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:kubelet-api-admin"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kubecgroups-reader-noexec}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubecgroups-reader-noexec}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "kubecgroups:noexec"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: kubecgroups-snapshot-noexec, namespace: $SNAPSHOT_NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: kubecgroups-snapshot-noexec}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "kubecgroups:noexec"}]
EOF
sed -n '/^# Opt-in ("--node-proxy")/,$ p' "$RBAC_DIR/node-proxy.yaml" |
	sed 's/^  name: kubecgroups:users$/  name: kubecgroups:node-proxy/' >"$CLUSTER_DIR/rbac-node-proxy.yaml"
grep -q 'name: kubecgroups:node-proxy' "$CLUSTER_DIR/rbac-node-proxy.yaml" || fail "cannot rebind $RBAC_DIR/node-proxy.yaml"
out=$(kc create namespace "$AGENT_NS" 2>&1) || fail "cannot create namespace $AGENT_NS: $out"
out=$(kc apply -f "$RBAC_DIR/snapshot-pods.yaml" -f "$CLUSTER_DIR/rbac-node-proxy.yaml" -f "$CLUSTER_DIR/rig-objects.yaml" 2>&1) ||
	fail "kubectl apply of the shipped RBAC and the rig's objects failed: $out"
out=$(kc -n "$SNAPSHOT_NS" patch configmap kubecgroups-snapshot-images --type merge \
	-p "{\"data\":{\"rig\":\"$BUSYBOX_IMAGE\",\"rig-pinned\":\"$BUSYBOX_IMAGE_PINNED\"}}" 2>&1) ||
	fail "cannot allow the rig's busybox: $out"
roles=$(kc get clusterrole/kubecgroups-reader role/kubecgroups-snapshot -n "$SNAPSHOT_NS" -o json) ||
	fail "cannot read the shipped roles"
out=$(jq '.items |= map(
		del(.metadata.resourceVersion, .metadata.uid, .metadata.creationTimestamp, .metadata.managedFields, .metadata.annotations)
		| .metadata.name += "-noexec"
		| .rules |= map(.resources |= map(select(. != "pods/exec"))) | .rules |= map(select(.resources != [])))' \
	<<<"$roles" | kc apply -f - 2>&1) || fail "cannot create the noexec roles: $out"
# kcg-agent holds exactly the agent-mode role ("kubectl cgroups rbac",
# testdata/golden/rbac/default.yaml): its roles applied as printed, its
# bindings copied with a "-agent-mode" suffix to group
# kubecgroups:agent-mode (so no snapshot-pod permission comes along).
out=$(kc create --dry-run=client -o json -f "$RBAC_DIR/default.yaml" | jq '
		(if .kind == "List" then .items else [.] end) as $items
		| {apiVersion: "v1", kind: "List", items: ($items | map(
			if (.kind | endswith("Binding")) then
				.metadata.name += "-agent-mode"
				| .subjects = [{apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "kubecgroups:agent-mode"}]
			else . end))}' | kc apply -f - 2>&1) || fail "cannot bind the agent-mode role to kcg-agent: $out"
log "RBAC and service accounts created ($(elapsed "$T0"))"

node_ready() {
	local s
	s=$(kc get node "$CLUSTER_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) || return 1
	[[ $s == True ]]
}
wait_for "kubelet healthz" "$KUBELET_PID" "${NS[@]}" curl -sf --max-time 2 http://127.0.0.1:10248/healthz
wait_for "node $CLUSTER_NODE_NAME Ready" "$KUBELET_PID" node_ready
# The whole chain the plugin needs: API server -> node InternalIP -> kubelet
# (x509 + webhook authz of the API server's client cert).
CONFIGZ=$(kc get --raw "/api/v1/nodes/$CLUSTER_NODE_NAME/proxy/configz" 2>&1) ||
	fail "configz through the API server failed: $CONFIGZ"
[[ $(jq -r .kubeletconfig.cgroupDriver <<<"$CONFIGZ") == cgroupfs ]] || fail "unexpected configz: $CONFIGZ"

# ------------------------------------------------------------ env file
RUNC_VERSION=$("$RUNC" --version)
RUNC_VERSION=$(awk 'NR == 1 { print $3 }' <<<"$RUNC_VERSION")
KUBELET_VERSION=$(kc get node "$CLUSTER_NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}')
APISERVER_VERSION=$(kc version -o json | jq -r .serverVersion.gitVersion)
KUBECTL_VERSION=$("$KUBECTL_BIN" version --client -o json | jq -r .clientVersion.gitVersion)
ETCD_RUNNING_VERSION=$("${NS[@]}" curl -sf --max-time 2 "$ETCD_CLIENT_URL/version" | jq -r '"v" + .etcdserver')
{
	echo "# Written by internal/e2e/cluster/up.sh; KEY=VALUE, no quoting, values contain no spaces."
	echo "# Clients must run inside the network namespace: prefix commands with NETNS_EXEC."
	echo "WORKDIR=$W"
	echo "RIG=cluster"
	echo "RUNTIME=$RUNTIME"
	echo "CONFIG=$CONFIG"
	echo "NETNS_PID=$NETNS_PID"
	echo "NETNS_PATH=$NETNS_PATH"
	echo "NETNS_INODE=$NETNS_INODE"
	echo "NETNS_EXEC=$NETNS_EXEC"
	echo "NODE_NAME=$CLUSTER_NODE_NAME"
	echo "NODE_IP=$NODE_ADDR"
	echo "APISERVER_URL=$APISERVER_URL"
	echo "CA_FILE=$PKI_DIR/ca.crt"
	echo "KUBECONFIG_ADMIN=$ADMIN_KC"
	echo "KUBECONFIG_KCG_USER=$KUBECONFIG_DIR/kcg-user.kubeconfig"
	echo "KUBECONFIG_KCG_SNAPSHOT=$KUBECONFIG_DIR/kcg-snapshot.kubeconfig"
	echo "KUBECONFIG_KCG_NOEXEC=$KUBECONFIG_DIR/kcg-noexec.kubeconfig"
	echo "KUBECONFIG_KCG_AGENT=$KUBECONFIG_DIR/kcg-agent.kubeconfig"
	echo "KUBECTL=$KUBECTL_BIN"
	echo "KUBECTL_WRAPPER=$CLUSTER_DIR/kubectl"
	echo "KUBECACHEDIR=$KUBE_CACHE"
	echo "SNAPSHOT_NAMESPACE=$SNAPSHOT_NS"
	echo "RBAC_DIR=$RBAC_DIR"
	echo "AGENT_NAMESPACE=$AGENT_NS"
	echo "BUSYBOX_IMAGE=$BUSYBOX_IMAGE"
	echo "BUSYBOX_IMAGE_PINNED=$BUSYBOX_IMAGE_PINNED"
	echo "POD_CIDR=$POD_CIDR"
	echo "PAUSE_IMAGE=$PAUSE_IMAGE"
	echo "K8S_VERSION=$K8S_VERSION"
	echo "KUBELET_VERSION=$KUBELET_VERSION"
	echo "APISERVER_VERSION=$APISERVER_VERSION"
	echo "KUBECTL_VERSION=$KUBECTL_VERSION"
	echo "ETCD_VERSION=$ETCD_RUNNING_VERSION"
	echo "CONTAINERD_VERSION=$CONTAINERD_VERSION"
	echo "CONTAINERD_BIN=$CONTAINERD"
	echo "CONTAINERD_SHIM_BIN=$SHIM"
	echo "RUNC_VERSION=$RUNC_VERSION"
	echo "RUNC_BIN=$RUNC"
	echo "CONTAINER_RUNTIME_ENDPOINT=unix://$CTRD_SOCK"
	echo "CRICTL=$BIN_DIR/crictl"
	echo "CRICTL_CONFIG=$RUN_DIR/crictl.yaml"
	echo "KUBELET_CONFIG_FILE=$KUBELET_CONFIG"
	echo "KUBELET_ROOT_DIR=$KUBELET_ROOT"
	echo "CGROUP_DRIVER=cgroupfs"
	echo "CGROUP_MOUNT=/sys/fs/cgroup"
	echo "CPU_CFS_QUOTA=$CFS_QUOTA"
	echo "CPU_CFS_QUOTA_PERIOD_US=$CFS_PERIOD_US"
	echo "POD_PIDS_LIMIT=$POD_PIDS_LIMIT"
	echo "LOG_DIR=$CLOG_DIR"
} >"$CLUSTER_ENV.tmp"
mv "$CLUSTER_ENV.tmp" "$CLUSTER_ENV"
state ENV_FILE "$CLUSTER_ENV"
state READY "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "cluster up ($RUNTIME, config $CONFIG) in $(elapsed "$T0"); env: $CLUSTER_ENV"
