/*
 * A minimal HTTP/1.1 origin that guards a directory with cdn-secure-token file tokens, the way
 * the CDN edge (nginx secure_link) does: 200 with the file, 403 for a missing or wrong token,
 * 410 for an expired link, 400 / 414 where nginx answers so, 404 when the token is right but
 * there is no such file. Every decision about the request target is the library's:
 * st_signer_verify_request judges the raw target bytes, and st_signer_explain gives the
 * decoded path the token covers, which is the file served.
 *
 *   cc -std=c99 verify_server.c $(pkg-config --cflags --libs cdn_secure_token) -o verify_server
 *   CDN_SECURE_TOKEN_KEY=... ./verify_server ROOT [PORT]
 *
 * Listens on 127.0.0.1 (PORT 0 or none: any free port) and prints "listening on
 * 127.0.0.1:PORT". One request per connection, one connection at a time: an example, not a
 * production server.
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cdn_secure_token.h>

/* Longer than any request line nginx accepts (8 KiB), so that the library, not this buffer,
 * decides about long targets: a line that fills it is passed on cut, and is a 414. */
#define HEAD_MAX 65536

static const char *reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 410: return "Gone";
    case 414: return "URI Too Long";
    default: return "Internal Server Error";
  }
}

/* Whether the head read so far ends the request head (a blank line). */
static int head_complete(const char *p, size_t n) {
  size_t i;
  for (i = 1; i < n; i++)
    if (p[i] == '\n' && (p[i - 1] == '\n' || (i >= 2 && p[i - 1] == '\r' && p[i - 2] == '\n')))
      return 1;
  return 0;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

static void respond(int fd, int status, const char *body, size_t len, int head_only) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   status, reason_phrase(status),
                   status == 200 ? "application/octet-stream" : "text/plain", len);
  send_all(fd, head, (size_t)n);
  if (!head_only) send_all(fd, body, len);
}

static void respond_text(int fd, int status, const char *text, int head_only) {
  respond(fd, status, text, strlen(text), head_only);
}

/* The file the token covers: ROOT + the decoded, normalized path the edge hashed. */
static void serve_file(int fd, const st_signer *signer, const char *root, const char *target,
                       size_t target_len, int head_only) {
  char url[HEAD_MAX + 16];
  char path[4096];
  size_t path_len = 0;
  st_explanation *e = NULL;
  struct stat sb;
  int file;
  char *body;
  size_t root_len = strlen(root);
  /* A origin-form target (also one starting with //) is a path on this host. */
  int n = snprintf(url, sizeof url, "%s%.*s", target[0] == '/' ? "http://origin" : "",
                   (int)target_len, target);
  if (n < 0 || (size_t)n >= sizeof url ||
      st_signer_explain(signer, url, (size_t)n, NULL, &e) != ST_OK ||
      st_explanation_get(e, ST_EXPLAIN_HASHED_PATH, path + root_len,
                         sizeof path - root_len, &path_len) != ST_OK ||
      root_len >= sizeof path) {
    st_explanation_free(e);
    respond_text(fd, 404, "not found\n", head_only);
    return;
  }
  st_explanation_free(e);
  memcpy(path, root, root_len);
  /* The library resolved every dot segment, so the path stays under ROOT; a name with a NUL
   * cannot be a file, and a directory is not served (nginx: 404 / 301 here). */
  if (memchr(path, '\0', root_len + path_len) != NULL || path[root_len + path_len - 1] == '/' ||
      (file = open(path, O_RDONLY)) < 0) {
    respond_text(fd, 404, "not found\n", head_only);
    return;
  }
  if (fstat(file, &sb) != 0 || !S_ISREG(sb.st_mode) || (body = malloc((size_t)sb.st_size + 1)) == NULL) {
    close(file);
    respond_text(fd, 404, "not found\n", head_only);
    return;
  }
  {
    size_t got = 0;
    ssize_t r;
    while (got < (size_t)sb.st_size && (r = read(file, body + got, (size_t)sb.st_size - got)) > 0)
      got += (size_t)r;
    respond(fd, 200, body, got, head_only);
  }
  free(body);
  close(file);
}

