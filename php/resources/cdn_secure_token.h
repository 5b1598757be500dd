typedef enum st_status {
  ST_OK = 0,
  ST_ERR_NULL_POINTER = 1,
  ST_ERR_BUFFER_TOO_SMALL = 2,
  ST_ERR_INVALID_UTF8 = 3,
  ST_ERR_PANIC = 4,
  ST_ERR_INVALID_KEY = 10,
  ST_ERR_INVALID_PATH = 11,
  ST_ERR_INVALID_IP = 12,
  ST_ERR_INVALID_EXPIRY = 13,
  ST_ERR_INVALID_URL = 14,
  ST_ERR_INVALID_ARGUMENT = 15,
} st_status;

typedef enum st_outside {
  ST_OUTSIDE_ERROR = 0,
  ST_OUTSIDE_KEEP = 1,
} st_outside;

typedef enum st_token_kind {
  ST_TOKEN_KIND_FILE = 0,
  ST_TOKEN_KIND_DIRECTORY = 1,
  ST_TOKEN_KIND_MP4 = 2,
  ST_TOKEN_KIND_STREAM = 3,
} st_token_kind;

typedef enum st_stream_kind {
  ST_STREAM_KIND_VOD = 0,
  ST_STREAM_KIND_CMAF = 1,
  ST_STREAM_KIND_MPEGTS = 2,
  ST_STREAM_KIND_STREAMS = 3,
} st_stream_kind;

typedef enum st_verdict_status {
  ST_VERDICT_VALID = 0,
  ST_VERDICT_EXPIRED = 1,
  ST_VERDICT_INVALID = 2,
} st_verdict_status;

typedef enum st_reason {
  ST_REASON_NONE = 0,
  ST_REASON_MISSING_TOKEN = 1,
  ST_REASON_MALFORMED_TOKEN = 2,
  ST_REASON_MISSING_EXPIRES = 3,
  ST_REASON_MALFORMED_EXPIRES = 4,
  ST_REASON_BAD_REQUEST = 5,
  ST_REASON_NOT_A_STREAM_PATH = 6,
  ST_REASON_MISMATCH = 7,
  ST_REASON_URI_TOO_LONG = 8,
  ST_REASON_BAD_CLIENT_IP = 9,
  ST_REASON_EXPIRED = 10,
  ST_REASON_OTHER = 255,
} st_reason;

typedef enum st_explain_field {
  ST_EXPLAIN_HASHED_PATH = 0,
  ST_EXPLAIN_EXPIRES = 1,
  ST_EXPLAIN_IP = 2,
  ST_EXPLAIN_STRING_TO_SIGN = 3,
  ST_EXPLAIN_EXPECTED_TOKEN = 4,
  ST_EXPLAIN_FOUND_TOKEN = 5,
} st_explain_field;

typedef struct st_explanation st_explanation;

typedef struct st_refresh st_refresh;

typedef struct st_refresh_ask st_refresh_ask;

typedef struct st_signer st_signer;

typedef struct st_signer_builder st_signer_builder;

typedef struct st_str {
  const char *ptr;
  size_t len;
} st_str;

typedef struct st_sign_options {
  int64_t expires;
  int64_t ttl;
  struct st_str ip;
  uint32_t kind;
  struct st_str speed;
  struct st_str buffer;
  int64_t now;
} st_sign_options;

typedef struct st_manifest_options {
  struct st_sign_options sign;
  uint32_t outside;
  bool other_hosts;
} st_manifest_options;

typedef struct st_refresh_config {
  struct st_str account;
  struct st_str cdn_url;
  struct st_str cdn_ip_url;
  int64_t max_lifetime;
  int64_t default_lifetime;
  const struct st_str *trusted_proxies;
  size_t trusted_proxies_count;
} st_refresh_config;

typedef struct st_refresh_request {
  struct st_str method;
  struct st_str query;
  struct st_str peer;
  struct st_str forwarded_for;
  struct st_str real_ip;
  int64_t now;
} st_refresh_request;

typedef struct st_refresh_info {
  bool refused;
  struct st_str video;
  struct st_str type_;
  struct st_str client_ip;
  int64_t expires;
} st_refresh_info;

typedef struct st_refresh_answer {
  uint16_t http_status;
  const char *headers;
} st_refresh_answer;

typedef struct st_verify_options {
  struct st_str ip;
  int64_t now;
  uint32_t kind;
} st_verify_options;

typedef struct st_verify_result {
  enum st_verdict_status verdict;
  uint16_t http_status;
  int64_t expires;
  int32_t key_index;
  enum st_reason reason;
} st_verify_result;

typedef struct st_verdict {
  enum st_verdict_status status;
  uint16_t http_status;
  const char *reason;
  char message[256];
  int64_t expires;
  int32_t key_index;
} st_verdict;

typedef struct st_explain_options {
  struct st_str ip;
  uint32_t kind;
  int64_t expires;
} st_explain_options;

typedef struct st_explain_info {
  enum st_token_kind kind;
  bool has_ip;
  bool has_found_token;
  int8_t matches;
} st_explain_info;

enum st_status st_outside_parse(const char *name, size_t name_len, enum st_outside *out);

enum st_status st_signer_sign_manifest(const struct st_signer *signer,
                                       const char *text,
                                       size_t text_len,
                                       const char *manifest_url,
                                       size_t manifest_url_len,
                                       const struct st_manifest_options *opts,
                                       char *buf,
                                       size_t cap,
                                       size_t *out_len,
                                       size_t *err_line);

