#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The pccx-remote authors
# The running front end refuses every unsafe request shape, as bytes.

. "$(dirname "$0")/../lib.sh"
setup
suite_conf
cat >>"$T/pccx.conf" <<CONF
limits {
	request-line 512
	headers 16
	header-bytes 2K
	body 4K
}
CONF

# raw BYTES: send BYTES (printf escapes) and print the status line and
# the JSON error code of the answer.
raw() {
	printf "$1" | perl -MIO::Socket::INET -MIO::Select -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
		    PeerPort => $ARGV[0], Timeout => 5) or die "connect: $!";
		local $/; my $in = <STDIN>; print $s $in;
		my $out = ""; my $buf;
		while (IO::Select->new($s)->can_read(2)) {
			last unless sysread($s, $buf, 65536);
			$out .= $buf;
		}
		my ($st) = $out =~ m{^HTTP/1\.1 (\d+)};
		my ($code) = $out =~ m{"code":"([a-z_]+)"};
		my $n = () = $out =~ m{^HTTP/1\.1 }mg;
		printf "%s %s%s\n", $st // "none", $code // "none",
		    $n > 1 ? " +" . ($n - 1) : "";
	' "$PORT"
}

H='Host: x\r\n'
check() { is "$(raw "$1")" "$2" "$3"; }

plan 34
suite_start
ok $? "suite starts"

check "GET /v1/health HTTP/1.1\r\n$H\r\n" "200 none" "a plain request works"
check "GET /v1/nope HTTP/1.1\r\n$H\r\n" "404 not_found" "unknown path: JSON 404"
check "PATCH /v1/health HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n" \
    "501 not_implemented" "a method no route serves: 501"
check "POST /v1/x HTTP/1.1\r\n${H}Content-Length: 34\r\n\r\nGET /v1/health HTTP/1.1\r\n$H\r\n" \
    "404 not_found" "an unread body is never parsed as a request"
check "GET /v1/health HTTP/1.1\r\n${H}\r\nGET /v1/health HTTP/1.1\r\n$H\r\n" \
    "200 none +1" "two pipelined requests get two answers"
check "POST /v1/x HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n" \
    "400 bad_transfer_encoding" "Transfer-Encoding gzip"
check "POST /v1/x HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n" \
    "400 bad_transfer_encoding" "Transfer-Encoding chunked, gzip"
check "POST /v1/x HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\nab" \
    "400 duplicate_content_length" "two equal Content-Length"
check "POST /v1/x HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab" \
    "400 duplicate_content_length" "two different Content-Length"
check "POST /v1/x HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
    "400 conflicting_framing" "Content-Length with Transfer-Encoding"
check "POST /v1/x HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc" \
    "400 bad_content_length" "signed Content-Length"
for sz in 0x5 +5 " 5" "5 x" "-5" 123456789012345678901; do
	check "GET /v1/health HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n$sz\r\nhello\r\n0\r\n\r\n" \
	    "400 bad_chunk_size" "chunk size '$sz'"
done
check "GET /v1/health HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n" \
    "400 bad_chunk" "chunk data not followed by CRLF"
for p in /v1/%%00x /v1/a/../health /v1/./health /v1//health /v1/a%%2Fb \
    /v1/a%%2fb /v1/a%%5Cb /v1/%%zz; do
	check "GET $p HTTP/1.1\r\n$H\r\n" "400 bad_path" "path $p"
done
check "GET /v1/health HTTP/1.1\n$H\n" "400 bad_line_ending" "bare LF"
check "GET /v1/health HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n" "400 obs_fold" \
    "folded header"
check "GET /v1/$(printf '%0600d' 0) HTTP/1.1\r\n$H\r\n" \
    "414 request_line_too_long" "request line over the limit"
check "GET /v1/health HTTP/1.1\r\n${H}X: $(printf '%03000d' 0)\r\n\r\n" \
    "431 headers_too_large" "header bytes over the limit"
check "GET /v1/health HTTP/1.1\r\n${H}Content-Length: 5000\r\n\r\n" \
    "413 body_too_large" "body over the limit"
# A project that no configuration can name is refused before the gate,
# so it never reaches the audit log as a row.
check "GET /v1/auth/check?project=%%FF&action=x HTTP/1.1\r\n$H\r\n" \
    "400 bad_project" "a project of byte 0xff in the query"
check "GET /v1/sessions HTTP/1.1\r\n${H}X-Project: a b\r\n\r\n" \
    "400 bad_project" "a project with a space in X-Project"
suite_stop
finish
