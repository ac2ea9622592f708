# SPDX-License-Identifier: ISC
# pccx-remote: build, test, install.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= /lib/systemd/system

CC	?= cc
PKGS	= libevent libevent_openssl openssl libsodium jansson libseccomp
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -I. \
	   $(shell pkg-config --cflags $(PKGS))
LDFLAGS	+= -pie -Wl,-z,relro,-z,now
LIBS	= $(shell pkg-config --libs $(PKGS))
YACC	= bison -y

B	= build
O	= $(B)/obj

COMMON	= common/log.c common/msg.c common/wire.c common/util.c \
	  common/priv.c common/sandbox.c common/child.c common/conf_lex.c \
	  proto/proto.c
COMMON_OBJS = $(COMMON:%.c=$(O)/%.o)

REMOTED	= remoted/remoted.c remoted/control.c remoted/config.c \
	  remoted/children.c remoted/keys.c $(B)/remoted/parse.c \
	  $(B)/remoted/default_conf.c
FRONTD	= frontd/frontd.c frontd/http.c frontd/server.c frontd/health.c \
	  frontd/sandbox_front.c
AUTHD	= authd/authd.c authd/sandbox_auth.c
TUNNELD	= tunneld/tunneld.c tunneld/sandbox_tunnel.c
SESSIOND = sessiond/sessiond.c sessiond/sandbox_session.c
AUDITD	= auditd/auditd.c auditd/sandbox_audit.c
PCCXCTL	= pccxctl/pccxctl.c

objs	= $(foreach f,$(1),$(if $(filter $(B)/%,$(f)),$(f:.c=.o),$(O)/$(f:.c=.o)))

PROGS	= $(B)/pccx-remoted $(B)/pccx-frontd $(B)/pccx-authd \
	  $(B)/pccx-tunneld $(B)/pccx-sessiond $(B)/pccx-auditd \
	  $(B)/pccxctl

all: $(PROGS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/remoted/parse.c: remoted/parse.y
	@mkdir -p $(dir $@)
	$(YACC) -o $@ $<

$(B)/remoted/default_conf.c: etc/pccx-remote.conf remoted/embed.sh
	@mkdir -p $(dir $@)
	sh remoted/embed.sh etc/pccx-remote.conf $@

$(B)/remoted/default_conf.o: $(B)/remoted/default_conf.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/remoted/parse.o: $(B)/remoted/parse.c
	$(CC) $(CFLAGS) -Iremoted -MMD -MP -c -o $@ $<

$(B)/libcommon.a: $(COMMON_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/pccx-remoted: $(call objs,$(REMOTED)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/pccx-frontd: $(call objs,$(FRONTD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/pccx-authd: $(call objs,$(AUTHD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/pccx-tunneld: $(call objs,$(TUNNELD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/pccx-sessiond: $(call objs,$(SESSIOND)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/pccx-auditd: $(call objs,$(AUDITD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/pccxctl: $(call objs,$(PCCXCTL)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Tests, fuzzers and benchmarks; each part of the tree adds its own.
TESTS	= $(B)/regress/unit/test_msg
TEST_PROGS = $(B)/regress/unit/test_msg
FUZZ_TARGETS = msg
FUZZ_SRCS_msg = common/msg.c common/wire.c common/util.c proto/proto.c
BENCHES	=
FUZZ_SECONDS ?= 60
FUZZCC	= clang
FUZZFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -I. \
	    $(shell pkg-config --cflags $(PKGS))

-include regress/unit/Makefile.inc
-include regress/sandbox/Makefile.inc
-include regress/config/Makefile.inc
-include verify/Makefile.inc

TESTS	+= $(sort $(wildcard regress/integration/*.t))

$(B)/regress/unit/test_msg: $(O)/regress/unit/test_msg.o $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

deps:
	@regress/install-deps

tests: all $(TEST_PROGS)

check: deps
	$(MAKE) tests
	prove -e '' $(TESTS)
	$(MAKE) fuzz FUZZ_SECONDS=5

$(B)/fuzz/fuzz_%: regress/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -o $@ $< $(FUZZ_SRCS_$*) \
	    $(shell pkg-config --libs $(PKGS))

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-run-%: $(B)/fuzz/fuzz_%
	@mkdir -p $(B)/fuzz/corpus-$*
	@echo "fuzz_$*: $(FUZZ_SECONDS) s"
	@$< -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 \
	    $(B)/fuzz/corpus-$* $(FUZZ_SEEDS_$*) >$(B)/fuzz/fuzz_$*.log 2>&1 \
	    || { tail -30 $(B)/fuzz/fuzz_$*.log; exit 1; }
	@grep -E '^Done [0-9]+ runs' $(B)/fuzz/fuzz_$*.log

demo: deps
	$(MAKE) all
	regress/demo

bench: all $(BENCHES)

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

.PHONY: all clean deps tests check fuzz bench demo
