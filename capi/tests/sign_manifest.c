/*
 * sign_manifest: signs the HLS playlist or DASH MPD on standard input with
 * st_signer_sign_manifest and writes it to standard output, for comparing the C face with the
 * CLI byte for byte (capi/test.sh, tests/manifests/faces.sh).
 *
 *   CDN_SECURE_TOKEN_KEY=... sign_manifest URL EXPIRES [KIND [OUTSIDE [OTHER_HOSTS [IP]]]]
 *
 * KIND is file|directory|mp4 (default file), OUTSIDE error|keep, OTHER_HOSTS 0|1, IP optional.
 * On failure: "line N: message" on standard error, nothing on standard output, exit 3.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cdn_secure_token.h>

static void fail(st_status s, size_t line) {
  char msg[1024];
  size_t n = 0;
  if (st_last_error(msg, sizeof msg, &n) != ST_OK) msg[0] = 0;
  fprintf(stderr, "line %zu: %s: %s\n", line, st_status_code((int)s), msg);
  exit(3);
}

int main(int argc, char **argv) {
  const char *key = getenv("CDN_SECURE_TOKEN_KEY");
  st_signer *signer = NULL;
  st_manifest_options o;
  st_status s;
  char *text = NULL, *out = NULL;
  size_t len = 0, cap = 0, out_len = 0, line = 0;
  if (argc < 3 || key == NULL) {
    fprintf(stderr, "usage: CDN_SECURE_TOKEN_KEY=... %s URL EXPIRES [KIND [OUTSIDE [OTHER_HOSTS [IP]]]]\n",
            argv[0]);
    return 2;
  }
  memset(&o, 0, sizeof o);
  o.sign.expires = strtoll(argv[2], NULL, 10);
  if (argc > 3) {
    st_token_kind k;
    if ((s = st_token_kind_parse(argv[3], strlen(argv[3]), &k)) != ST_OK) fail(s, 0);
    o.sign.kind = (uint32_t)k;
  }
  if (argc > 4) {
    st_outside w;
    if ((s = st_outside_parse(argv[4], strlen(argv[4]), &w)) != ST_OK) fail(s, 0);
    o.outside = (uint32_t)w;
  }
  if (argc > 5) o.other_hosts = strcmp(argv[5], "1") == 0;
  if (argc > 6) {
    o.sign.ip.ptr = argv[6];
    o.sign.ip.len = strlen(argv[6]);
  }
  for (;;) {
    size_t got;
    if (len == cap) {
      char *t = realloc(text, cap = cap ? 2 * cap : 65536);
      if (t == NULL) return 1;
      text = t;
    }
    got = fread(text + len, 1, cap - len, stdin);
    if (got == 0) break;
    len += got;
  }
  if ((s = st_signer_new(key, strlen(key), &signer)) != ST_OK) fail(s, 0);
  /* Ask for the size, then sign into a buffer of that size. */
  s = st_signer_sign_manifest(signer, text, len, argv[1], strlen(argv[1]), &o, NULL, 0, &out_len,
                              &line);
  if (s == ST_ERR_BUFFER_TOO_SMALL) {
    out = malloc(out_len + 1);
    if (out == NULL) return 1;
    s = st_signer_sign_manifest(signer, text, len, argv[1], strlen(argv[1]), &o, out, out_len + 1,
                                &out_len, &line);
  }
  if (s != ST_OK) fail(s, line);
  if (out_len > 0 && fwrite(out, 1, out_len, stdout) != out_len) return 1;
  st_signer_free(signer);
  free(text);
  free(out);
  return 0;
}
