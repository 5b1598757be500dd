/*
 * Signs a URL with the cdn-secure-token C library, then checks it as the edge would.
 *
 *   cc -std=c99 sign.c $(pkg-config --cflags --libs cdn_secure_token) -o sign
 *   ./sign KEY URL [EXPIRES [CLIENT_IP]]
 *
 * EXPIRES is a Unix time in seconds (default: one hour from now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cdn_secure_token.h>

static int fail(const char *what, st_status status) {
  char msg[512];
  size_t n = 0;
  if (st_last_error(msg, sizeof msg, &n) != ST_OK) msg[0] = '\0';
  fprintf(stderr, "%s: %s (%s): %s\n", what, st_status_code((int)status),
          st_status_str((int)status), msg);
  return 1;
}

int main(int argc, char **argv) {
  st_signer *signer = NULL;
  st_sign_options opts;
  st_verify_options vopts;
  st_verify_result verdict;
  st_status s;
  char *url = NULL;
  size_t len = 0;
  char reason[256];
  size_t reason_len = 0;

  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s KEY URL [EXPIRES [CLIENT_IP]]  (cdn_secure_token %s)\n", argv[0],
            st_version());
    return 2;
  }
  s = st_signer_new(argv[1], strlen(argv[1]), &signer);
  if (s != ST_OK) return fail("key", s);

  memset(&opts, 0, sizeof opts); /* zero = defaults: file token, no IP, system clock */
  if (argc > 3) opts.expires = strtoll(argv[3], NULL, 10);
  else opts.ttl = 3600;
  if (argc > 4) {
    opts.ip.ptr = argv[4];
    opts.ip.len = strlen(argv[4]);
  }

  /* Ask for the size, then sign into a buffer of exactly that size plus the NUL. */
  s = st_signer_sign_url(signer, argv[2], strlen(argv[2]), &opts, NULL, 0, &len);
  if (s == ST_ERR_BUFFER_TOO_SMALL) {
    url = malloc(len + 1);
    if (url == NULL) {
      st_signer_free(signer);
      return 1;
    }
    s = st_signer_sign_url(signer, argv[2], strlen(argv[2]), &opts, url, len + 1, &len);
  }
  if (s != ST_OK) {
    free(url);
    st_signer_free(signer);
    return fail("sign", s);
  }
  printf("%s\n", url);

  memset(&vopts, 0, sizeof vopts);
  vopts.ip = opts.ip;
  s = st_signer_verify(signer, url, len, &vopts, &verdict, reason, sizeof reason, &reason_len);
  if (s != ST_OK) {
    free(url);
    st_signer_free(signer);
    return fail("verify", s);
  }
  fprintf(stderr, "edge would answer %u%s%s\n", (unsigned)verdict.http_status,
          reason_len ? ": " : "", reason);

  free(url);
  st_signer_free(signer);
  return 0;
}
