/*
 * Tests of the installed C API (include/cdn_secure_token.h + libcdn_secure_token): every shared
 * vector, NULL pointers, zero and short buffers, invalid UTF-8, enum values out of range,
 * the builder, batches, and concurrent use of one signer from several threads.
 *
 * Built by capi/test.sh with gcc -std=c99 -Wall -Wextra -Werror against the staged install,
 * and run plainly, under ASan/UBSan and under valgrind. Prints "NAME: N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cdn_secure_token.h>

typedef struct {
  const char *s;
  size_t len;
} vstr;

typedef struct {
  vstr name, key, url, kind;
  int64_t expires, ttl, now;
  vstr ip, speed, buffer, string_to_sign, explained, token, signed_url;
} sign_vector;

typedef struct {
  vstr name, key, stream, account, id, base, file, ip;
  int64_t expires, now;
  vstr token, signed_url;
} stream_vector;

typedef struct {
  vstr name, key;
  vstr verify_keys[4];
  int n_verify_keys;
  vstr url, ip;
  int64_t now;
  vstr kind, expected;
  int status;
  int key_index;
  vstr reason;
} verify_vector;

typedef struct {
  vstr name, op, key, url;
  int64_t expires, ttl;
  vstr ip, kind, speed, buffer;
  int64_t now;
  vstr stream, account, id, error;
} error_vector;

#include "vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int passed, failed;
static const char *current = "";

static void check(int ok, const char *what, int line) {
  if (ok) {
    passed++;
  } else {
    failed++;
    fprintf(stderr, "FAIL [%s] line %d: %s\n", current, line, what);
  }
}
#define CHECK(cond) check((cond) ? 1 : 0, #cond, __LINE__)
#define CHECK_STATUS(call, want)                                                          \
  do {                                                                                     \
    st_status got_ = (call);                                                               \
    if (got_ != (want)) {                                                                  \
      char msg_[512];                                                                      \
      size_t n_ = 0;                                                                       \
      msg_[0] = 0;                                                                         \
      if (st_last_error(msg_, sizeof msg_, &n_) != ST_OK) msg_[0] = 0;                     \
      fprintf(stderr, "  got %s (%s), want %s\n", st_status_code((int)got_), msg_,         \
              st_status_code((int)(want)));                                                \
    }                                                                                      \
    check(got_ == (want), #call " == " #want, __LINE__);                                   \
  } while (0)

static int vstr_eq(vstr v, const char *s, size_t n) {
  return v.s != NULL && v.len == n && memcmp(v.s, s, n) == 0;
}

static int cstr_is(const char *s, vstr v) { return vstr_eq(v, s, strlen(s)); }

static st_str as_st(vstr v) {
  st_str s;
  s.ptr = v.s;
  s.len = v.len;
  return s;
}

static st_str lit(const char *s) {
  st_str r;
  r.ptr = s;
  r.len = strlen(s);
  return r;
}

static st_signer *new_signer(const char *key) {
  st_signer *s = NULL;
  if (st_signer_new(key, strlen(key), &s) != ST_OK) {
    fprintf(stderr, "cannot create a signer\n");
    exit(2);
  }
  return s;
}

/* Parses a kind name from a vector through the library's own parser. */
static st_status parse_kind(vstr name, uint32_t *out) {
  st_token_kind k = ST_TOKEN_KIND_FILE;
  st_status s;
  if (name.s == NULL) {
    *out = ST_TOKEN_KIND_FILE;
    return ST_OK;
  }
  s = st_token_kind_parse(name.s, name.len, &k);
  if (s == ST_OK) *out = (uint32_t)k;
  return s;
}

/* ---------------------------------------------------------------------------------- */

static void test_version(void) {
  current = "version";
  CHECK(strcmp(st_version(), ST_VERSION) == 0);
  {
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", ST_VERSION_MAJOR, ST_VERSION_MINOR,
             ST_VERSION_PATCH);
    CHECK(strcmp(want, st_version()) == 0);
  }
  CHECK(ST_TOKEN_LEN == 22);
  CHECK(strcmp(st_status_str(ST_OK), "ok") == 0);
  CHECK(strcmp(st_status_code(ST_ERR_BUFFER_TOO_SMALL), "BUFFER_TOO_SMALL") == 0);
  CHECK(strcmp(st_status_code(ST_ERR_INVALID_KEY), "INVALID_KEY") == 0);
  CHECK(strcmp(st_status_code(12345), "UNKNOWN") == 0);
  CHECK(strcmp(st_status_str(-1), "unknown status") == 0);
  CHECK(strcmp(st_reason_str(ST_REASON_MISMATCH), "mismatch") == 0);
  CHECK(strcmp(st_reason_str(ST_REASON_NONE), "") == 0);
  CHECK(strcmp(st_reason_str(999), "other") == 0);
  /* The status values are part of the ABI. */
  CHECK(ST_OK == 0 && ST_ERR_NULL_POINTER == 1 && ST_ERR_BUFFER_TOO_SMALL == 2 &&
        ST_ERR_INVALID_UTF8 == 3 && ST_ERR_PANIC == 4 && ST_ERR_INVALID_KEY == 10 &&
        ST_ERR_INVALID_PATH == 11 && ST_ERR_INVALID_IP == 12 && ST_ERR_INVALID_EXPIRY == 13 &&
        ST_ERR_INVALID_URL == 14 && ST_ERR_INVALID_ARGUMENT == 15);
}

static void test_sign_vectors(void) {
  size_t i;
  for (i = 0; i < COUNT(SIGN_VECTORS); i++) {
    const sign_vector *v = &SIGN_VECTORS[i];
    st_signer *signer = NULL;
    st_sign_options o;
    char buf[4096];
    size_t n = 0;
    current = v->name.s;
    memset(&o, 0, sizeof o);
    CHECK_STATUS(st_signer_new(v->key.s, v->key.len, &signer), ST_OK);
    if (signer == NULL) continue;
    o.expires = v->expires;
    o.ttl = v->ttl;
    o.now = v->now;
    o.ip = as_st(v->ip);
    o.speed = as_st(v->speed);
    o.buffer = as_st(v->buffer);
    CHECK_STATUS(parse_kind(v->kind, &o.kind), ST_OK);

    CHECK_STATUS(st_signer_sign_url(signer, v->url.s, v->url.len, &o, buf, sizeof buf, &n),
                 ST_OK);
    CHECK(vstr_eq(v->signed_url, buf, n));
    CHECK(buf[n] == 0);

    /* The same through the batch call, three times in one buffer. */
    {
      st_str urls[3];
      char want[3 * 4096];
      size_t bad = 99, wn;
      urls[0] = urls[1] = urls[2] = as_st(v->url);
      snprintf(want, sizeof want, "%.*s\n%.*s\n%.*s", (int)v->signed_url.len,
               v->signed_url.s, (int)v->signed_url.len, v->signed_url.s,
               (int)v->signed_url.len, v->signed_url.s);
      wn = strlen(want);
      {
        char big[3 * 4096];
        CHECK_STATUS(st_signer_sign_many(signer, urls, 3, &o, big, sizeof big, &n, &bad),
                     ST_OK);
        CHECK(n == wn && memcmp(big, want, wn) == 0);
        CHECK(bad == 99);
      }
      /* And through the joined call: the input is the three URLs joined by '\n', the output
         is the same text as the batch call's. */
      {
        char in[3 * 4096 + 2], big[3 * 4096];
        int in_len = snprintf(in, sizeof in, "%.*s\n%.*s\n%.*s", (int)v->url.len, v->url.s,
                              (int)v->url.len, v->url.s, (int)v->url.len, v->url.s);
        CHECK_STATUS(st_signer_sign_joined(signer, in, (size_t)in_len, '\n', &o, big,
                                           sizeof big, &n, &bad),
                     ST_OK);
        CHECK(n == wn && memcmp(big, want, wn) == 0 && big[n] == 0);
        CHECK(bad == 99);
        /* One URL alone: exactly the single call's answer. */
        CHECK_STATUS(st_signer_sign_joined(signer, v->url.s, v->url.len, '\n', &o, big,
                                           sizeof big, &n, &bad),
                     ST_OK);
        CHECK(vstr_eq(v->signed_url, big, n));
      }
    }

    /* explain(signed_url) shows the string-to-sign with the key hidden, and the token. */
    {
      st_explain_options eo;
      st_explanation *e = NULL;
      st_explain_info info;
      memset(&eo, 0, sizeof eo);
      eo.ip = o.ip;
      eo.kind = o.kind;
      CHECK_STATUS(st_signer_explain(signer, v->signed_url.s, v->signed_url.len, &eo, &e),
                   ST_OK);
      if (e != NULL) {
        CHECK_STATUS(st_explanation_get(e, ST_EXPLAIN_STRING_TO_SIGN, buf, sizeof buf, &n),
                     ST_OK);
        CHECK(vstr_eq(v->explained, buf, n));
        CHECK(strstr(buf, v->key.s) == NULL);
        CHECK_STATUS(st_explanation_get(e, ST_EXPLAIN_EXPECTED_TOKEN, buf, sizeof buf, &n),
                     ST_OK);
        CHECK(vstr_eq(v->token, buf, n));
        CHECK_STATUS(st_explanation_get(e, ST_EXPLAIN_FOUND_TOKEN, buf, sizeof buf, &n),
                     ST_OK);
        CHECK(vstr_eq(v->token, buf, n));
        CHECK_STATUS(st_explanation_info(e, &info), ST_OK);
        CHECK(info.matches == 1 && info.has_found_token);
        CHECK(info.has_ip == (v->ip.s != NULL));
        CHECK((uint32_t)info.kind == o.kind);
        st_explanation_free(e);
      }
    }

    /* The signed URL verifies at the time it was signed for. */
    {
      st_verify_options vo;
      st_verify_result r;
      memset(&vo, 0, sizeof vo);
      vo.ip = o.ip;
      vo.now = v->now;
      vo.kind = o.kind;
      CHECK_STATUS(
          st_signer_verify(signer, v->signed_url.s, v->signed_url.len, &vo, &r, NULL, 0, NULL),
          ST_OK);
      CHECK(r.verdict == ST_VERDICT_VALID && r.http_status == 200 && r.key_index == 0);
    }

    /* token_with over the decoded path gives the same token for plain paths. */
    if (v->url.s[0] == '/' && strpbrk(v->url.s, "%?#") == NULL) {
      int64_t exp = 0;
      char tok[ST_TOKEN_LEN + 1];
      CHECK_STATUS(st_signer_token_with(signer, v->url.s, v->url.len, &o, tok, sizeof tok, &n,
                                        &exp),
                   ST_OK);
      CHECK(vstr_eq(v->token, tok, n) && tok[n] == 0);
      CHECK(exp == (v->expires ? v->expires : v->now + v->ttl));
      if (o.kind == ST_TOKEN_KIND_FILE && v->expires != 0) {
        CHECK_STATUS(st_signer_token(signer, v->url.s, v->url.len, v->expires, o.ip.ptr,
                                     o.ip.len, tok, sizeof tok, &n),
                     ST_OK);
        CHECK(vstr_eq(v->token, tok, n));
      }
    }
    st_signer_free(signer);
  }
}

