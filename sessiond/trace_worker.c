/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The one-shot trace worker: untrusted bytes in, verdict and reports out. */

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "sessiond/trace.h"
#include "verify/verify.h"

#define TW_BUFSZ	65536

static void	tw_fds(int, int, int, int);
static void	tw_drop(rlim_t);
static void	tw_filter(void);
static int	tw_write(int, const void *, size_t);
static int	tw_report(struct verify *, enum report_kind, uint8_t);
static int	tw_complete(const struct verify_info *);
static void	tw_ref_err(void *, unsigned, const char *);

static char	tw_vbuf[BUFSIZ], tw_rbuf[BUFSIZ];
static uint8_t	tw_in[TW_BUFSZ] __attribute__((aligned(4096)));

/* Put the descriptors where trace.h says and close the others. */
static void
tw_fds(int body, int verdict, int rep, int ref)
{
	int	fds[4] = { body, verdict, rep, ref };
	int	i;

	/* out of the way first, so that no dup2 overwrites another */
	for (i = 0; i < 4; i++)
		if (fds[i] != -1 && dup2(fds[i], TRACE_FD_HIGH + i) == -1)
			_exit(70);
	for (i = 0; i < 4; i++) {
		if (fds[i] == -1)
			close(i);
		else if (dup2(TRACE_FD_HIGH + i, i) == -1)
			_exit(70);
	}
	if (syscall(SYS_close_range, 4, ~0U, 0) == -1)
		_exit(70);
}

/*
 * Give up everything the daemon had: groups, uid 0 and with it every
 * capability, new privileges; then bound memory, CPU, file size and
 * descriptors.  The chroot (<state>/session) is inherited.
 */
static void
tw_drop(rlim_t as)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	struct rlimit			rl;

	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;

	if (setgroups(0, NULL) == -1 ||
	    setresgid(TRACE_WORKER_UID, TRACE_WORKER_UID,
	    TRACE_WORKER_UID) == -1 ||
	    setresuid(TRACE_WORKER_UID, TRACE_WORKER_UID,
	    TRACE_WORKER_UID) == -1)
		_exit(71);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		_exit(71);
	rl.rlim_cur = rl.rlim_max = as;
	if (setrlimit(RLIMIT_AS, &rl) == -1)
		_exit(71);
	rl.rlim_cur = rl.rlim_max = TRACE_WORKER_CPU;
	if (setrlimit(RLIMIT_CPU, &rl) == -1)
		_exit(71);
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
		_exit(71);
	rl.rlim_cur = rl.rlim_max = TRACE_WORKER_NOFILE;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		_exit(71);
}

/*
 * The worker's own filter, stacked on the daemon's: default kill,
 * native architecture only (libseccomp kills any other).
 */
static void
tw_filter(void)
{
	scmp_filter_ctx	ctx;
	int		rc = 0;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		_exit(72);
	/* the body and the reference, nothing else */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
	    SCMP_A0(SCMP_CMP_EQ, TRACE_FD_BODY));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
	    SCMP_A0(SCMP_CMP_EQ, TRACE_FD_REF));
	/* the verdict stream and the reports */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, TRACE_FD_VERDICT));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    SCMP_A0(SCMP_CMP_EQ, TRACE_FD_REPORT));
	/* _exit */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
	/* malloc: the heap and large blocks, never executable */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(brk), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(munmap), 0);
	/* realloc of a large block (report buffers grow) */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mremap), 0);
	if (rc != 0 || seccomp_load(ctx) != 0)
		_exit(72);
	seccomp_release(ctx);
}

static int
tw_write(int fd, const void *p, size_t len)
{
	const uint8_t	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, b, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += n;
		len -= n;
	}
	return 0;
}