static void handle(int fd, const st_signer *signer, const char *root) {
  static char head[HEAD_MAX];
  size_t len = 0;
  char *line_end = NULL;
  char *sp;
  char *target;
  char *end;
  int cut;
  int head_only;
  st_verdict v;
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  /* Read the request head (the request line is all that is judged). */
  while (len < sizeof head) {
    ssize_t r = recv(fd, head + len, sizeof head - len, 0);
    if (r <= 0) break;
    len += (size_t)r;
    if (head_complete(head, len)) break;
  }
  if (len == 0) return;
  line_end = memchr(head, '\n', len);
  cut = line_end == NULL;
  if (cut) line_end = head + len;
  else if (line_end > head && line_end[-1] == '\r') line_end--;

  /* "METHOD SP target SP HTTP/x.y": the target is what lies between the method and the
   * version; spaces inside it are the library's to judge (400). */
  sp = memchr(head, ' ', (size_t)(line_end - head));
  if (sp == NULL) {
    respond_text(fd, 400, "bad request\n", 0);
    return;
  }
  head_only = (size_t)(sp - head) == 4 && memcmp(head, "HEAD", 4) == 0;
  if (!head_only && !((size_t)(sp - head) == 3 && memcmp(head, "GET", 3) == 0)) {
    respond_text(fd, 405, "only GET and HEAD\n", 0);
    return;
  }
  target = sp + 1;
  end = line_end; /* a cut line: all of it, which is too long (414) */
  if (!cut) {
    while (end > target && end[-1] != ' ') end--;
    if (end == target || line_end - end < 5 || memcmp(end, "HTTP/", 5) != 0) {
      respond_text(fd, 400, "bad request\n", head_only);
      return;
    }
    end--; /* the space before the version */
  }
  if (st_signer_verify_request(signer, target, (size_t)(end - target), NULL,
                               &v) != ST_OK) {
    respond_text(fd, 500, "internal error\n", head_only);
    return;
  }
  fprintf(stderr, "%d %s\n", v.http_status, v.reason ? v.reason : "-");
  if (v.status != ST_VERDICT_VALID) {
    char text[ST_MESSAGE_CAP + 2];
    snprintf(text, sizeof text, "%s\n", v.message);
    respond_text(fd, v.http_status, text, head_only);
    return;
  }
  serve_file(fd, signer, root, target, (size_t)(end - target), head_only);
}

int main(int argc, char **argv) {
  const char *key = getenv("CDN_SECURE_TOKEN_KEY");
  st_signer *signer = NULL;
  struct sockaddr_in addr;
  socklen_t alen = sizeof addr;
  int one = 1;
  int lfd;
  char root[2048];

  if (argc < 2 || argc > 3 || key == NULL) {
    fprintf(stderr, "usage: CDN_SECURE_TOKEN_KEY=... %s ROOT [PORT]\n", argv[0]);
    return 2;
  }
  if (realpath(argv[1], root) == NULL) {
    perror(argv[1]);
    return 2;
  }
  if (st_signer_new(key, strlen(key), &signer) != ST_OK) {
    char msg[256];
    size_t n = 0;
    if (st_last_error(msg, sizeof msg, &n) != ST_OK) msg[0] = '\0';
    fprintf(stderr, "CDN_SECURE_TOKEN_KEY: %s\n", msg);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((uint16_t)(argc > 2 ? atoi(argv[2]) : 0));
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 64) != 0 ||
      getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
    perror("listen");
    return 1;
  }
  printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(addr.sin_port));
  fflush(stdout);
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      break;
    }
    handle(fd, signer, root);
    /* Let the client read the whole answer before the connection goes away. */
    shutdown(fd, SHUT_WR);
    {
      char drain[4096];
      while (recv(fd, drain, sizeof drain, 0) > 0) {
      }
    }
    close(fd);
  }
  st_signer_free(signer);
  return 0;
}