static void test_stream_vectors(void) {
  size_t i;
  for (i = 0; i < COUNT(STREAM_VECTORS); i++) {
    const stream_vector *v = &STREAM_VECTORS[i];
    st_signer *signer = NULL;
    st_sign_options o;
    st_stream_kind sk = ST_STREAM_KIND_VOD;
    char buf[1024];
    size_t n = 0;
    int64_t exp = 0;
    current = v->name.s;
    memset(&o, 0, sizeof o);
    o.expires = v->expires;
    o.now = v->now;
    o.ip = as_st(v->ip);
    CHECK_STATUS(st_signer_new(v->key.s, v->key.len, &signer), ST_OK);
    if (signer == NULL) continue;
    CHECK_STATUS(st_stream_kind_parse(v->stream.s, v->stream.len, &sk), ST_OK);
    CHECK_STATUS(st_signer_stream_url(signer, v->base.s, v->base.len, (uint32_t)sk,
                                      v->account.s, v->account.len, v->id.s, v->id.len,
                                      v->file.s, v->file.len, &o, buf, sizeof buf, &n),
                 ST_OK);
    CHECK(vstr_eq(v->signed_url, buf, n));
    CHECK_STATUS(st_signer_stream_token(signer, v->account.s, v->account.len, v->id.s,
                                        v->id.len, &o, buf, sizeof buf, &n, &exp),
                 ST_OK);
    CHECK(vstr_eq(v->token, buf, n));
    CHECK(exp == v->expires);
    /* The stream link verifies as a stream token. */
    {
      st_verify_options vo;
      st_verify_result r;
      memset(&vo, 0, sizeof vo);
      vo.ip = o.ip;
      vo.now = v->now;
      vo.kind = ST_TOKEN_KIND_STREAM;
      CHECK_STATUS(
          st_signer_verify(signer, v->signed_url.s, v->signed_url.len, &vo, &r, NULL, 0, NULL),
          ST_OK);
      CHECK(r.verdict == ST_VERDICT_VALID);
    }
    st_signer_free(signer);
  }
}

static void test_verify_vectors(void) {
  size_t i;
  for (i = 0; i < COUNT(VERIFY_VECTORS); i++) {
    const verify_vector *v = &VERIFY_VECTORS[i];
    st_signer_builder *b = NULL;
    st_signer *signer = NULL;
    st_verify_options vo;
    st_verify_result r;
    char reason[512];
    size_t rn = 0;
    int k;
    const char *want_verdict;
    current = v->name.s;
    CHECK_STATUS(st_signer_builder_new(v->key.s, v->key.len, &b), ST_OK);
    for (k = 0; k < v->n_verify_keys; k++)
      CHECK_STATUS(st_signer_builder_add_verify_key(b, v->verify_keys[k].s, v->verify_keys[k].len),
                   ST_OK);
    CHECK_STATUS(st_signer_builder_build(b, &signer), ST_OK);
    if (signer == NULL) continue;
    CHECK(st_signer_key_count(signer) == (size_t)(1 + v->n_verify_keys));
    memset(&vo, 0, sizeof vo);
    vo.ip = as_st(v->ip);
    vo.now = v->now;
    CHECK_STATUS(parse_kind(v->kind, &vo.kind), ST_OK);
    memset(&r, 0xAB, sizeof r);
    CHECK_STATUS(st_signer_verify(signer, v->url.s, v->url.len, &vo, &r, reason, sizeof reason,
                                  &rn),
                 ST_OK);
    want_verdict = r.verdict == ST_VERDICT_VALID     ? "valid"
                   : r.verdict == ST_VERDICT_EXPIRED ? "expired"
                                                     : "invalid";
    CHECK(cstr_is(want_verdict, v->expected));
    CHECK(r.http_status == v->status);
    CHECK(r.key_index == v->key_index);
    if (v->reason.s != NULL) {
      CHECK(cstr_is(st_reason_str((int)r.reason), v->reason));
      CHECK(rn > 0);
    } else {
      CHECK(r.reason == ST_REASON_NONE);
      CHECK(r.verdict == ST_VERDICT_VALID ? rn == 0 : rn > 0);
    }
    if (r.verdict != ST_VERDICT_INVALID) CHECK(r.expires > 0);
    st_signer_free(signer);
  }
}

static void test_error_vectors(void) {
  size_t i;
  for (i = 0; i < COUNT(ERROR_VECTORS); i++) {
    const error_vector *v = &ERROR_VECTORS[i];
    st_signer *signer = NULL;
    st_status s;
    char buf[2048], msg[1024];
    size_t n = 12345, mn = 0;
    st_sign_options o;
    current = v->name.s;
    memset(&o, 0, sizeof o);
    o.expires = v->expires;
    o.ttl = v->ttl;
    o.now = v->now;
    o.ip = as_st(v->ip);
    o.speed = as_st(v->speed);
    o.buffer = as_st(v->buffer);
    s = st_signer_new(v->key.s, v->key.len, &signer);
    if (s == ST_OK) {
      if (cstr_is("sign", v->op)) {
        s = parse_kind(v->kind, &o.kind);
        if (s == ST_OK) s = st_signer_sign_url(signer, v->url.s, v->url.len, &o, buf, sizeof buf, &n);
      } else if (cstr_is("stream", v->op)) {
        st_stream_kind sk = ST_STREAM_KIND_VOD;
        s = st_stream_kind_parse(v->stream.s, v->stream.len, &sk);
        if (s == ST_OK)
          s = st_signer_stream_url(signer, "", 0, (uint32_t)sk, v->account.s, v->account.len,
                                   v->id.s, v->id.len, NULL, 0, &o, buf, sizeof buf, &n);
      } else if (cstr_is("verify", v->op)) {
        st_verify_options vo;
        st_verify_result r;
        memset(&vo, 0, sizeof vo);
        vo.ip = o.ip;
        vo.now = v->now;
        s = parse_kind(v->kind, &vo.kind);
        if (s == ST_OK) s = st_signer_verify(signer, v->url.s, v->url.len, &vo, &r, NULL, 0, NULL);
      } else {
        fprintf(stderr, "unknown op in errors.json\n");
        s = ST_ERR_PANIC;
      }
    } else {
      CHECK(signer == NULL);
    }
    CHECK(cstr_is(st_status_code((int)s), v->error));
    if (!cstr_is(st_status_code((int)s), v->error))
      fprintf(stderr, "  got %s, want %.*s\n", st_status_code((int)s), (int)v->error.len,
              v->error.s);
    /* Outputs are written only on success. */
    CHECK(n == 12345);
    /* The message names the problem and never contains the key. */
    CHECK_STATUS(st_last_error(msg, sizeof msg, &mn), ST_OK);
    CHECK(mn > 0 && msg[mn] == 0);
    if (v->key.len > 0) CHECK(strstr(msg, v->key.s) == NULL);
    st_signer_free(signer);
  }
}

/* ---------------------------------------------------------------------------------- */

