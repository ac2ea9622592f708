# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# A "laptop" namespace with its own wireguard-go, for the tunnel checks.
#
# Source after setting T (a temp dir), NS (the namespace), VH and VL
# (the veth pair's host and laptop ends), WGS and WGL (the host's and
# the laptop's WireGuard interfaces).

# wg_veth NET: NS joined to the host by VH/VL, host NET.1/30, laptop
# NET.2/30; the status of the last step.
wg_veth() {
	ip netns add "$NS" &&
	ip link add "$VH" type veth peer name "$VL" netns "$NS" &&
	ip addr add "$1.1/30" dev "$VH" && ip link set "$VH" up &&
	ip -n "$NS" addr add "$1.2/30" dev "$VL" &&
	ip -n "$NS" link set "$VL" up && ip -n "$NS" link set lo up
}

# wg_unwire: the namespace, the veth pair and WGS gone, if there.
wg_unwire() {
	ip netns del "$NS" 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip link del "$WGS" 2>/dev/null
}

# wg_keys: server.key and laptop.key in T; SPUB and LPUB their halves.
wg_keys() {
	wg genkey >"$T/server.key"
	wg genkey >"$T/laptop.key"
	SPUB=$(wg pubkey <"$T/server.key")
	LPUB=$(wg pubkey <"$T/laptop.key")
}

# wg_laptop ENDPOINT ADDR SERVER: wireguard-go on WGL in NS (pid LPID,
# log T/laptop.log), its one peer SPUB at ENDPOINT, its address ADDR,
# the route to SERVER through it; the status of the last step.
wg_laptop() {
	ip netns exec "$NS" wireguard-go -f "$WGL" >"$T/laptop.log" 2>&1 \
	    3>&- &
	LPID=$!
	i=0
	while [ ! -S "/var/run/wireguard/$WGL.sock" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ip netns exec "$NS" wg set "$WGL" private-key "$T/laptop.key" \
	    peer "$SPUB" endpoint "$1" \
	    allowed-ips "$3/32" persistent-keepalive 1 &&
	ip -n "$NS" addr add "$2" dev "$WGL" &&
	ip -n "$NS" link set "$WGL" up &&
	ip -n "$NS" route add "$3/32" dev "$WGL"
}

# reply N: wait (30 s at most: a first wireguard-go start can be slow)
# for T/out to have N lines; print line N.
reply() {
	i=0
	while [ "$(wc -l <"$T/out")" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sed -n "$1p" "$T/out"
}
