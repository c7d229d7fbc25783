/* test_sha256.c — SHA-256 against the FIPS 180-2 appendix B test vectors.
 *
 * B.1 "abc" (one block), B.2 the 448-bit "abcdbcde...nopq" (two blocks after
 * padding), B.3 one million 'a' (fed in uneven pieces to exercise the
 * partial-block path), the empty message, and a file digest equal to the
 * buffer digest of the same bytes.
 */
#include "../common/error.h"
#include "../common/sha256.h"
#include "harness.h"

static void test_abc(void)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
          "got %s", hex);
}

static void test_448_bits(void)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char hex[65];
    CHECK(strlen(m) * 8 == 448, "message is %zu bits", strlen(m) * 8);
    sha256_hex(m, strlen(m), hex);
    CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
          "got %s", hex);
}

static void test_million_a_in_pieces(void)
{
    static char a[1000];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    uint8_t d[32];
    sha256_init(&c);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t take = step < 1000 ? step : 1000;
        if (take > 1000000 - done)
            take = 1000000 - done;
        sha256_update(&c, a, take);
        done += take;
        step = step * 7 % 997 + 1;
    }
    sha256_final(&c, d);
    static const uint8_t want[4] = {0xcd, 0xc7, 0x6e, 0x5c};
    CHECK(!memcmp(d, want, 4) && d[31] == 0xd0, "digest starts %02x%02x ends %02x", d[0], d[1],
          d[31]);
}

static void test_empty(void)
{
    char hex[65];
    sha256_hex("", 0, hex);
    CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
          "got %s", hex);
}

static void test_file_matches_buffer(void)
{
    char path[] = "/tmp/rigor-sha-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0)
        return;
    static char buf[200000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)(i * 31 + 7);
    CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write");
    close(fd);
    char h1[65], h2[65];
    sha256_hex(buf, sizeof buf, h1);
    CHECK(sha256_file(path, h2) == RIGOR_OK, "sha256_file");
    CHECK(!strcmp(h1, h2), "file %s vs buffer %s", h2, h1);
    unlink(path);
    CHECK(sha256_file("/nonexistent/rigor/file", h2) == RIGOR_EIO, "missing file is RIGOR_EIO");
}

int main(void)
{
    TEST_RUN(test_abc);
    TEST_RUN(test_448_bits);
    TEST_RUN(test_million_a_in_pieces);
    TEST_RUN(test_empty);
    TEST_RUN(test_file_matches_buffer);
    TEST_END("test_sha256");
}
