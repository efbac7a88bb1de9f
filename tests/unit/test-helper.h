/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-helper: minimal assertions for the unit tests.  A failed assertion
 * prints file:line and the values, then exits 1 so the automake harness
 * reports FAIL; test_seed() prints the seed of a randomized test so a
 * failure can be replayed (TEST_SEED=N).
 */
#ifndef SPICED_TEST_HELPER_H
#define SPICED_TEST_HELPER_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEST_FAIL(...) do {						\
	fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define ASSERT_TRUE(c) do { if (!(c))					\
	TEST_FAIL("assertion failed: %s", #c); } while (0)
#define ASSERT_INT_EQ(a, b) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);	\
} while (0)
#define ASSERT_U64_EQ(a, b) do {					\
	uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);		\
	if (_a != _b)							\
		TEST_FAIL("%s == %s: %" PRIu64 " != %" PRIu64, #a, #b,	\
		    _a, _b);						\
} while (0)
#define ASSERT_STR_EQ(a, b) do {					\
	const char *_a = (a), *_b = (b);				\
	if (strcmp(_a, _b) != 0)					\
		TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, _a, _b);	\
} while (0)
#define ASSERT_STR_CONTAINS(a, b) do {					\
	const char *_a = (a), *_b = (b);				\
	if (strstr(_a, _b) == NULL)					\
		TEST_FAIL("\"%s\" lacks \"%s\"", _a, _b);		\
} while (0)
#define ASSERT_MEM_EQ(a, b, n) do {					\
	if (memcmp((a), (b), (n)) != 0)					\
		TEST_FAIL("%s and %s differ in %zu bytes", #a, #b,	\
		    (size_t)(n));					\
} while (0)

/* Write v little-endian (as SPICE puts it on the wire) at p. */
static inline void
test_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Seed for randomized tests: TEST_SEED from the environment or the time;
 * printed either way. */
static inline unsigned int
test_seed(void)
{
	const char *s = getenv("TEST_SEED");
	unsigned int seed = s != NULL ? (unsigned int)strtoul(s, NULL, 10) :
	    (unsigned int)time(NULL);

	printf("# TEST_SEED=%u\n", seed);
	srand(seed);
	return seed;
}

#endif