static void test_null_pointers(void) {
  st_signer *signer = new_signer("secret-key");
  st_signer *out = (st_signer *)&out; /* a sentinel that must not be overwritten */
  st_signer_builder *b = NULL;
  st_explanation *e = NULL;
  st_sign_options o;
  st_verify_result r;
  st_explain_info info;
  st_token_kind tk;
  st_stream_kind sk;
  char buf[256];
  size_t n = 777;
  const char *url = "/a.jpg";
  current = "NULL pointers";
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;

  CHECK_STATUS(st_signer_new(NULL, 10, &out), ST_ERR_NULL_POINTER);
  CHECK(out == (st_signer *)&out);
  CHECK_STATUS(st_signer_new("secret-key", 10, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_new(NULL, 0, &out), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_new(NULL, 0, &b), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_new("secret-key", 10, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_add_verify_key(NULL, "secret-key", 10), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_set_default_ttl(NULL, 60), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_set_allow_past_expiry(NULL, true), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_build(NULL, &out), ST_ERR_NULL_POINTER);
  CHECK(out == (st_signer *)&out);
  CHECK_STATUS(st_signer_builder_new("secret-key", 10, &b), ST_OK);
  CHECK_STATUS(st_signer_builder_add_verify_key(b, NULL, 3), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_builder_build(b, NULL), ST_ERR_NULL_POINTER); /* not consumed */
  st_signer_builder_free(b);
  st_signer_free(NULL);
  st_signer_builder_free(NULL);
  st_explanation_free(NULL);
  CHECK(st_signer_key_count(NULL) == 0);

  CHECK_STATUS(st_signer_sign_url(NULL, url, 6, &o, buf, sizeof buf, &n), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_url(signer, NULL, 6, &o, buf, sizeof buf, &n), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_url(signer, url, 6, &o, NULL, sizeof buf, &n), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_url(signer, url, 6, &o, buf, sizeof buf, NULL), ST_ERR_NULL_POINTER);
  CHECK(n == 777);
  /* NULL options are the defaults: no expiry given, no default lifetime. */
  CHECK_STATUS(st_signer_sign_url(signer, url, 6, NULL, buf, sizeof buf, &n),
               ST_ERR_INVALID_EXPIRY);
  {
    st_sign_options ip_null_len;
    ip_null_len = o;
    ip_null_len.ip.ptr = NULL; /* NULL pointer = absent, whatever the length */
    ip_null_len.ip.len = 5;
    CHECK_STATUS(st_signer_sign_url(signer, url, 6, &ip_null_len, buf, sizeof buf, &n), ST_OK);
  }
  CHECK_STATUS(st_signer_sign_many(NULL, NULL, 0, &o, buf, sizeof buf, &n, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_many(signer, NULL, 2, &o, buf, sizeof buf, &n, NULL),
               ST_ERR_NULL_POINTER);
  {
    st_str items[2];
    items[0] = lit("/a.jpg");
    items[1].ptr = NULL;
    items[1].len = 3;
    size_t bad = 0;
    CHECK_STATUS(st_signer_sign_many(signer, items, 2, &o, buf, sizeof buf, &n, &bad),
                 ST_ERR_NULL_POINTER);
    CHECK(bad == 1);
  }
  CHECK_STATUS(st_signer_token(NULL, url, 6, 2147483647, NULL, 0, buf, sizeof buf, &n),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_token(signer, NULL, 6, 2147483647, NULL, 0, buf, sizeof buf, &n),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_token(signer, url, 6, 2147483647, NULL, 0, buf, sizeof buf, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_token_with(signer, NULL, 6, &o, buf, sizeof buf, &n, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_token_with(signer, url, 6, &o, buf, sizeof buf, &n, NULL), ST_OK);
  CHECK_STATUS(st_signer_stream_token(signer, NULL, 1, "a", 1, &o, buf, sizeof buf, &n, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_stream_token(signer, "1", 1, NULL, 1, &o, buf, sizeof buf, &n, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_stream_url(signer, NULL, 0, 0, "1", 1, "a", 1, NULL, 0, &o, buf,
                                    sizeof buf, &n),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_stream_url(signer, "", 0, 0, "1", 1, "a", 1, NULL, 0, &o, buf,
                                    sizeof buf, &n),
               ST_OK);
  CHECK_STATUS(st_signer_verify(signer, url, 6, NULL, NULL, NULL, 0, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify(NULL, url, 6, NULL, &r, NULL, 0, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify(signer, NULL, 6, NULL, &r, NULL, 0, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify(signer, url, 6, NULL, &r, buf, sizeof buf, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify(signer, url, 6, NULL, &r, NULL, 10, &n), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify(signer, url, 6, NULL, &r, NULL, 0, NULL), ST_OK);
  CHECK(r.verdict == ST_VERDICT_INVALID && r.reason == ST_REASON_MISSING_TOKEN);
  CHECK_STATUS(st_signer_explain(signer, url, 6, NULL, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_explain(NULL, url, 6, NULL, &e), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_explanation_info(NULL, &info), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_explanation_get(NULL, 0, buf, sizeof buf, &n), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_token_kind_parse(NULL, 4, &tk), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_token_kind_parse("file", 4, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_stream_kind_parse(NULL, 3, &sk), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_stream_kind_parse("vod", 3, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_last_error(buf, sizeof buf, NULL), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_last_error(NULL, 5, &n), ST_ERR_NULL_POINTER);
  st_signer_free(signer);
}

static void test_buffers(void) {
  st_signer *signer = new_signer("secret-key");
  st_sign_options o;
  const char *url = "http://cdn.example.com/photo.jpeg";
  const char *want = "http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647";
  size_t wn = strlen(want), n = 0;
  char buf[256];
  current = "buffers";
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;
  o.now = 1700000000;

  /* buf = NULL, cap = 0 asks for the size. */
  CHECK_STATUS(st_signer_sign_url(signer, url, strlen(url), &o, NULL, 0, &n),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == wn);
  /* A short buffer is left untouched and reports the size. */
  memset(buf, 'X', sizeof buf);
  n = 0;
  CHECK_STATUS(st_signer_sign_url(signer, url, strlen(url), &o, buf, wn - 1, &n),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == wn && buf[0] == 'X' && buf[wn - 2] == 'X');
  /* Exactly the length: written without NUL. */
  CHECK_STATUS(st_signer_sign_url(signer, url, strlen(url), &o, buf, wn, &n), ST_OK);
  CHECK(n == wn && memcmp(buf, want, wn) == 0 && buf[wn] == 'X');
  /* One more: NUL-terminated. */
  CHECK_STATUS(st_signer_sign_url(signer, url, strlen(url), &o, buf, wn + 1, &n), ST_OK);
  CHECK(n == wn && strcmp(buf, want) == 0);
  /* A zero-capacity non-NULL buffer is also a size query. */
  CHECK_STATUS(st_signer_sign_url(signer, url, strlen(url), &o, buf, 0, &n),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == wn);

  /* Tokens: 22 characters. */
  CHECK_STATUS(st_signer_token(signer, "/photo.jpeg", 11, 2147483647, NULL, 0, NULL, 0, &n),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == ST_TOKEN_LEN);
  {
    char tok[ST_TOKEN_LEN];
    CHECK_STATUS(st_signer_token(signer, "/photo.jpeg", 11, 2147483647, NULL, 0, tok,
                                 sizeof tok, &n),
                 ST_OK);
    CHECK(n == ST_TOKEN_LEN && memcmp(tok, "9lK0ULs_VuB9Wbe3KxyLoQ", ST_TOKEN_LEN) == 0);
  }

  /* Batch: size query, then the exact size. */
  {
    st_str urls[2];
    size_t bad = 42;
    char big[512];
    urls[0] = lit(url);
    urls[1] = lit("/photo.jpeg");
    CHECK_STATUS(st_signer_sign_many(signer, urls, 2, &o, NULL, 0, &n, &bad),
                 ST_ERR_BUFFER_TOO_SMALL);
    CHECK(n == wn + 1 + strlen("/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647"));
    CHECK(bad == 42);
    CHECK_STATUS(st_signer_sign_many(signer, urls, 2, &o, big, n + 1, &n, &bad), ST_OK);
    CHECK(strcmp(big, "http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires="
                      "2147483647\n/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647") ==
          0);
    /* An empty batch is an empty output. */
    CHECK_STATUS(st_signer_sign_many(signer, NULL, 0, &o, NULL, 0, &n, &bad), ST_OK);
    CHECK(n == 0);
    CHECK_STATUS(st_signer_sign_many(signer, urls, 0, &o, big, sizeof big, &n, &bad), ST_OK);
    CHECK(n == 0 && big[0] == 0);
  }

  /* Verify reason text: size query, short, exact. */
  {
    const char *bad_url = "/photo.jpeg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647";
    st_verify_result r;
    char reason[256];
    size_t rn = 0;
    memset(&r, 0x5A, sizeof r);
    CHECK_STATUS(st_signer_verify(signer, bad_url, strlen(bad_url), NULL, &r, NULL, 0, &rn),
                 ST_ERR_BUFFER_TOO_SMALL);
    CHECK(rn > 10);
    CHECK(((unsigned char *)&r)[0] == 0x5A); /* not written */
    CHECK_STATUS(st_signer_verify(signer, bad_url, strlen(bad_url), NULL, &r, reason, rn + 1,
                                  &rn),
                 ST_OK);
    CHECK(r.verdict == ST_VERDICT_INVALID && r.reason == ST_REASON_MISMATCH);
    CHECK(r.key_index == -1 && r.expires == 0 && r.http_status == 403);
    CHECK(strlen(reason) == rn);
  }

  /* Last error: size query and short buffer. */
  {
    char msg[8];
    size_t mn = 0;
    CHECK_STATUS(st_signer_sign_url(signer, "/a%zz", 5, &o, buf, sizeof buf, &n),
                 ST_ERR_INVALID_PATH);
    CHECK_STATUS(st_last_error(NULL, 0, &mn), ST_ERR_BUFFER_TOO_SMALL);
    CHECK(mn > sizeof msg);
    CHECK_STATUS(st_last_error(msg, sizeof msg, &mn), ST_ERR_BUFFER_TOO_SMALL);
    {
      char *full = malloc(mn + 1);
      size_t fn = 0;
      CHECK(full != NULL);
      if (full != NULL) {
        CHECK_STATUS(st_last_error(full, mn + 1, &fn), ST_OK);
        CHECK(fn == mn && strstr(full, "percent escape") != NULL);
        free(full);
      }
    }
  }

  /* Explanation fields: size query. */
  {
    st_explanation *e = NULL;
    const char *su = "/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647";
    CHECK_STATUS(st_signer_explain(signer, su, strlen(su), NULL, &e), ST_OK);
    if (e != NULL) {
      CHECK_STATUS(st_explanation_get(e, ST_EXPLAIN_HASHED_PATH, NULL, 0, &n),
                   ST_ERR_BUFFER_TOO_SMALL);
      CHECK(n == strlen("/photo.jpeg"));
      CHECK_STATUS(st_explanation_get(e, ST_EXPLAIN_IP, NULL, 0, &n), ST_OK);
      CHECK(n == 0);
      CHECK_STATUS(st_explanation_get(e, ST_EXPLAIN_EXPIRES, buf, sizeof buf, &n), ST_OK);
      CHECK(strcmp(buf, "2147483647") == 0);
      CHECK_STATUS(st_explanation_get(e, 99, buf, sizeof buf, &n), ST_ERR_INVALID_ARGUMENT);
      st_explanation_free(e);
    }
  }
  st_signer_free(signer);
}

static void test_invalid_utf8(void) {
  st_signer *signer = new_signer("secret-key");
  st_signer *out = NULL;
  st_sign_options o;
  char buf[256];
  size_t n = 0;
  const char bad[] = "/caf\xc3.jpg";
  const char bad2[] = "/\xff\xfe";
  current = "invalid UTF-8";
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;
  o.now = 1700000000;

  CHECK_STATUS(st_signer_new("secret\xff-key", 11, &out), ST_ERR_INVALID_KEY);
  CHECK(out == NULL);
  CHECK_STATUS(st_signer_sign_url(signer, bad, strlen(bad), &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_UTF8);
  CHECK_STATUS(st_signer_sign_url(signer, bad2, strlen(bad2), &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_UTF8);
  {
    char msg[256];
    size_t mn = 0;
    CHECK_STATUS(st_last_error(msg, sizeof msg, &mn), ST_OK);
    CHECK(strstr(msg, "url is not valid UTF-8") != NULL);
  }
  CHECK_STATUS(st_signer_token(signer, bad, strlen(bad), 2147483647, NULL, 0, buf, sizeof buf,
                               &n),
               ST_ERR_INVALID_UTF8);
  CHECK_STATUS(st_signer_token(signer, "/a", 2, 2147483647, "1.2.3.\xc0", 7, buf, sizeof buf,
                               &n),
               ST_ERR_INVALID_UTF8);
  {
    st_sign_options o2 = o;
    o2.ip.ptr = "\xe2\x82";
    o2.ip.len = 2;
    CHECK_STATUS(st_signer_sign_url(signer, "/a", 2, &o2, buf, sizeof buf, &n),
                 ST_ERR_INVALID_UTF8);
    o2 = o;
    o2.kind = ST_TOKEN_KIND_MP4;
    o2.speed.ptr = "1\x80";
    o2.speed.len = 2;
    CHECK_STATUS(st_signer_sign_url(signer, "/a", 2, &o2, buf, sizeof buf, &n),
                 ST_ERR_INVALID_UTF8);
  }
  CHECK_STATUS(st_signer_stream_url(signer, "", 0, 0, "1", 1, "a\xff", 2, NULL, 0, &o, buf,
                                    sizeof buf, &n),
               ST_ERR_INVALID_UTF8);
  CHECK_STATUS(st_signer_stream_url(signer, "", 0, 0, "1", 1, "a", 1, "f\xff", 2, &o, buf,
                                    sizeof buf, &n),
               ST_ERR_INVALID_UTF8);
  {
    st_verify_result r;
    CHECK_STATUS(st_signer_verify(signer, bad, strlen(bad), NULL, &r, NULL, 0, NULL),
                 ST_ERR_INVALID_UTF8);
  }
  {
    st_explanation *e = NULL;
    CHECK_STATUS(st_signer_explain(signer, bad, strlen(bad), NULL, &e), ST_ERR_INVALID_UTF8);
    CHECK(e == NULL);
  }
  {
    st_token_kind k;
    CHECK_STATUS(st_token_kind_parse("fil\xe9", 4, &k), ST_ERR_INVALID_UTF8);
  }
  /* In a batch, the failing index is reported. */
  {
    st_str urls[4];
    size_t fail = 0;
    urls[0] = lit("/ok1");
    urls[1] = lit("/ok2");
    urls[2].ptr = bad;
    urls[2].len = strlen(bad);
    urls[3] = lit("/ok3");
    n = 999;
    CHECK_STATUS(st_signer_sign_many(signer, urls, 4, &o, buf, sizeof buf, &n, &fail),
                 ST_ERR_INVALID_UTF8);
    CHECK(fail == 2 && n == 999);
    urls[2] = lit("/a%zz");
    CHECK_STATUS(st_signer_sign_many(signer, urls, 4, &o, buf, sizeof buf, &n, &fail),
                 ST_ERR_INVALID_PATH);
    CHECK(fail == 2);
    urls[2] = lit("/ok");
    urls[3] = lit("/x\n");
    CHECK_STATUS(st_signer_sign_many(signer, urls, 4, &o, buf, sizeof buf, &n, NULL),
                 ST_ERR_INVALID_URL);
  }
  /* Embedded NUL: lengths are explicit, and the core refuses the byte. */
  CHECK_STATUS(st_signer_sign_url(signer, "/a\0b", 4, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_URL);
  st_signer_free(signer);
}

static void test_enums_and_options(void) {
  st_signer *signer = new_signer("secret-key");
  st_sign_options o;
  char buf[512];
  size_t n = 0;
  current = "enum values and options";
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;
  o.now = 1700000000;
  o.kind = 99;
  CHECK_STATUS(st_signer_sign_url(signer, "/a", 2, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_ARGUMENT);
  o.kind = ST_TOKEN_KIND_STREAM;
  CHECK_STATUS(st_signer_sign_url(signer, "/a", 2, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_ARGUMENT);
  o.kind = ST_TOKEN_KIND_FILE;
  CHECK_STATUS(st_signer_stream_url(signer, "", 0, 7, "1", 1, "a", 1, NULL, 0, &o, buf,
                                    sizeof buf, &n),
               ST_ERR_INVALID_ARGUMENT);
  {
    st_verify_options vo;
    st_verify_result r;
    memset(&vo, 0, sizeof vo);
    vo.kind = 4;
    CHECK_STATUS(st_signer_verify(signer, "/a", 2, &vo, &r, NULL, 0, NULL),
                 ST_ERR_INVALID_ARGUMENT);
  }
  /* Kind names round-trip through the parser (both are the core's). */
  {
    const char *names[] = {"file", "directory", "mp4", "stream"};
    for (unsigned i = 0; i < 4; i++) {
      st_token_kind k = ST_TOKEN_KIND_FILE;
      CHECK(strcmp(st_token_kind_str(i), names[i]) == 0);
      CHECK_STATUS(st_token_kind_parse(names[i], strlen(names[i]), &k), ST_OK);
      CHECK((unsigned)k == i);
    }
    CHECK(strcmp(st_token_kind_str(4), "unknown") == 0);
  }
  {
    st_token_kind k = ST_TOKEN_KIND_FILE;
    st_stream_kind s = ST_STREAM_KIND_VOD;
    CHECK_STATUS(st_token_kind_parse("DIR", 3, &k), ST_OK);
    CHECK(k == ST_TOKEN_KIND_DIRECTORY);
    CHECK_STATUS(st_token_kind_parse("mp4", 3, &k), ST_OK);
    CHECK(k == ST_TOKEN_KIND_MP4);
    CHECK_STATUS(st_token_kind_parse("", 0, &k), ST_ERR_INVALID_ARGUMENT);
    CHECK(k == ST_TOKEN_KIND_MP4);
    CHECK_STATUS(st_stream_kind_parse("streams", 7, &s), ST_OK);
    CHECK(s == ST_STREAM_KIND_STREAMS);
  }
  /* System clock: a ttl gives an expiry near now. */
  {
    st_sign_options t;
    int64_t exp = 0;
    memset(&t, 0, sizeof t);
    t.ttl = 60;
    CHECK_STATUS(st_signer_token_with(signer, "/a", 2, &t, buf, sizeof buf, &n, &exp), ST_OK);
    CHECK(exp > 1700000000 && n == ST_TOKEN_LEN);
  }
  st_signer_free(signer);
}

static void test_builder(void) {
  st_signer_builder *b = NULL;
  st_signer *signer = NULL;
  st_sign_options o;
  char buf[512];
  size_t n = 0;
  int64_t exp = 0;
  current = "builder";
  memset(&o, 0, sizeof o);
  o.now = 1700000000;

  CHECK_STATUS(st_signer_builder_new("secret-key", 10, &b), ST_OK);
  CHECK_STATUS(st_signer_builder_set_default_ttl(b, 300), ST_OK);
  CHECK_STATUS(st_signer_builder_add_verify_key(b, "old-key-1", 9), ST_OK);
  CHECK_STATUS(st_signer_builder_build(b, &signer), ST_OK);
  CHECK(st_signer_key_count(signer) == 2);
  CHECK_STATUS(st_signer_token_with(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n, &exp), ST_OK);
  CHECK(exp == 1700000300);
  st_signer_free(signer);

  /* Errors surface at build, and the builder is consumed anyway. */
  signer = (st_signer *)&signer;
  CHECK_STATUS(st_signer_builder_new("short", 5, &b), ST_OK);
  CHECK_STATUS(st_signer_builder_build(b, &signer), ST_ERR_INVALID_KEY);
  CHECK(signer == (st_signer *)&signer);
  CHECK_STATUS(st_signer_builder_new("secret-key", 10, &b), ST_OK);
  CHECK_STATUS(st_signer_builder_add_verify_key(b, "bad\nkey-x", 9), ST_OK);
  CHECK_STATUS(st_signer_builder_build(b, &signer), ST_ERR_INVALID_KEY);
  CHECK_STATUS(st_signer_builder_new("secret-key", 10, &b), ST_OK);
  CHECK_STATUS(st_signer_builder_set_default_ttl(b, -1), ST_OK);
  CHECK_STATUS(st_signer_builder_build(b, &signer), ST_ERR_INVALID_EXPIRY);

  /* Past expiries are refused unless allowed. */
  CHECK_STATUS(st_signer_builder_new("secret-key", 10, &b), ST_OK);
  CHECK_STATUS(st_signer_builder_set_allow_past_expiry(b, true), ST_OK);
  CHECK_STATUS(st_signer_builder_build(b, &signer), ST_OK);
  o.expires = 1600000000;
  CHECK_STATUS(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n), ST_OK);
  {
    st_verify_options vo;
    st_verify_result r;
    memset(&vo, 0, sizeof vo);
    vo.now = 1700000000;
    CHECK_STATUS(st_signer_verify(signer, buf, n, &vo, &r, NULL, 0, NULL), ST_OK);
    CHECK(r.verdict == ST_VERDICT_EXPIRED && r.http_status == 410 && r.expires == 1600000000);
  }
  st_signer_free(signer);
  signer = new_signer("secret-key");
  CHECK_STATUS(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_EXPIRY);
  st_signer_free(signer);

  /* A builder may also be dropped without building. */
  CHECK_STATUS(st_signer_builder_new("secret-key", 10, &b), ST_OK);
  st_signer_builder_free(b);
}

/* st_signer_sign_joined: separators, empty input, short buffers, NULLs, failing indexes. */
static void test_joined(void) {
  st_signer *signer = new_signer("secret-key");
  st_sign_options o;
  const char *in = "http://cdn.example.com/photo.jpeg\n/photo.jpeg";
  const char *want = "http://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires="
                     "2147483647\n/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647";
  size_t in_len = strlen(in), wn = strlen(want), n = 0, bad = 42;
  char buf[512];
  current = "joined batch";
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;
  o.now = 1700000000;

  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, sizeof buf, &n, &bad),
               ST_OK);
  CHECK(n == wn && strcmp(buf, want) == 0 && bad == 42);
  /* failed_index may be NULL. */
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, sizeof buf, &n, NULL),
               ST_OK);

  /* Other control bytes separate too, in the input and the output. */
  {
    const char *in_us = "http://cdn.example.com/photo.jpeg\x1f/photo.jpeg";
    char want_us[512];
    snprintf(want_us, sizeof want_us, "%s", want);
    *strchr(want_us, '\n') = '\x1f';
    CHECK_STATUS(st_signer_sign_joined(signer, in_us, strlen(in_us), '\x1f', &o, buf,
                                       sizeof buf, &n, &bad),
                 ST_OK);
    CHECK(n == wn && memcmp(buf, want_us, wn) == 0);
    /* NUL as the separator: lengths are explicit. */
    {
      char in_nul[128], want_nul[512];
      size_t ln = strlen("http://cdn.example.com/photo.jpeg");
      memcpy(in_nul, in, in_len);
      in_nul[ln] = '\0';
      memcpy(want_nul, want, wn);
      want_nul[strchr(want, '\n') - want] = '\0';
      CHECK_STATUS(st_signer_sign_joined(signer, in_nul, in_len, '\0', &o, buf, sizeof buf, &n,
                                         &bad),
                   ST_OK);
      CHECK(n == wn && memcmp(buf, want_nul, wn) == 0);
    }
    /* A '\n' is no separator when sep is another byte: the core refuses the URL. */
    CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\x1f', &o, buf, sizeof buf, &n,
                                       &bad),
                 ST_ERR_INVALID_URL);
    CHECK(bad == 0);
    CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\x7f', &o, buf, sizeof buf, &n,
                                       &bad),
                 ST_ERR_INVALID_URL);
  }
  /* A separator that can be part of a URL is refused, whatever the input. */
  {
    const char seps[] = {',', ' ', 'a', '/', '&', (char)0x80, (char)0xff};
    size_t i;
    for (i = 0; i < sizeof seps; i++) {
      n = 777;
      bad = 42;
      CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, seps[i], &o, buf, sizeof buf, &n,
                                         &bad),
                   ST_ERR_INVALID_ARGUMENT);
      CHECK(n == 777 && bad == 0);
    }
    CHECK_STATUS(st_signer_sign_joined(signer, "", 0, ',', &o, buf, sizeof buf, &n, &bad),
                 ST_ERR_INVALID_ARGUMENT);
  }

  /* Empty input: no URLs, empty output; urls may then be NULL. */
  memset(buf, 'X', sizeof buf);
  n = 777;
  CHECK_STATUS(st_signer_sign_joined(signer, NULL, 0, '\n', &o, buf, sizeof buf, &n, &bad),
               ST_OK);
  CHECK(n == 0 && buf[0] == 0);
  CHECK_STATUS(st_signer_sign_joined(signer, "", 0, '\n', &o, NULL, 0, &n, &bad), ST_OK);
  CHECK(n == 0);
  /* The core's joined-text protocol (Signer::sign_joined): an empty piece between
   * separators is an empty URL, which the core refuses; a trailing separator ends the last
   * URL and adds none (it failed as an empty third URL before the protocol moved to core). */
  bad = 42;
  CHECK_STATUS(st_signer_sign_joined(signer, "/a\n\n/b", 6, '\n', &o, buf, sizeof buf, &n,
                                     &bad),
               ST_ERR_INVALID_URL);
  CHECK(bad == 1);
  {
    char two[512];
    size_t tn = 0;
    CHECK_STATUS(st_signer_sign_joined(signer, "/a\n/b", 5, '\n', &o, two, sizeof two, &tn,
                                       &bad),
                 ST_OK);
    CHECK_STATUS(st_signer_sign_joined(signer, "/a\n/b\n", 6, '\n', &o, buf, sizeof buf, &n,
                                       &bad),
                 ST_OK);
    CHECK(n == tn && memcmp(buf, two, n) == 0 && memchr(two, '\n', tn) != NULL);
  }
  CHECK_STATUS(st_signer_sign_joined(signer, "\n", 1, '\n', &o, buf, sizeof buf, &n, &bad),
               ST_ERR_INVALID_URL);
  CHECK(bad == 0);

  /* Buffers: size query, short (untouched), exact (no NUL), one more (NUL). */
  n = 0;
  bad = 42;
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, NULL, 0, &n, &bad),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == wn);
  memset(buf, 'X', sizeof buf);
  n = 0;
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, wn - 1, &n, &bad),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == wn && buf[0] == 'X' && buf[wn - 2] == 'X');
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, wn, &n, &bad), ST_OK);
  CHECK(n == wn && memcmp(buf, want, wn) == 0 && buf[wn] == 'X');
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, wn + 1, &n, &bad),
               ST_OK);
  CHECK(n == wn && strcmp(buf, want) == 0);
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, 0, &n, &bad),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(n == wn && bad == 42);

  /* NULL pointers. */
  n = 777;
  CHECK_STATUS(st_signer_sign_joined(NULL, in, in_len, '\n', &o, buf, sizeof buf, &n, &bad),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_joined(signer, NULL, 3, '\n', &o, buf, sizeof buf, &n, &bad),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, NULL, sizeof buf, &n, &bad),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, sizeof buf, NULL, &bad),
               ST_ERR_NULL_POINTER);
  CHECK(n == 777);
  {
    /* NULL options are the defaults: no expiry given, no default lifetime. */
    CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', NULL, buf, sizeof buf, &n,
                                       &bad),
                 ST_ERR_INVALID_EXPIRY);
    CHECK(bad == 0);
  }

  /* Failing indexes: bad UTF-8, bad path, bad URL, options. */
  {
    const char *utf = "/ok1\n/ok2\n/caf\xe9\n/ok3";
    char msg[256];
    size_t mn = 0;
    bad = 42;
    n = 777;
    CHECK_STATUS(st_signer_sign_joined(signer, utf, strlen(utf), '\n', &o, buf, sizeof buf, &n,
                                       &bad),
                 ST_ERR_INVALID_UTF8);
    CHECK(bad == 2 && n == 777);
    CHECK_STATUS(st_last_error(msg, sizeof msg, &mn), ST_OK);
    CHECK(strstr(msg, "at byte 4") != NULL);
    bad = 42;
    CHECK_STATUS(st_signer_sign_joined(signer, "/ok\n/a%zz\n/ok", 14, '\n', &o, buf,
                                       sizeof buf, &n, &bad),
                 ST_ERR_INVALID_PATH);
    CHECK(bad == 1);
    CHECK_STATUS(st_signer_sign_joined(signer, "/ok\n/ok\n/ok\nhttps:///a.jpg", 26, '\n',
                                       &o, buf, sizeof buf, &n, &bad),
                 ST_ERR_INVALID_URL);
    CHECK(bad == 3);
    CHECK_STATUS(st_signer_sign_joined(signer, "/ok\n/a\x01b", 8, '\n', &o, buf, sizeof buf,
                                       &n, &bad),
                 ST_ERR_INVALID_URL);
    CHECK(bad == 1);
    o.kind = 99;
    bad = 42;
    CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, sizeof buf, &n, &bad),
                 ST_ERR_INVALID_ARGUMENT);
    CHECK(bad == 0);
    o.kind = ST_TOKEN_KIND_STREAM;
    CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, buf, sizeof buf, &n, &bad),
                 ST_ERR_INVALID_ARGUMENT);
    o.kind = ST_TOKEN_KIND_FILE;
    CHECK(n == 777);
  }
  st_signer_free(signer);
}

