/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay: a main() for fuzz targets, so that `make check` runs each
 * corpus through LLVMFuzzerTestOneInput with the ordinary compiler (after
 * lz4's standalone engine).  Arguments are files or directories; with none,
 * the corpus is $SPICED_SRCDIR/tests/fuzz/corpus/FUZZ_CORPUS.  A missing
 * default corpus is a skip (exit 77), an unreadable argument a failure.
 * The target signals a broken invariant by aborting.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_CORPUS
#error "define FUZZ_CORPUS as the corpus name"
#endif

/* Inputs larger than this are not replayed (libFuzzer's default max_len
 * is far smaller; a stray huge file should not eat the test's memory). */
#define REPLAY_MAX_INPUT	(1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int
replay_file(const char *path, unsigned int *count)
{
	uint8_t *buf;
	FILE *f;
	long len;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    len > REPLAY_MAX_INPUT || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: unusable size\n", path);
		fclose(f);
		return -1;
	}
	/* Exact-size allocation so ASan builds catch over-reads. */
	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: %s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	(*count)++;
	return 0;
}

static int
replay_path(const char *path, unsigned int *count)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub))
			continue;
		if (stat(sub, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(sub, count) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *srcdir;
	char def[4096];
	unsigned int count = 0;
	struct stat st;
	int i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_path(argv[i], &count) != 0)
				rc = 1;
	} else {
		if ((srcdir = getenv("SPICED_SRCDIR")) == NULL)
			srcdir = ".";
		snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/%s", srcdir,
		    FUZZ_CORPUS);
		if (stat(def, &st) != 0) {
			printf("SKIP: no corpus at %s\n", def);
			return 77;
		}
		if (replay_path(def, &count) != 0)
			rc = 1;
	}
	printf("replay %s: %u inputs%s\n", FUZZ_CORPUS, count,
	    rc ? ", some unreadable" : "");
	return rc;
}