/* Render one report in memory and send it as a record. */
static int
tw_report(struct verify *v, enum report_kind kind, uint8_t tk)
{
	uint8_t		 hdr[TRACE_REP_HDR];
	char		*buf = NULL;
	size_t		 len = 0;
	uint64_t	 n;
	FILE		*fp;
	int		 rv = -1;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return -1;
	if (report_write(fp, kind, v) == -1) {
		fclose(fp);
		goto out;
	}
	if (fclose(fp) == EOF)
		goto out;
	hdr[0] = tk;
	n = len;
	memcpy(hdr + 1, &n, sizeof(n));
	if (tw_write(TRACE_FD_REPORT, hdr, sizeof(hdr)) == 0 &&
	    tw_write(TRACE_FD_REPORT, buf, len) == 0)
		rv = 0;
 out:
	free(buf);
	return rv;
}

/* A verdict is complete when the whole file was there to judge. */
static int
tw_complete(const struct verify_info *in)
{
	return in->fixed_ok && in->header_ok &&
	    in->code_count[VF_TRUNCATED] == 0 &&
	    in->code_count[VF_PAYLOAD_SHORT] == 0 &&
	    in->checksum != VERIFY_CK_UNCHECKED;
}

static void
tw_ref_err(void *arg, unsigned line, const char *why)
{
	FILE	*fp = arg;

	if (fp != NULL)
		fprintf(fp, "{\"event\":\"error\",\"reason\":"
		    "\"reference line %u\"}\n", line);
}

/* Load the reference from fp; exit 2 if it is bad. */
static struct golden *
tw_golden(FILE *fp, FILE *out)
{
	struct golden	*g;

	g = golden_load(fp, tw_ref_err, out);
	if (g == NULL) {
		if (out != NULL)
			fflush(out);
		_exit(2);
	}
	return g;
}

void
trace_worker_run(int body, int verdict, int rep, int ref, int check_ref,
    rlim_t as)
{
	struct verify_sink	 sink;
	struct golden		*g = NULL;
	struct verify		*v;
	FILE			*out, *rfp = NULL;
	ssize_t			 n;
	uint8_t			 end;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	signal(SIGPIPE, SIG_DFL);
	tw_fds(body, verdict, rep, ref);
	out = NULL;
	if (!check_ref) {
		if ((out = fdopen(TRACE_FD_VERDICT, "w")) == NULL)
			_exit(73);
		setvbuf(out, tw_vbuf, _IOFBF, sizeof(tw_vbuf));
	}
	/* stdio asks fcntl for the mode: before the filter */
	if (ref != -1) {
		if ((rfp = fdopen(TRACE_FD_REF, "r")) == NULL)
			_exit(73);
		setvbuf(rfp, tw_rbuf, _IOFBF, sizeof(tw_rbuf));
	}
	tw_drop(as);
	/* jansson would open /dev/urandom for its hash seed on first use */
	json_object_seed(randombytes_random() | 1);
	tw_filter();

	if (rfp != NULL)
		g = tw_golden(rfp, out);
	if (check_ref)
		_exit(0);
	emit_ndjson_sink(&sink, out);
	if ((v = verify_new(&sink, g, VERIFY_F_TIMELINE |
	    VERIFY_F_KEEPSTEPS)) == NULL)
		_exit(74);
	verify_set_progress(v, TRACE_PROGRESS);
	while ((n = read(TRACE_FD_BODY, tw_in, sizeof(tw_in))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || verify_feed(v, tw_in, n) == -1)
			_exit(75);
	}
	verify_finish(v);
	if (fflush(out) == EOF)
		_exit(76);
	end = TRACE_REP_SHORT;
	if (tw_complete(verify_info(v))) {
		if (tw_report(v, REPORT_JSON, SESSION_TK_JSON) == -1 ||
		    tw_report(v, REPORT_HTML, SESSION_TK_HTML) == -1 ||
		    tw_report(v, REPORT_MARKDOWN, SESSION_TK_MD) == -1)
			_exit(77);
		end = TRACE_REP_DONE;
	}
	if (tw_write(TRACE_FD_REPORT, &end, 1) == -1)
		_exit(78);
	_exit(0);
}