/* A batch large enough for the core to spread it over threads. */
static void test_big_batch(void) {
  enum { N = 5000 };
  st_signer *signer = new_signer("secret-key");
  st_sign_options o;
  st_str *urls = calloc(N, sizeof *urls);
  char *names = calloc(N, 32);
  size_t cap = 0, n = 0, i, bad = 0;
  char *out = NULL;
  current = "batch of 5000";
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;
  o.now = 1700000000;
  if (urls == NULL || names == NULL) {
    CHECK(0);
    return;
  }
  for (i = 0; i < N; i++) {
    snprintf(names + i * 32, 32, "/videos/%zu/file name.mp4", i);
    urls[i] = lit(names + i * 32);
  }
  CHECK_STATUS(st_signer_sign_many(signer, urls, N, &o, NULL, 0, &cap, &bad),
               ST_ERR_BUFFER_TOO_SMALL);
  out = malloc(cap + 1);
  CHECK(out != NULL);
  if (out != NULL) {
    CHECK_STATUS(st_signer_sign_many(signer, urls, N, &o, out, cap + 1, &n, &bad), ST_OK);
    CHECK(n == cap && out[n] == 0);
    {
      /* Line i is exactly what a single call gives for URL i. */
      char *line = out, one[256];
      size_t on = 0, mismatches = 0;
      for (i = 0; i < N; i++) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (st_signer_sign_url(signer, urls[i].ptr, urls[i].len, &o, one, sizeof one, &on) !=
                ST_OK ||
            on != len || memcmp(one, line, len) != 0)
          mismatches++;
        line = nl ? nl + 1 : line + len;
      }
      CHECK(mismatches == 0);
    }
    /* The same batch joined by '\n' gives the same text, and reports the same bad index. */
    {
      size_t in_len = 0, jn = 0;
      char *in = malloc((size_t)N * 32), *joined = malloc(cap + 1);
      CHECK(in != NULL && joined != NULL);
      if (in != NULL && joined != NULL) {
        for (i = 0; i < N; i++) {
          if (i > 0) in[in_len++] = '\n';
          memcpy(in + in_len, urls[i].ptr, urls[i].len);
          in_len += urls[i].len;
        }
        CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, NULL, 0, &jn, &bad),
                     ST_ERR_BUFFER_TOO_SMALL);
        CHECK(jn == cap);
        CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, joined, cap + 1, &jn,
                                           &bad),
                     ST_OK);
        CHECK(jn == n && memcmp(joined, out, n) == 0 && joined[jn] == 0);
        memcpy(strstr(in, "/videos/4321/") + 1, "%zz", 3);
        CHECK_STATUS(st_signer_sign_joined(signer, in, in_len, '\n', &o, joined, cap + 1, &jn,
                                           &bad),
                     ST_ERR_INVALID_PATH);
        CHECK(bad == 4321);
      }
      free(in);
      free(joined);
    }
    /* The failing index in a parallel batch is the first bad URL. */
    urls[4321] = lit("/bad%zz");
    CHECK_STATUS(st_signer_sign_many(signer, urls, N, &o, out, cap + 1, &n, &bad),
                 ST_ERR_INVALID_PATH);
    CHECK(bad == 4321);
  }
  free(out);
  free(names);
  free(urls);
  st_signer_free(signer);
}

