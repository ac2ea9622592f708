/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Datagrams over a TLS stream: two-byte length frames, bounded buffers. */

#ifndef PCCX_DGRAM_H
#define PCCX_DGRAM_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct bufferevent;

/* A WireGuard datagram never exceeds what a u16 length can say. */
#define DGRAM_MAX	65535
/* Bytes queued toward the stream before datagrams are dropped. */
#define DGRAM_BUFMAX	(512 * 1024)

/*
 * dgram_frame_next: look at the first frame of len bytes at buf.
 * Returns the frame's full size (2 + payload) with the payload length
 * in *plen, 0 when more bytes are needed, or -1 when the frame is bad
 * (empty, or longer than max).
 */
long	dgram_frame_next(const uint8_t *, size_t, size_t, size_t *);

/*
 * One stream joined to one UDP socket.  Without learn the UDP socket
 * is connected; with it, datagrams go to peer, which the last
 * datagram received sets (the local WireGuard).  Any local process
 * that reaches the socket can take that place, but WireGuard's own
 * authentication makes it worth no more than dropping packets.
 */
struct dgram_pipe {
	struct bufferevent	*bev;
	int			 udp;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	int			 learn;	/* peer from recvfrom */
	uint64_t		 to_udp, to_stream;	/* datagrams */
	uint64_t		 dropped, bad;
};

/*
 * dgram_pipe_stream: move every complete frame of the stream's input
 * to the UDP socket; a datagram the socket cannot take now is dropped.
 * 0, or -1 when the stream sent a bad frame (close it).
 */
int	dgram_pipe_stream(struct dgram_pipe *);
/*
 * dgram_pipe_udp: read the datagrams waiting on the UDP socket and
 * queue each as a frame on the stream, dropping those that would
 * take its output past DGRAM_BUFMAX.
 */
void	dgram_pipe_udp(struct dgram_pipe *);

#endif