enum st_status st_refresh_new(const struct st_signer *signer,
                              const struct st_refresh_config *config,
                              struct st_refresh **out);

void st_refresh_free(struct st_refresh *endpoint);

enum st_status st_refresh_prepare(const struct st_refresh *endpoint,
                                  const struct st_refresh_request *request,
                                  struct st_refresh_ask **out);

enum st_status st_refresh_ask_info(const struct st_refresh_ask *ask, struct st_refresh_info *out);

enum st_status st_refresh_respond(const struct st_refresh *endpoint,
                                  const struct st_refresh_ask *ask,
                                  bool allowed,
                                  struct st_refresh_answer *out,
                                  char *buf,
                                  size_t cap,
                                  size_t *out_len);

void st_refresh_ask_free(struct st_refresh_ask *ask);

enum st_status st_signer_sign_url(const struct st_signer *signer,
                                  const char *url,
                                  size_t url_len,
                                  const struct st_sign_options *opts,
                                  char *buf,
                                  size_t cap,
                                  size_t *out_len);

enum st_status st_signer_sign_many(const struct st_signer *signer,
                                   const struct st_str *urls,
                                   size_t count,
                                   const struct st_sign_options *opts,
                                   char *buf,
                                   size_t cap,
                                   size_t *out_len,
                                   size_t *failed_index);

enum st_status st_signer_sign_joined(const struct st_signer *signer,
                                     const char *urls,
                                     size_t urls_len,
                                     char sep,
                                     const struct st_sign_options *opts,
                                     char *buf,
                                     size_t cap,
                                     size_t *out_len,
                                     size_t *failed_index);

enum st_status st_signer_token(const struct st_signer *signer,
                               const char *path,
                               size_t path_len,
                               int64_t expires,
                               const char *ip,
                               size_t ip_len,
                               char *buf,
                               size_t cap,
                               size_t *out_len);

enum st_status st_signer_token_with(const struct st_signer *signer,
                                    const char *path,
                                    size_t path_len,
                                    const struct st_sign_options *opts,
                                    char *buf,
                                    size_t cap,
                                    size_t *out_len,
                                    int64_t *out_expires);

enum st_status st_signer_stream_token(const struct st_signer *signer,
                                      const char *account,
                                      size_t account_len,
                                      const char *id,
                                      size_t id_len,
                                      const struct st_sign_options *opts,
                                      char *buf,
                                      size_t cap,
                                      size_t *out_len,
                                      int64_t *out_expires);

enum st_status st_signer_stream_url(const struct st_signer *signer,
                                    const char *base,
                                    size_t base_len,
                                    uint32_t stream,
                                    const char *account,
                                    size_t account_len,
                                    const char *id,
                                    size_t id_len,
                                    const char *file,
                                    size_t file_len,
                                    const struct st_sign_options *opts,
                                    char *buf,
                                    size_t cap,
                                    size_t *out_len);

const char *st_version(void);

enum st_status st_token_kind_parse(const char *name, size_t name_len, enum st_token_kind *out);

const char *st_token_kind_str(uint32_t kind);

enum st_status st_stream_kind_parse(const char *name, size_t name_len, enum st_stream_kind *out);

enum st_status st_signer_new(const char *key, size_t key_len, struct st_signer **out);

void st_signer_free(struct st_signer *signer);

size_t st_signer_key_count(const struct st_signer *signer);

enum st_status st_signer_builder_new(const char *key,
                                     size_t key_len,
                                     struct st_signer_builder **out);

enum st_status st_signer_builder_add_verify_key(struct st_signer_builder *builder,
                                                const char *key,
                                                size_t key_len);

enum st_status st_signer_builder_set_default_ttl(struct st_signer_builder *builder,
                                                 int64_t seconds);

enum st_status st_signer_builder_set_allow_past_expiry(struct st_signer_builder *builder,
                                                       bool allow);

enum st_status st_signer_builder_build(struct st_signer_builder *builder, struct st_signer **out);

void st_signer_builder_free(struct st_signer_builder *builder);

const char *st_status_str(int status);

const char *st_status_code(int status);

enum st_status st_last_error(char *buf, size_t cap, size_t *out_len);

const char *st_reason_str(int reason);

enum st_status st_signer_verify(const struct st_signer *signer,
                                const char *url,
                                size_t url_len,
                                const struct st_verify_options *opts,
                                struct st_verify_result *out,
                                char *reason_buf,
                                size_t reason_cap,
                                size_t *reason_len);

enum st_status st_signer_verify_request(const struct st_signer *signer,
                                        const char *target,
                                        size_t target_len,
                                        const struct st_verify_options *opts,
                                        struct st_verdict *out);

enum st_status st_signer_explain(const struct st_signer *signer,
                                 const char *url,
                                 size_t url_len,
                                 const struct st_explain_options *opts,
                                 struct st_explanation **out);

enum st_status st_explanation_info(const struct st_explanation *explanation,
                                   struct st_explain_info *out);

enum st_status st_explanation_get(const struct st_explanation *explanation,
                                  uint32_t field,
                                  char *buf,
                                  size_t cap,
                                  size_t *out_len);

void st_explanation_free(struct st_explanation *explanation);