/* ---------------------------------------------------------------------------------- */

enum { THREADS = 4, ROUNDS = 300 };

typedef struct {
  const st_signer *signer;
  int id;
  int errors;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  int i;
  st_sign_options o;
  memset(&o, 0, sizeof o);
  o.expires = 2147483647;
  o.now = 1700000000;
  for (i = 0; i < ROUNDS; i++) {
    char url[64], buf[256], tok[ST_TOKEN_LEN + 1], expect[256];
    size_t n = 0, tn = 0;
    st_verify_options vo;
    st_verify_result r;
    snprintf(url, sizeof url, "/t%d/f%d.jpg", w->id, i);
    if (st_signer_sign_url(w->signer, url, strlen(url), &o, buf, sizeof buf, &n) != ST_OK) {
      w->errors++;
      continue;
    }
    if (st_signer_token(w->signer, url, strlen(url), 2147483647, NULL, 0, tok, sizeof tok, &tn) !=
        ST_OK) {
      w->errors++;
      continue;
    }
    snprintf(expect, sizeof expect, "%s?md5=%s&expires=2147483647", url, tok);
    if (strcmp(expect, buf) != 0) w->errors++;
    memset(&vo, 0, sizeof vo);
    vo.now = 1700000000;
    if (st_signer_verify(w->signer, buf, n, &vo, &r, NULL, 0, NULL) != ST_OK ||
        r.verdict != ST_VERDICT_VALID)
      w->errors++;
    /* Errors on one thread leave other threads' messages alone. */
    if (i % 50 == 0) {
      char msg[256];
      size_t mn = 0;
      if (st_signer_sign_url(w->signer, "/a%zz", 5, &o, buf, sizeof buf, &n) != ST_ERR_INVALID_PATH)
        w->errors++;
      if (st_last_error(msg, sizeof msg, &mn) != ST_OK || strstr(msg, "escape") == NULL)
        w->errors++;
    }
  }
  return NULL;
}

