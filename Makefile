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
LIBS_auditd = -lsqlite3 -lcurl
LIBS_pccxctl = -lsqlite3 -lcurl
LIBS_authd = -lcurl -lfido2 -lsqlite3
LIBS_tunneld = -lmnl
LIBS_frontd = -lwslay
LIBS_sessiond = $(B)/libverify.a $(B)/libcommon.a
YACC	= bison -y

B	= build
O	= $(B)/obj

# Each directory is one program; every .c file in it is part of it.
COMMON	= $(sort $(wildcard common/*.c proto/*.c))
COMMON_OBJS = $(COMMON:%.c=$(O)/%.o)

REMOTED	= $(sort $(wildcard remoted/*.c)) $(B)/remoted/parse.c \
	  $(B)/remoted/default_conf.c
FRONTD	= $(sort $(wildcard frontd/*.c))
AUTHD	= $(sort $(wildcard authd/*.c))
TUNNELD	= $(sort $(wildcard tunneld/*.c))
SESSIOND = $(sort $(wildcard sessiond/*.c))
AUDITD	= $(sort $(wildcard auditd/*.c))
PCCXCTL	= $(sort $(wildcard pccxctl/*.c))

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
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_remoted)
$(B)/pccx-frontd: $(call objs,$(FRONTD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_frontd)
$(B)/pccx-authd: $(call objs,$(AUTHD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_authd)
$(B)/pccx-tunneld: $(call objs,$(TUNNELD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_tunneld)
$(B)/pccx-sessiond: $(call objs,$(SESSIOND)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_sessiond)
$(B)/pccx-auditd: $(call objs,$(AUDITD)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_auditd)
$(B)/pccxctl: $(call objs,$(PCCXCTL)) $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LIBS_pccxctl)

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

# Fragments: each test area, and the trace checker, add their own rules.
-include $(sort $(wildcard regress/*/Makefile.inc)) verify/Makefile.inc \
	 client/Makefile.inc

TESTS	+= $(sort $(wildcard regress/integration/*.t))

# Output directories of the test programs exist before any link.
_dirs	:= $(shell mkdir -p $(sort $(dir $(TEST_PROGS))) $(B)/fuzz)

$(B)/regress/unit/test_msg: $(O)/regress/unit/test_msg.o $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

deps:
	@regress/install-deps

tests: all $(TEST_PROGS)

check: deps
	$(MAKE) tests
	prove -f -e '' $(TESTS)
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
	regress/demo/run

# One at a time, each with the peers it is measured beside.
bench: deps
	$(MAKE) all
	$(MAKE) -j1 $(BENCHES)

$(BENCHES): | deps

# Install and uninstall.  The parent runs its children from its own
# directory, so all seven programs go to SBINDIR.  With DESTDIR set
# (a staged install) the system users are left alone.
DESTDIR	?=
INSTALL	?= install
INST_SBIN = pccx-remoted pccx-frontd pccx-authd pccx-tunneld pccx-sessiond \
	    pccx-auditd pccxctl
INST_CONF = $(DESTDIR)$(SYSCONFDIR)/pccx-remote
INST_RC	= $(DESTDIR)$(SYSCONFDIR)/init.d/pccx-remoted
INST_UNIT = $(DESTDIR)$(UNITDIR)/pccx-remoted.service
INST_SED = sed 's|/usr/local/sbin|$(SBINDIR)|g'

install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(INST_CONF) $(DESTDIR)$(UNITDIR) \
	    $(dir $(INST_RC))
	$(INSTALL) -m 0755 $(INST_SBIN:%=$(B)/%) $(DESTDIR)$(SBINDIR)
	if [ -f $(B)/pccx-verify ]; then \
	    $(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) && \
	    $(INSTALL) -m 0755 $(B)/pccx-verify $(DESTDIR)$(BINDIR); fi
	$(INSTALL) -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8
	for f in man/*.1; do [ -f "$$f" ] || continue; \
	    $(INSTALL) -d -m 0755 $(DESTDIR)$(MANDIR)/man1 && \
	    $(INSTALL) -m 0644 "$$f" $(DESTDIR)$(MANDIR)/man1 || exit 1; done
	@if [ -e $(INST_CONF)/pccx-remote.conf ]; then \
	    echo "keeping $(INST_CONF)/pccx-remote.conf"; else \
	    echo "$(INSTALL) -m 0644 etc/pccx-remote.conf $(INST_CONF)"; \
	    $(INSTALL) -m 0644 etc/pccx-remote.conf $(INST_CONF); fi
	$(INST_SED) etc/pccx-remoted.service >$(B)/pccx-remoted.service
	$(INSTALL) -m 0644 $(B)/pccx-remoted.service $(INST_UNIT)
	$(INST_SED) etc/rc.pccx-remoted >$(B)/rc.pccx-remoted
	$(INSTALL) -m 0755 $(B)/rc.pccx-remoted $(INST_RC)
	@if [ -n "$(DESTDIR)" ]; then \
	    echo "DESTDIR is set: system users not created"; else \
	    echo "etc/pccx-users add"; etc/pccx-users add; fi

uninstall:
	rm -f $(INST_SBIN:%=$(DESTDIR)$(SBINDIR)/%) \
	    $(DESTDIR)$(BINDIR)/pccx-verify $(INST_UNIT) $(INST_RC)
	for f in man/*.[0-9]; do [ -f "$$f" ] || continue; \
	    s=$${f##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${f#man/}; done
	@echo "kept $(INST_CONF)/pccx-remote.conf and the state directory"
	@if [ -n "$(DESTDIR)" ]; then \
	    echo "DESTDIR is set: system users not removed"; else \
	    echo "etc/pccx-users del"; etc/pccx-users del; fi

.SECONDARY:

.PHONY: install uninstall

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

.SECONDARY:

.PHONY: all clean deps tests check fuzz bench demo
