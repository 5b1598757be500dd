/* C figures for bench/run.sh: what a C developer writes today (OpenSSL's MD5 + base64url by
 * hand + snprintf, the C counterpart of the vendor's OpenSSL pipeline) against
 * st_signer_sign_url one at a time and st_signer_sign_many on the whole batch.
 * Prints "c <case> <ns per link>" lines. Build: see bench/run.sh. */
#define _POSIX_C_SOURCE 199309L
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdn_secure_token.h"

#define N 100000
#define ROUNDS 5
static const char KEY[] = "bench-secret-key";
static const long long EXPIRES = 2147483647LL;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The reference: hash "{expires}{path} {key}", base64url without padding, build the link. */
static int snippet(const char *origin, const char *path, char *out, size_t cap) {
  static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char s[512];
  unsigned char d[16];
  unsigned int dlen = 0;
  char tok[23];
  int n = snprintf(s, sizeof s, "%lld%s %s", EXPIRES, path, KEY);
  if (n < 0 || (size_t)n >= sizeof s) return -1;
  if (!EVP_Digest(s, (size_t)n, d, &dlen, EVP_md5(), NULL)) return -1;
  for (int g = 0; g < 5; g++) {
    uint32_t v = (uint32_t)d[3 * g] << 16 | (uint32_t)d[3 * g + 1] << 8 | d[3 * g + 2];
    tok[4 * g] = A[v >> 18 & 63];
    tok[4 * g + 1] = A[v >> 12 & 63];
    tok[4 * g + 2] = A[v >> 6 & 63];
    tok[4 * g + 3] = A[v & 63];
  }
  tok[20] = A[d[15] >> 2];
  tok[21] = A[(d[15] & 3) << 4];
  tok[22] = 0;
  return snprintf(out, cap, "%s%s?md5=%s&expires=%lld", origin, path, tok, EXPIRES);
}

int main(void) {
  static char paths[N][48];
  static char urls[N][80];
  static st_str strs[N];
  for (int i = 0; i < N; i++) {
    snprintf(paths[i], sizeof paths[i], "/videos/%d/segment-%d.ts", i % 997, i);
    snprintf(urls[i], sizeof urls[i], "https://cdn.example.com%.47s", paths[i]);
    strs[i].ptr = urls[i];
    strs[i].len = strlen(urls[i]);
  }
  st_signer *signer = NULL;
  if (st_signer_new(KEY, strlen(KEY), &signer) != ST_OK) return 1;
  st_sign_options opts;
  memset(&opts, 0, sizeof opts);
  opts.expires = EXPIRES;
  opts.now = 1700000000;
  char out[256];
  size_t out_len = 0;
  size_t cap = (size_t)N * 128;
  char *batch = malloc(cap);
  if (!batch) return 1;
  double best_ref = 1e18, best_one = 1e18, best_many = 1e18;
  unsigned long sink = 0;
  for (int r = 0; r < ROUNDS; r++) {
    double t = now_ns();
    for (int i = 0; i < N; i++) sink += (unsigned long)snippet("https://cdn.example.com", paths[i], out, sizeof out);
    double e = (now_ns() - t) / N;
    if (e < best_ref) best_ref = e;

    t = now_ns();
    for (int i = 0; i < N; i++) {
      if (st_signer_sign_url(signer, strs[i].ptr, strs[i].len, &opts, out, sizeof out, &out_len) != ST_OK) return 1;
      sink += out_len;
    }
    e = (now_ns() - t) / N;
    if (e < best_one) best_one = e;

    t = now_ns();
    size_t failed = 0;
    if (st_signer_sign_many(signer, strs, N, &opts, batch, cap, &out_len, &failed) != ST_OK) return 1;
    sink += out_len;
    e = (now_ns() - t) / N;
    if (e < best_many) best_many = e;
  }
  printf("c reference_openssl %.1f\n", best_ref);
  printf("c sign_url %.1f\n", best_one);
  printf("c sign_many %.1f\n", best_many);
  if (sink == 42) puts("");
  free(batch);
  st_signer_free(signer);
  return 0;
}