static void test_threads(void) {
  st_signer *signer = new_signer("secret-key");
  pthread_t t[THREADS];
  worker w[THREADS];
  int i, started = 0, errors = 0;
  current = "threads";
  for (i = 0; i < THREADS; i++) {
    w[i].signer = signer;
    w[i].id = i;
    w[i].errors = 0;
    if (pthread_create(&t[i], NULL, work, &w[i]) == 0) started++;
  }
  CHECK(started == THREADS);
  for (i = 0; i < started; i++) {
    pthread_join(t[i], NULL);
    errors += w[i].errors;
  }
  CHECK(errors == 0);
  st_signer_free(signer);
}

/* ---------------------------------------------------------------------------------- */
/* st_signer_verify_request: what a server received, as raw bytes. Every client input is a
 * verdict (ST_OK), never an error. The token below is the documented example (README):
 * key "secret-key", "/photo.jpeg", expires 2147483647. */

#define GOOD_Q "?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647"

static st_verdict judge(const st_signer *signer, const char *t, size_t n, const char *ip,
                        int64_t now) {
  st_verify_options o;
  st_verdict v;
  memset(&o, 0, sizeof o);
  memset(&v, 0x5a, sizeof v);
  o.now = now;
  if (ip != NULL) o.ip = lit(ip);
  CHECK_STATUS(st_signer_verify_request(signer, t, n, &o, &v), ST_OK);
  return v;
}

static void want_verdict(const char *name, st_verdict v, int status, const char *reason) {
  int ok = (int)v.http_status == status &&
           (reason == NULL ? v.reason == NULL : v.reason != NULL && strcmp(v.reason, reason) == 0);
  if (status == 200) ok = ok && v.status == ST_VERDICT_VALID && v.message[0] == '\0' &&
                          v.expires == 2147483647 && v.key_index == 0;
  else if (status == 410) ok = ok && v.status == ST_VERDICT_EXPIRED && v.message[0] != '\0' &&
                               v.expires == 2147483647 && v.key_index == 0;
  else ok = ok && v.status == ST_VERDICT_INVALID && v.message[0] != '\0' && v.expires == 0 &&
            v.key_index == -1;
  ok = ok && memchr(v.message, '\0', sizeof v.message) != NULL;
  if (!ok)
    fprintf(stderr, "  %s: got %u %s (%s), want %d %s\n", name, (unsigned)v.http_status,
            v.reason ? v.reason : "NULL", v.message, status, reason ? reason : "NULL");
  check(ok, name, __LINE__);
}

static void test_verify_request(void) {
  st_signer *signer = new_signer("secret-key");
  const char *t;
  char *huge;
  st_verdict v;
  size_t i;
  current = "verify_request";

#define WANT(target, status, reason)                                                      \
  want_verdict(target, judge(signer, target, sizeof(target) - 1, NULL, 1700000000), status, \
               reason)
  WANT("/photo.jpeg" GOOD_Q, 200, NULL);
  WANT("http://cdn.example.com/photo.jpeg" GOOD_Q, 200, NULL);
  /* A leading // is part of the path (nginx merges it), never a host. */
  WANT("//photo.jpeg" GOOD_Q, 200, NULL);
  WANT("///photo.jpeg" GOOD_Q, 200, NULL);
  WANT("//private/photo.jpeg" GOOD_Q, 403, "mismatch");
  WANT("//cdn.example.com/photo.jpeg" GOOD_Q, 403, "mismatch");
  WANT("/private/../photo.jpeg" GOOD_Q, 200, NULL);
  WANT("/%70hoto.jpeg" GOOD_Q, 200, NULL);
  WANT("/photo.jpeg", 403, "missing_token");
  WANT("/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ", 403, "missing_expires");
  /* A raw space, a control byte: nginx answers 400. */
  WANT("/pho to.jpeg" GOOD_Q, 400, "bad_request");
  WANT("/photo.jpeg\x01" GOOD_Q, 400, "bad_request");
  WANT("/a%zz.jpeg" GOOD_Q, 400, "bad_request");
  WANT("/../photo.jpeg" GOOD_Q, 400, "bad_request");
  /* Raw bytes that are not UTF-8 are hashed as they are: a verdict, not an error. */
  WANT("/\xff\xfe.jpeg" GOOD_Q, 403, "mismatch");
  WANT("/caf\xc3.jpeg", 403, "missing_token");
  /* Expired: the hash first, then the clock. */
  want_verdict("expired", judge(signer, "/photo.jpeg" GOOD_Q, strlen("/photo.jpeg" GOOD_Q), NULL,
                                (int64_t)2147483647 + 1),
               410, "expired");
  want_verdict("expired, wrong path",
               judge(signer, "/other.jpeg" GOOD_Q, strlen("/other.jpeg" GOOD_Q), NULL,
                     (int64_t)2147483647 + 1),
               403, "mismatch");
  /* A malformed client IP from the server's own configuration is a verdict too. */
  want_verdict("bad client ip", judge(signer, "/photo.jpeg" GOOD_Q, strlen("/photo.jpeg" GOOD_Q),
                                      "not-an-ip", 1700000000),
               403, "bad_client_ip");
  /* Embedded NUL: lengths are explicit. */
  v = judge(signer, "/photo.jpeg\0" GOOD_Q, sizeof("/photo.jpeg\0" GOOD_Q) - 1, NULL, 1700000000);
  want_verdict("embedded NUL", v, 400, "bad_request");
  /* Too long for nginx's 8 KiB request line: 414, also when the token is right. */
  huge = malloc(20000);
  if (huge != NULL) {
    memset(huge, 'a', 20000);
    huge[0] = '/';
    v = judge(signer, huge, 20000, NULL, 1700000000);
    want_verdict("20,000-byte target", v, 414, "uri_too_long");
    {
      size_t n = 9000;
      memcpy(huge + n - strlen(GOOD_Q), GOOD_Q, strlen(GOOD_Q));
      want_verdict("9,000-byte target", judge(signer, huge, n, NULL, 1700000000), 414,
                   "uri_too_long");
    }
    /* Random bytes: always ST_OK, always a refusal. */
    srand(12345);
    for (i = 0; i < 3000; i++) {
      size_t n = (size_t)(rand() % 300), j;
      for (j = 0; j < n; j++) huge[j] = (char)(rand() % 256);
      if (n > 0 && (i & 1)) huge[0] = '/';
      v = judge(signer, huge, n, NULL, 1700000000);
      if (!(v.status == ST_VERDICT_INVALID &&
            (v.http_status == 400 || v.http_status == 403 || v.http_status == 414) &&
            v.reason != NULL)) {
        check(0, "random target gets a refusal", __LINE__);
        break;
      }
    }
    free(huge);
  }
  /* The reason strings are static: the same pointer every time. */
  t = "/photo.jpeg";
  CHECK(judge(signer, t, strlen(t), NULL, 0).reason == judge(signer, t, strlen(t), NULL, 0).reason);
  /* Programmer errors are statuses, and *out is left alone. */
  memset(&v, 0, sizeof v);
  CHECK_STATUS(st_signer_verify_request(NULL, "/", 1, NULL, &v), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify_request(signer, NULL, 1, NULL, &v), ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_verify_request(signer, "/", 1, NULL, NULL),
               ST_ERR_NULL_POINTER);
  CHECK(v.http_status == 0);
  {
    st_verify_options o;
    memset(&o, 0, sizeof o);
    o.kind = 99;
    CHECK_STATUS(st_signer_verify_request(signer, "/", 1, &o, &v),
                 ST_ERR_INVALID_ARGUMENT);
  }
#undef WANT
  st_signer_free(signer);
}

