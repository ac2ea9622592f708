/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The ceiling: libsodium Ed25519 verifications per second on N threads. */

/*
 * bench_ed25519 [-t THREADS] [-d SECONDS]
 *
 * Each thread verifies one signature over a message the size of a
 * request's signature base, again and again, for SECONDS of wall time.
 * Prints "verify_per_s N threads T cpu_us_per_verify C": C, the CPU
 * time of one verification, stays put when other work shares the
 * cores, where N does not.
 */

#include <sys/resource.h>

#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define ED_MAXTHREADS	64

/* One thread's work and its count. */
struct ed_worker {
	pthread_t	 t;
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 sig[crypto_sign_BYTES];
	unsigned char	 msg[300];
	double		 secs;
	unsigned long	 n;
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
ed_run(void *arg)
{
	struct ed_worker	*w = arg;
	double			 end = now_s() + w->secs;
	int			 i;

	while (now_s() < end)
		for (i = 0; i < 64; i++) {
			if (crypto_sign_verify_detached(w->sig, w->msg,
			    sizeof(w->msg), w->pk) != 0)
				errx(1, "verification failed");
			w->n++;
		}
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct ed_worker	*w;
	struct rusage		 ru;
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	unsigned long		 total = 0;
	double			 secs = 2, t0;
	int			 ch, i, n = 2;

	while ((ch = getopt(argc, argv, "d:t:")) != -1) {
		switch (ch) {
		case 'd':
			secs = atof(optarg);
			break;
		case 't':
			n = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_ed25519 [-t threads] "
			    "[-d seconds]\n");
			return 2;
		}
	}
	if (n < 1 || n > ED_MAXTHREADS || secs <= 0 || secs > 30)
		errx(2, "threads 1 to %d, seconds up to 30", ED_MAXTHREADS);
	if (sodium_init() == -1 || (w = calloc(n, sizeof(*w))) == NULL)
		errx(1, "setup");
	t0 = now_s();
	for (i = 0; i < n; i++) {
		crypto_sign_keypair(w[i].pk, sk);
		randombytes_buf(w[i].msg, sizeof(w[i].msg));
		crypto_sign_detached(w[i].sig, NULL, w[i].msg,
		    sizeof(w[i].msg), sk);
		w[i].secs = secs;
		if (pthread_create(&w[i].t, NULL, ed_run, &w[i]) != 0)
			errx(1, "pthread_create");
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		total += w[i].n;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("verify_per_s %.0f threads %d cpu_us_per_verify %.1f\n",
	    total / (now_s() - t0), n, total == 0 ? 0 :
	    (ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec) / total);
	free(w);
	return 0;
}