/* A `now` override that makes the expiry zero or negative is refused (issue 10, item 7). */
static void test_now_override(void) {
  st_signer *signer = new_signer("secret-key");
  st_sign_options o;
  char buf[256];
  size_t n = 0;
  current = "now override";
  memset(&o, 0, sizeof o);
  o.ttl = 60;
  o.now = INT64_MIN;
  CHECK_STATUS(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_EXPIRY);
  o.now = -100;
  CHECK_STATUS(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_EXPIRY);
  o.now = -60;
  CHECK_STATUS(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n),
               ST_ERR_INVALID_EXPIRY);
  o.now = INT64_MAX;
  CHECK(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n) != ST_OK);
  o.now = 1700000000;
  CHECK_STATUS(st_signer_sign_url(signer, "/a.jpg", 6, &o, buf, sizeof buf, &n), ST_OK);
  st_signer_free(signer);
}

/* st_signer_sign_manifest: a playlist signed in place, each signed URI accepted by
 * st_signer_verify, the rest kept byte for byte; errors name the line. (The output is compared
 * with the CLI's byte for byte by capi/test.sh through capi/tests/sign_manifest.c.) */
static void test_manifest(void) {
  st_signer *signer = new_signer("secret-key");
  const char *url = "https://cdn.example.com/v/index.m3u8";
  const char *pl = "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\",IV=0x1\r\n"
                   "#EXTINF:4,\r\nseg-1.ts\r\n#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST";
  st_manifest_options o;
  char buf[1024], verify_url[256];
  size_t n = 0, line = 99;
  current = "sign_manifest";
  memset(&o, 0, sizeof o);
  o.sign.expires = 2147483647;
  /* Size query, then the call. */
  CHECK_STATUS(st_signer_sign_manifest(signer, pl, strlen(pl), url, strlen(url), &o, NULL, 0, &n,
                                       &line),
               ST_ERR_BUFFER_TOO_SMALL);
  CHECK(line == 0 && n > strlen(pl));
  {
    size_t want = n;
    line = 99;
    CHECK_STATUS(st_signer_sign_manifest(signer, pl, strlen(pl), url, strlen(url), &o, buf,
                                         sizeof buf, &n, &line),
                 ST_OK);
    CHECK(n == want && strlen(buf) == n && line == 0);
  }
  {
    /* Every line but the two URIs is as it was; no final newline added. */
    const char *seg = strstr(buf, "\r\nseg-1.ts?md5=");
    const char *key = strstr(buf, "URI=\"key.bin?md5=");
    CHECK(strncmp(buf, "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin?md5=", 77) == 0);
    CHECK(strstr(buf, "&expires=2147483647\",IV=0x1\r\n#EXTINF:4,\r\nseg-1.ts?md5=") != NULL);
    CHECK(strstr(buf, "&expires=2147483647\r\n#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST") != NULL);
    CHECK(n >= 14 && strcmp(buf + n - 14, "#EXT-X-ENDLIST") == 0);
    CHECK(seg != NULL && key != NULL);
    if (seg != NULL && key != NULL) {
      st_verify_result r;
      const char *end = strstr(seg + 2, "\r\n");
      int k = snprintf(verify_url, sizeof verify_url, "https://cdn.example.com/v/%.*s",
                       (int)(end - seg - 2), seg + 2);
      CHECK(k > 0 && (size_t)k < sizeof verify_url);
      CHECK_STATUS(st_signer_verify(signer, verify_url, strlen(verify_url), NULL, &r, NULL, 0, NULL),
                   ST_OK);
      CHECK(r.verdict == ST_VERDICT_VALID && r.expires == 2147483647);
      end = strchr(key + 5, '"');
      k = snprintf(verify_url, sizeof verify_url, "https://cdn.example.com/v/%.*s",
                   (int)(end - key - 5), key + 5);
      CHECK(k > 0 && (size_t)k < sizeof verify_url);
      CHECK_STATUS(st_signer_verify(signer, verify_url, strlen(verify_url), NULL, &r, NULL, 0, NULL),
                   ST_OK);
      CHECK(r.verdict == ST_VERDICT_VALID);
    }
  }
  /* other_hosts signs the other server's URI too. */
  o.other_hosts = true;
  CHECK_STATUS(st_signer_sign_manifest(signer, pl, strlen(pl), url, strlen(url), &o, buf,
                                       sizeof buf, &n, NULL),
               ST_OK);
  CHECK(strstr(buf, "https://other.example/x.ts?md5=") != NULL);
  o.other_hosts = false;
  /* A bad escape on line 4: the status of the core's kind, the line, nothing written. */
  {
    const char *bad = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na%zz.ts\n";
    char msg[512];
    size_t mn = 0;
    memset(buf, 'x', 8);
    n = 12345;
    CHECK_STATUS(st_signer_sign_manifest(signer, bad, strlen(bad), url, strlen(url), &o, buf,
                                         sizeof buf, &n, &line),
                 ST_ERR_INVALID_PATH);
    CHECK(line == 4 && n == 12345 && buf[0] == 'x');
    CHECK_STATUS(st_last_error(msg, sizeof msg, &mn), ST_OK);
    CHECK(strstr(msg, "line 4") != NULL && strstr(msg, "a%zz.ts") != NULL);
    CHECK(strstr(msg, "secret-key") == NULL);
  }
  /* Not a manifest: its first line is named. */
  line = 99;
  CHECK_STATUS(st_signer_sign_manifest(signer, "hello\n", 6, url, strlen(url), &o, buf, sizeof buf,
                                       &n, &line),
               ST_ERR_INVALID_ARGUMENT);
  CHECK(line == 1);
  /* The manifest URL is checked: line 0. */
  line = 99;
  CHECK(st_signer_sign_manifest(signer, pl, strlen(pl), "https://cdn.example.com/%zz/i.m3u8", 34, &o, buf, sizeof buf,
                                &n, &line) != ST_OK);
  CHECK(line == 0);
  /* Directory token: a URI above the manifest's directory is an error, or kept. */
  {
    const char *up = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nin.ts\n#EXTINF:4,\n../out.ts\n";
    o.sign.kind = ST_TOKEN_KIND_DIRECTORY;
    CHECK(st_signer_sign_manifest(signer, up, strlen(up), url, strlen(url), &o, buf, sizeof buf,
                                  &n, &line) != ST_OK);
    CHECK(line == 6);
    o.outside = ST_OUTSIDE_KEEP;
    CHECK_STATUS(st_signer_sign_manifest(signer, up, strlen(up), url, strlen(url), &o, buf,
                                         sizeof buf, &n, &line),
                 ST_OK);
    CHECK(strstr(buf, "\nin.ts?md5=") != NULL && strstr(buf, "\n../out.ts\n") != NULL);
    o.outside = 7;
    CHECK_STATUS(st_signer_sign_manifest(signer, up, strlen(up), url, strlen(url), &o, buf,
                                         sizeof buf, &n, &line),
                 ST_ERR_INVALID_ARGUMENT);
    CHECK(line == 0);
    o.outside = ST_OUTSIDE_ERROR;
    o.sign.kind = ST_TOKEN_KIND_FILE;
  }
  /* Pointers and UTF-8. */
  CHECK_STATUS(st_signer_sign_manifest(NULL, pl, strlen(pl), url, strlen(url), &o, buf, sizeof buf,
                                       &n, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_manifest(signer, NULL, 3, url, strlen(url), &o, buf, sizeof buf, &n,
                                       NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_manifest(signer, pl, strlen(pl), NULL, 0, &o, buf, sizeof buf, &n,
                                       NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_manifest(signer, pl, strlen(pl), url, strlen(url), &o, buf,
                                       sizeof buf, NULL, NULL),
               ST_ERR_NULL_POINTER);
  CHECK_STATUS(st_signer_sign_manifest(signer, "#EXTM3U\n\xff\n", 10, url, strlen(url), &o, buf,
                                       sizeof buf, &n, NULL),
               ST_ERR_INVALID_UTF8);
  /* NULL options: the signer's defaults (no lifetime here: an expiry error). */
  CHECK_STATUS(st_signer_sign_manifest(signer, pl, strlen(pl), url, strlen(url), NULL, buf,
                                       sizeof buf, &n, NULL),
               ST_ERR_INVALID_EXPIRY);
  {
    st_outside w = ST_OUTSIDE_ERROR;
    CHECK_STATUS(st_outside_parse("KEEP", 4, &w), ST_OK);
    CHECK(w == ST_OUTSIDE_KEEP);
    CHECK_STATUS(st_outside_parse("maybe", 5, &w), ST_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(st_outside_parse("keep", 4, NULL), ST_ERR_NULL_POINTER);
  }
  st_signer_free(signer);
}

/* The token-refresh endpoint (issue 16): the contract's documented example byte for byte
 * (tests/refresh/contract.json, tokens from hashlib), the hook's view, a denial, refusals
 * decided before any hook, the trusted-proxy rule, buffers and NULL pointers. */
static const char *const REFRESH_EXAMPLE =
    "{\"token\":\"DeQNSTY6SsSWbCkrvYGxpQ\",\"token_ip\":\"xnuFG_ooYVHwranuP1EzSg\","
    "\"client_ip\":\"203.0.113.42\",\"expires\":1700000060,"
    "\"url\":\"https://cdn.example.com/videos/12345_abc/DeQNSTY6SsSWbCkrvYGxpQ/1700000060/"
    "master.m3u8\",\"url_ip\":\"https://cdn-ip.example.com/videos/12345_abc/"
    "xnuFG_ooYVHwranuP1EzSg/1700000060/master.m3u8\"}";

static st_refresh_request refresh_req(const char *method, const char *query, const char *peer) {
  st_refresh_request r;
  memset(&r, 0, sizeof r);
  r.method = lit(method);
  r.query = lit(query);
  r.peer = lit(peer);
  r.now = 1700000000;
  return r;
}

/* What the hook saw in the last refresh_answer_of (copied: the ask's strings die with it). */
static char seen_video[160], seen_type[8], seen_ip[64];

static void copy_st(char *dst, size_t cap, st_str s) {
  size_t n = s.len < cap - 1 ? s.len : cap - 1;
  if (n > 0) memcpy(dst, s.ptr, n);
  dst[n] = 0;
}

/* prepare + respond(allowed); writes the body to buf and returns the HTTP status (0 on error). */
static int refresh_answer_of(const st_refresh *ep, const st_refresh_request *req, bool allowed,
                             char *buf, size_t cap, st_refresh_info *info,
                             const char **headers) {
  st_refresh_ask *ask = NULL;
  st_refresh_answer a;
  size_t n = 0;
  int status = 0;
  CHECK_STATUS(st_refresh_prepare(ep, req, &ask), ST_OK);
  if (ask == NULL) return 0;
  CHECK_STATUS(st_refresh_ask_info(ask, info), ST_OK);
  copy_st(seen_video, sizeof seen_video, info->video);
  copy_st(seen_type, sizeof seen_type, info->type_);
  copy_st(seen_ip, sizeof seen_ip, info->client_ip);
  if (st_refresh_respond(ep, ask, allowed, &a, buf, cap, &n) == ST_OK) {
    status = a.http_status;
    if (headers) *headers = a.headers;
    CHECK(strlen(buf) == n);
  }
  st_refresh_ask_free(ask);
  return status;
}

static void test_refresh(void) {
  current = "refresh";
  st_signer *signer = NULL;
  st_refresh *ep = NULL;
  CHECK_STATUS(st_signer_new("my-cdn-key", 10, &signer), ST_OK);
  st_str trusted[2];
  trusted[0] = lit("10.0.0.0/8");
  trusted[1] = lit("::1");
  st_refresh_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.account = lit("12345");
  cfg.cdn_url = lit("https://cdn.example.com");
  cfg.cdn_ip_url = lit("https://cdn-ip.example.com");
  cfg.max_lifetime = 120;
  cfg.trusted_proxies = trusted;
  cfg.trusted_proxies_count = 2;
  CHECK_STATUS(st_refresh_new(signer, &cfg, &ep), ST_OK);
  /* The endpoint holds its own copy of the signer. */
  st_signer_free(signer);
  if (ep == NULL) return;

  char buf[1024];
  st_refresh_info info;
  const char *headers = NULL;
  st_refresh_request req = refresh_req("GET", "video=abc&type=vod&expire=60", "203.0.113.42");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 200);
  CHECK(strcmp(buf, REFRESH_EXAMPLE) == 0);
  CHECK(headers != NULL &&
        strcmp(headers, "Content-Type: application/json\nCache-Control: no-store") == 0);
  CHECK(!info.refused && info.expires == 1700000060);
  CHECK(strcmp(seen_video, "abc") == 0 && strcmp(seen_type, "vod") == 0);
  CHECK(strcmp(seen_ip, "203.0.113.42") == 0);

  /* Denied by the hook: 403, and no token in the body. */
  CHECK(refresh_answer_of(ep, &req, false, buf, sizeof buf, &info, &headers) == 403);
  CHECK(strstr(buf, "\"error\":\"forbidden\"") != NULL && strstr(buf, "token") == NULL);

  /* Refused before the hook: `allowed` cannot sign it. */
  req = refresh_req("GET", "video=abc&expire=1700000000000", "203.0.113.42");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 400);
  CHECK(info.refused && info.expires == 0 && seen_video[0] == 0);
  CHECK(strstr(buf, "\"error\":\"expire_milliseconds\"") != NULL);
  req = refresh_req("POST", "video=abc", "203.0.113.42");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 405);
  CHECK(headers != NULL && strstr(headers, "\nAllow: GET, HEAD") != NULL);
  /* A query that is not UTF-8 is a client's: a refusal, not an error. */
  req = refresh_req("GET", "video=\xff", "203.0.113.42");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 400);
  /* Live, capped lifetime. */
  req = refresh_req("GET", "video=s1&type=live&expire=100000", "203.0.113.42");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 200);
  CHECK(info.expires == 1700000120 && strcmp(seen_type, "live") == 0);
  CHECK(strstr(buf, "/cmaf/12345_s1/") != NULL);

  /* Client IP: proxy headers only from a trusted peer, rightmost untrusted entry. */
  req = refresh_req("GET", "video=abc", "10.1.2.3");
  req.forwarded_for = lit("6.6.6.6, 198.51.100.7, 10.9.9.9");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 200);
  CHECK(strcmp(seen_ip, "198.51.100.7") == 0);
  req.peer = lit("203.0.113.9");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 200);
  CHECK(strcmp(seen_ip, "203.0.113.9") == 0);
  req = refresh_req("GET", "video=abc", "[::1]:5000");
  req.real_ip = lit("2001:DB8:0::1");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 200);
  CHECK(strcmp(seen_ip, "2001:db8::1") == 0);
  req.real_ip = lit("evil");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 400);
  CHECK(info.refused && strstr(buf, "\"error\":\"bad_client_ip\"") != NULL);
  /* Bytes that are not UTF-8 are a client's too: refusals, never errors. */
  req.real_ip = lit("1.2.3.4\xff");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 400);
  CHECK(info.refused && strstr(buf, "\"error\":\"bad_client_ip\"") != NULL);
  req.real_ip = lit("");
  req.real_ip.ptr = NULL;
  req.forwarded_for = lit("\xc3\x28");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 400);
  req.forwarded_for.ptr = NULL;
  req.method = lit("G\xffT");
  CHECK(refresh_answer_of(ep, &req, true, buf, sizeof buf, &info, &headers) == 405);

  /* Buffers: the size needed, then the body. */
  {
    st_refresh_ask *ask = NULL;
    st_refresh_answer a;
    size_t n = 0;
    req = refresh_req("GET", "video=abc&type=vod&expire=60", "203.0.113.42");
    CHECK_STATUS(st_refresh_prepare(ep, &req, &ask), ST_OK);
    CHECK_STATUS(st_refresh_respond(ep, ask, true, &a, NULL, 0, &n), ST_ERR_BUFFER_TOO_SMALL);
    CHECK(n == strlen(REFRESH_EXAMPLE));
    CHECK_STATUS(st_refresh_respond(ep, ask, true, &a, buf, n, &n), ST_OK);
    CHECK(n == strlen(REFRESH_EXAMPLE) && memcmp(buf, REFRESH_EXAMPLE, n) == 0);
    CHECK_STATUS(st_refresh_respond(ep, ask, true, NULL, buf, sizeof buf, &n), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_respond(NULL, ask, true, &a, buf, sizeof buf, &n), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_respond(ep, NULL, true, &a, buf, sizeof buf, &n), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_ask_info(NULL, &info), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_ask_info(ask, NULL), ST_ERR_NULL_POINTER);
    st_refresh_ask_free(ask);
    CHECK_STATUS(st_refresh_prepare(ep, NULL, &ask), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_prepare(NULL, &req, &ask), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_prepare(ep, &req, NULL), ST_ERR_NULL_POINTER);
    req.method.ptr = NULL;
    CHECK_STATUS(st_refresh_prepare(ep, &req, &ask), ST_ERR_NULL_POINTER);
  }
  st_refresh_free(ep);
  st_refresh_ask_free(NULL);
  st_refresh_free(NULL);

  /* Configuration errors name the field. */
  CHECK_STATUS(st_signer_new("my-cdn-key", 10, &signer), ST_OK);
  {
    char msg[256];
    size_t n = 0;
    st_refresh_config bad = cfg;
    bad.max_lifetime = -5;
    CHECK_STATUS(st_refresh_new(signer, &bad, &ep), ST_ERR_INVALID_ARGUMENT);
    CHECK(st_last_error(msg, sizeof msg, &n) == ST_OK && strstr(msg, "max_lifetime") != NULL);
    bad = cfg;
    bad.cdn_url = lit("ftp://x/y");
    CHECK_STATUS(st_refresh_new(signer, &bad, &ep), ST_ERR_INVALID_ARGUMENT);
    CHECK(st_last_error(msg, sizeof msg, &n) == ST_OK && strstr(msg, "cdn_url") != NULL);
    bad = cfg;
    trusted[1] = lit("not-a-net");
    CHECK(st_refresh_new(signer, &bad, &ep) != ST_OK);
    CHECK_STATUS(st_refresh_new(signer, NULL, &ep), ST_ERR_NULL_POINTER);
    CHECK_STATUS(st_refresh_new(NULL, &cfg, &ep), ST_ERR_NULL_POINTER);
  }
  st_signer_free(signer);
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "test_capi";
  test_version();
  test_sign_vectors();
  test_stream_vectors();
  test_verify_vectors();
  test_error_vectors();
  test_null_pointers();
  test_buffers();
  test_joined();
  test_invalid_utf8();
  test_enums_and_options();
  test_builder();
  test_big_batch();
  test_threads();
  test_verify_request();
  test_now_override();
  test_manifest();
  test_refresh();
  printf("%s: %d passed, %d failed\n", name, passed, failed);
  return failed == 0 ? 0 : 1;
}
