<?php

declare(strict_types=1);

namespace CdnSecureToken;

use FFI;
use FFI\CData;

/**
 * Signs and verifies CDN Secure Token links (Gcore CDN, nginx secure_link) with the
 * cdn-secure-token library, loaded through FFI (see {@see Library}).
 *
 * ```php
 * $signer = new CdnSecureToken\Signer('my-cdn-key');
 * $url = $signer->signUrl('https://cdn.example.com/photos/summer trip.jpeg', ttl: 3600);
 * ```
 *
 * Expiries are Unix seconds (`int`) or any `DateTimeInterface`. Errors are
 * {@see SecureTokenException} subclasses whose messages never contain the key. The C signer is
 * released when the object is destroyed; a Signer cannot be cloned or serialized.
 */
final class Signer
{
    private const OK = 0;
    private const BUFFER_TOO_SMALL = 2;
    private const INVALID_EXPIRY = 13;
    private const INITIAL_CAP = 4096;

    /** @var array<string, int> kind name => st_token_kind, as parsed by the library */
    private static array $kinds = [];
    /** @var array<string, int> stream kind name => st_stream_kind, as parsed by the library */
    private static array $streamKinds = [];
    /** @var array<string, int> outside name => st_outside, as parsed by the library */
    private static array $outsides = [];

    private FFI $ffi;
    private CData $handle;
    private CData $opts;
    private CData $optsPtr;
    private CData $outLen;
    private CData $outLenPtr;
    private CData $failed;
    private CData $failedPtr;
    private ?CData $manifestOpts = null;
    private CData $buf;
    private int $cap = 0;
    private int $keyCount;
    /** @var array{ip: ?string, speed: ?string, buffer: ?string} strings the reused options hold */
    private array $optionText = ['ip' => null, 'speed' => null, 'buffer' => null];
    /** @var array<string, CData|null> the C copies those strings point at */
    private array $optionMemory = [];

    /**
     * @param string $key The CDN resource's Secure Token key (6 to 255 bytes).
     * @param list<string> $verifyKeys Older keys that {@see verify()} also accepts (rotation).
     * @param int|null $defaultTtl Lifetime in seconds used when a call gives no expiry.
     * @param bool $allowPastExpiry Accept expiries already in the past (off: such links are born dead).
     * @throws InvalidKeyException|InvalidExpiryException|SecureTokenException
     */
    public function __construct(
        #[\SensitiveParameter] string $key,
        #[\SensitiveParameter] array $verifyKeys = [],
        ?int $defaultTtl = null,
        bool $allowPastExpiry = false,
    ) {
        $ffi = $this->ffi = Library::ffi();
        // The output buffer first: a refused key's message is read through it.
        $this->outLen = $ffi->new('size_t');
        $this->outLenPtr = FFI::addr($this->outLen);
        $this->grow(self::INITIAL_CAP);
        $handle = $ffi->new('st_signer*');
        if ($verifyKeys === [] && $defaultTtl === null && !$allowPastExpiry) {
            $this->check($ffi->st_signer_new($key, strlen($key), FFI::addr($handle)));
        } else {
            $builder = $ffi->new('st_signer_builder*');
            $this->check($ffi->st_signer_builder_new($key, strlen($key), FFI::addr($builder)));
            try {
                foreach ($verifyKeys as $k) {
                    if (!is_string($k)) {
                        throw new \TypeError('verifyKeys must be a list of strings');
                    }
                    $this->check($ffi->st_signer_builder_add_verify_key($builder, $k, strlen($k)));
                }
                if ($defaultTtl !== null) {
                    $this->check($ffi->st_signer_builder_set_default_ttl($builder, $defaultTtl));
                }
                if ($allowPastExpiry) {
                    $this->check($ffi->st_signer_builder_set_allow_past_expiry($builder, true));
                }
            } catch (\Throwable $e) {
                $ffi->st_signer_builder_free($builder);
                throw $e;
            }
            // Consumes the builder, whatever the result.
            $this->check($ffi->st_signer_builder_build($builder, FFI::addr($handle)));
        }
        $this->handle = $handle;
        $this->keyCount = (int) $ffi->st_signer_key_count($handle);
        $this->opts = $ffi->new('st_sign_options');
        $this->optsPtr = FFI::addr($this->opts);
        $this->failed = $ffi->new('size_t');
        $this->failedPtr = FFI::addr($this->failed);
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->st_signer_free($this->handle);
        }
    }

    /**
     * Chooses the library file (default: a preloaded FFI scope, `CDN_SECURE_TOKEN_LIB`,
     * `native/lib/libcdn_secure_token.so` in the package, then `libcdn_secure_token.so`).
     */
    public static function useLibrary(string $path): void
    {
        Library::use($path);
    }

    /** The version of the loaded library, e.g. `0.1.0`. */
    public static function version(): string
    {
        return Library::ffi()->st_version();
    }

    /** Number of keys held (signing key + rotation keys). */
    public function keyCount(): int
    {
        return $this->keyCount;
    }

    /**
     * Signs a URL (absolute, scheme-relative or path-and-query). The path is normalized and
     * percent-encoded as the edge decodes it; old `md5`/`expires` parameters are replaced; the
     * rest of the URL is kept.
     *
     * @param int|\DateTimeInterface|null $expires Absolute expiry (give it or `$ttl`, or neither with a default lifetime).
     * @param int|null $ttl Lifetime in seconds from now.
     * @param string|null $ip Client IP to bind the link to, any valid spelling.
     * @param string $kind `file`, `directory` (HLS/DASH) or `mp4`.
     * @param string|null $speed MP4 only: speed limit, e.g. `1m`.
     * @param string|null $buffer MP4 only: seconds sent at full speed.
     * @param int|\DateTimeInterface|null $now The current time (default: the system clock).
     * @throws SecureTokenException
     */
    public function signUrl(
        string $url,
        int|\DateTimeInterface|null $expires = null,
        ?int $ttl = null,
        ?string $ip = null,
        string $kind = 'file',
        ?string $speed = null,
        ?string $buffer = null,
        int|\DateTimeInterface|null $now = null,
    ): string {
        $this->setOptions($expires, $ttl, $ip, $kind, $speed, $buffer, $now);
        return $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_signer_sign_url(
            $this->handle, $url, \strlen($url), $this->optsPtr, $buf, $cap, $this->outLenPtr));
    }

    /**
     * Signs many URLs with the same options in one call into the library. Keys of `$urls` are
     * kept. On a bad URL the exception's `index` is that URL's key (the first key when the
     * options themselves are wrong).
     *
     * @template K of array-key
     * @param array<K, string> $urls
     * @return array<K, string>
     * @throws SecureTokenException
     */
    public function signMany(
        array $urls,
        int|\DateTimeInterface|null $expires = null,
        ?int $ttl = null,
        ?string $ip = null,
        string $kind = 'file',
        ?string $speed = null,
        ?string $buffer = null,
        int|\DateTimeInterface|null $now = null,
    ): array {
        $n = count($urls);
        if ($n === 0) {
            return [];
        }
        // `\is_string` (not `is_string`): fully qualified, PHP compiles it to a type-check
        // opcode instead of a namespaced function lookup and call (half the time per URL).
        foreach ($urls as $url) {
            if (!\is_string($url)) {
                $this->failType($urls);
            }
        }
        $this->setOptions($expires, $ttl, $ip, $kind, $speed, $buffer, $now);
        // One string for all the URLs, one FFI call, one string back: no per-URL FFI work.
        // The core's joined-text protocol (Signer::sign_joined): every URL ends with "\n", so
        // an empty URL is still one and the C call's failing index is the URL's position. The
        // core refuses control characters in URLs; a URL holding the separator itself cannot
        // travel this way and is signed alone by failFirst, for the core's error at its key.
        $joined = \implode("\n", $urls) . "\n";
        $len = \strlen($joined);
        if (\substr_count($joined, "\n") !== $n) {
            $this->failFirst($urls);
        }
        // Signed URLs are rarely more than three times their input plus the parameters.
        $want = 3 * $len + 160 * $n;
        if ($want > $this->cap) {
            $this->grow($want);
        }
        $out = \explode("\n", $this->output(
            fn (CData $buf, int $cap): int => $this->ffi->st_signer_sign_joined($this->handle,
                $joined, $len, "\n", $this->optsPtr, $buf, $cap, $this->outLenPtr, $this->failedPtr),
            fn (): int|string|null => array_keys($urls)[$this->failed->cdata] ?? null,
        ));
        return array_is_list($urls) ? $out : array_combine(array_keys($urls), $out);
    }

    /**
     * Signs an HLS playlist or DASH MPD served from `$url`: every URI a player fetches gets a
     * token (relative URIs resolved against `$url` and kept relative), everything else stays
     * byte for byte. The options are {@see signUrl()}'s; `kind: 'directory'` puts the
     * manifest directory's token on every URI inside it (needed for DASH `$Number$`
     * templates).
     *
     * @param string $outside With `kind: 'directory'`: `error` (default) or `keep` a URI
     *     outside the manifest's directory.
     * @param bool $otherHosts Sign http(s) URIs on other hosts too (same key).
     * @throws SecureTokenException whose `manifestLine` is the manifest line of the problem (0: the
     *     manifest as a whole, its URL or the options); nothing is returned partially signed.
     */
    public function signManifest(
        string $text,
        string $url,
        int|\DateTimeInterface|null $expires = null,
        ?int $ttl = null,
        ?string $ip = null,
        string $kind = 'file',
        ?string $speed = null,
        ?string $buffer = null,
        int|\DateTimeInterface|null $now = null,
        string $outside = 'error',
        bool $otherHosts = false,
    ): string {
        $this->setOptions($expires, $ttl, $ip, $kind, $speed, $buffer, $now);
        $mo = $this->manifestOpts ??= $this->ffi->new('st_manifest_options');
        FFI::memcpy(FFI::addr($mo->sign), $this->optsPtr, FFI::sizeof($this->opts));
        $mo->outside = self::$outsides[$outside] ?? $this->parseOutside($outside);
        $mo->other_hosts = $otherHosts;
        $len = \strlen($text);
        // Sized so the call runs once: a signed URI grows by its token query (and escapes).
        $want = 2 * $len + 64 * (\substr_count($text, "\n") + 1) + 1;
        if ($want > $this->cap) {
            $this->grow($want);
        }
        return $this->output(
            fn (CData $buf, int $cap): int => $this->ffi->st_signer_sign_manifest($this->handle,
                $text, $len, $url, \strlen($url), FFI::addr($mo), $buf, $cap, $this->outLenPtr,
                $this->failedPtr),
            failedLine: fn (): int => (int) $this->failed->cdata,
        );
    }

    /**
     * The file token for an already decoded path (`%` taken literally), e.g.
     * `token('/photo.jpeg', 2147483647)`.
     *
     * @throws SecureTokenException
     */
    public function token(string $path, int|\DateTimeInterface $expires, ?string $ip = null): string
    {
        $expires = self::expiry('expires', $expires);
        return $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_signer_token(
            $this->handle, $path, \strlen($path), $expires, $ip, $ip === null ? 0 : \strlen($ip),
            $buf, $cap, $this->outLenPtr));
    }

    /**
     * The token of a query-token kind (file, directory, MP4) for an already decoded path, with
     * the expiry it covers.
     *
     * @throws SecureTokenException
     */
    public function tokenWith(
        string $path,
        int|\DateTimeInterface|null $expires = null,
        ?int $ttl = null,
        ?string $ip = null,
        string $kind = 'file',
        ?string $speed = null,
        ?string $buffer = null,
        int|\DateTimeInterface|null $now = null,
    ): SignedToken {
        $this->setOptions($expires, $ttl, $ip, $kind, $speed, $buffer, $now);
        $exp = $this->ffi->new('int64_t');
        $expPtr = FFI::addr($exp);
        $token = $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_signer_token_with(
            $this->handle, $path, \strlen($path), $this->optsPtr, $buf, $cap, $this->outLenPtr, $expPtr));
        return new SignedToken($token, $exp->cdata);
    }

    /**
     * A Video Streaming path token: `{account}_{id}_{key}_{expires}_{ip}`.
     *
     * @throws SecureTokenException
     */
    public function streamToken(
        string $account,
        string $id,
        int|\DateTimeInterface|null $expires = null,
        ?int $ttl = null,
        ?string $ip = null,
        int|\DateTimeInterface|null $now = null,
    ): SignedToken {
        $this->setOptions($expires, $ttl, $ip, 'file', null, null, $now);
        $exp = $this->ffi->new('int64_t');
        $expPtr = FFI::addr($exp);
        $token = $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_signer_stream_token(
            $this->handle, $account, \strlen($account), $id, \strlen($id), $this->optsPtr, $buf,
            $cap, $this->outLenPtr, $expPtr));
        return new SignedToken($token, $exp->cdata);
    }

    /**
     * A Video Streaming link `{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}`.
     *
     * @param string $base `''` for a path, or `https://host`.
     * @param string $stream `vod`, `cmaf`, `mpegts` or `streams`.
     * @param string|null $file File under the token (default: the layout's manifest).
     * @throws SecureTokenException
     */
    public function streamUrl(
        string $base,
        string $stream,
        string $account,
        string $id,
        ?string $file = null,
        int|\DateTimeInterface|null $expires = null,
        ?int $ttl = null,
        ?string $ip = null,
        int|\DateTimeInterface|null $now = null,
    ): string {
        $streamKind = self::$streamKinds[$stream] ?? $this->parseStreamKind($stream);
        $this->setOptions($expires, $ttl, $ip, 'file', null, null, $now);
        return $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_signer_stream_url(
            $this->handle, $base, \strlen($base), $streamKind, $account, \strlen($account), $id,
            \strlen($id), $file, $file === null ? 0 : \strlen($file), $this->optsPtr, $buf, $cap,
            $this->outLenPtr));
    }

    /**
     * Checks a link as the edge would. A string that starts with `/` is what a server received
     * (`$_SERVER['REQUEST_URI']`) and goes to {@see verifyRequest()}: read as nginx reads it,
     * `//evil/x.jpg` is the path `/evil/x.jpg`, and nothing a client put in it throws. A full URL
     * (`https://cdn.example.com/x.jpg?md5=...`) is a link you hold: problems with the link are
     * a {@see Verdict}; exceptions are for bad arguments (a malformed client IP, a non-UTF-8 URL).
     *
     * @param string $kind `file`, `directory`, `mp4` or `stream`.
     * @throws SecureTokenException
     */
    public function verify(
        string $url,
        ?string $ip = null,
        int|\DateTimeInterface|null $now = null,
        string $kind = 'file',
    ): Verdict {
        if (\str_starts_with($url, '/')) {
            $verdict = $this->verifyRequest($url, $ip, $now, $kind);
            if ($verdict->reason === 'bad_client_ip') {
                // The IP is this call's argument, not the client's: an error here, as for a URL.
                throw new InvalidIpException((string) $verdict->message, 'INVALID_IP', null,
                    $this->ffi->ST_ERR_INVALID_IP);
            }
            return $verdict;
        }
        [$o, $keep] = $this->verifyOptions($ip, $now, $kind);
        $r = $this->ffi->new('st_verify_result');
        $rPtr = FFI::addr($r);
        $message = $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_signer_verify(
            $this->handle, $url, \strlen($url), $o, $rPtr, $buf, $cap, $this->outLenPtr));
        unset($keep);
        return $this->verdict($r->verdict, $r->http_status, $r->expires, $r->key_index,
            $this->ffi->st_reason_str($r->reason), $message);
    }

    /**
     * Judges what a server received: the request target of the request line as bytes
     * (`$_SERVER['REQUEST_URI']`), origin-form (`/path?query`; a leading `//` is part of the
     * path, as nginx reads it) or absolute-form (`http://host/path?query`). Never throws on
     * what a client sent: raw non-UTF-8 bytes, a bad escape, a raw space or a target over
     * nginx's length limit are verdicts (400/403/414, as nginx answers), as is a malformed
     * `$ip`. Only a bad `$kind` (a programmer's argument) throws.
     *
     * @param string $kind `file`, `directory`, `mp4` or `stream`.
     * @throws InvalidArgumentException for an unknown `$kind`.
     */
    public function verifyRequest(
        string $target,
        ?string $ip = null,
        int|\DateTimeInterface|null $now = null,
        string $kind = 'file',
    ): Verdict {
        [$o, $keep] = $this->verifyOptions($ip, $now, $kind);
        $v = $this->ffi->new('st_verdict');
        $this->check($this->ffi->st_signer_verify_request($this->handle, $target, \strlen($target),
            $o, FFI::addr($v)));
        unset($keep);
        return $this->verdict($v->status, $v->http_status, $v->expires, $v->key_index,
            $v->reason === null ? '' : FFI::string($v->reason), FFI::string($v->message));
    }

    /**
     * The Verdict of both verify calls, every field as the C library gives it: `expires` and
     * `key_index` only when the token matched (key_index >= 0), the reason code and message
     * only when there is one (the library gives '' otherwise).
     */
    private function verdict(int $status, int $http, int $expires, int $keyIndex, string $reason,
        string $message): Verdict
    {
        $matched = $keyIndex >= 0;
        return new Verdict(
            match ($status) {
                $this->ffi->ST_VERDICT_VALID => Verdict::VALID,
                $this->ffi->ST_VERDICT_EXPIRED => Verdict::EXPIRED,
                default => Verdict::INVALID,
            },
            $http,
            $matched ? $expires : null,
            $matched ? $keyIndex : null,
            $reason === '' ? null : $reason,
            $message === '' ? null : $message,
        );
    }

    /**
     * Shows what the edge hashes for `$url` and the token the signing key gives (the key
     * appears as `***`). The expiry is the link's own, else `$expires`.
     *
     * @throws SecureTokenException
     */
    public function explain(
        string $url,
        ?string $ip = null,
        string $kind = 'file',
        int|\DateTimeInterface|null $expires = null,
    ): Explanation {
        $o = $this->ffi->new('st_explain_options');
        $keep = Library::str($o->ip, $ip);
        $o->kind = self::$kinds[$kind] ?? $this->parseKind($kind);
        $o->expires = $expires === null ? 0 : self::expiry('expires', $expires);
        $e = $this->ffi->new('st_explanation*');
        $status = $this->ffi->st_signer_explain($this->handle, $url, strlen($url), FFI::addr($o),
            FFI::addr($e));
        unset($keep);
        if ($status !== self::OK) {
            $this->fail($status);
        }
        try {
            $info = $this->ffi->new('st_explain_info');
            $this->check($this->ffi->st_explanation_info($e, FFI::addr($info)));
            $f = [];
            for ($field = 0; $field <= 5; $field++) {
                $f[] = $this->output(fn (CData $buf, int $cap): int => $this->ffi->st_explanation_get(
                    $e, $field, $buf, $cap, $this->outLenPtr));
            }
        } finally {
            $this->ffi->st_explanation_free($e);
        }
        return new Explanation(
            $this->ffi->st_token_kind_str($info->kind),
            $f[0],
            $f[1],
            $info->has_ip ? $f[2] : null,
            $f[3],
            $f[4],
            $info->has_found_token ? $f[5] : null,
            $info->matches < 0 ? null : $info->matches === 1,
        );
    }

    /** @internal The C signer, for {@see TokenRefresh}. */
    public function native(): CData
    {
        return $this->handle;
    }

    /** @return array{keys: int} Never the key. */
    public function __debugInfo(): array
    {
        return ['keys' => $this->keyCount];
    }

    public function __clone()
    {
        // The copy shares the C handle: it must not free it when it is destroyed.
        unset($this->handle);
        throw new \LogicException('a CdnSecureToken\Signer cannot be cloned; share the instance');
    }

    public function __serialize(): array
    {
        throw new \LogicException('a CdnSecureToken\Signer cannot be serialized');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a CdnSecureToken\Signer cannot be unserialized');
    }

    // ---------------------------------------------------------------------------------------

    /**
     * Unix seconds of an expiry option. The C ABI reads 0 as "not given", so a 0 from the
     * caller is refused here, by name, as the other faces refuse it: the one check PHP makes
     * that the core also makes. It stays until a major release changes st_sign_options (an
     * explicit "given" flag, or NULL-able fields) so that the core sees the 0 and refuses it.
     */
    private static function expiry(string $field, int|\DateTimeInterface $t): int
    {
        $seconds = \is_int($t) ? $t : $t->getTimestamp();
        if ($seconds === 0) {
            throw new InvalidExpiryException(match ($field) {
                'ttl' => 'ttl (lifetime) must be a positive number of seconds, got 0',
                'expires' => 'expires must be a positive Unix time in seconds, got 0',
                default => "$field must be a Unix time other than 0 (leave it out for the system clock)",
            }, 'INVALID_EXPIRY', null, self::INVALID_EXPIRY);
        }
        return $seconds;
    }

    /**
     * Fills the reused st_sign_options. The C copies of its strings stay in the object until
     * a call gives a different value, so a repeated IP costs no allocation.
     */
    private function setOptions(
        int|\DateTimeInterface|null $expires,
        ?int $ttl,
        ?string $ip,
        string $kind,
        ?string $speed,
        ?string $buffer,
        int|\DateTimeInterface|null $now,
    ): void {
        $o = $this->opts;
        $o->expires = $expires === null ? 0 : self::expiry('expires', $expires);
        $o->ttl = $ttl === null ? 0 : self::expiry('ttl', $ttl);
        $o->kind = self::$kinds[$kind] ?? $this->parseKind($kind);
        $o->now = $now === null ? 0 : self::expiry('now', $now);
        if ($ip !== $this->optionText['ip']) {
            $this->optionMemory['ip'] = Library::str($o->ip, $ip);
            $this->optionText['ip'] = $ip;
        }
        if ($speed !== $this->optionText['speed']) {
            $this->optionMemory['speed'] = Library::str($o->speed, $speed);
            $this->optionText['speed'] = $speed;
        }
        if ($buffer !== $this->optionText['buffer']) {
            $this->optionMemory['buffer'] = Library::str($o->buffer, $buffer);
            $this->optionText['buffer'] = $buffer;
        }
    }

    /**
     * The st_verify_options of a verify call (a pointer to it) and what that pointer needs
     * alive until the call returns (the struct and the C copy of the IP).
     *
     * @return array{CData, array{CData, ?CData}}
     */
    private function verifyOptions(?string $ip, int|\DateTimeInterface|null $now, string $kind): array
    {
        $o = $this->ffi->new('st_verify_options');
        $keep = Library::str($o->ip, $ip);
        $o->now = $now === null ? 0 : self::expiry('now', $now);
        $o->kind = self::$kinds[$kind] ?? $this->parseKind($kind);
        return [FFI::addr($o), [$o, $keep]];
    }

    /**
     * Throws the TypeError for the first item of `$urls` that is not a string.
     *
     * @param array<array-key, mixed> $urls
     */
    private function failType(array $urls): never
    {
        foreach ($urls as $key => $url) {
            if (!\is_string($url)) {
                throw new \TypeError("signMany(): item $key must be a string, "
                    . get_debug_type($url) . ' given');
            }
        }
        throw new \LogicException('failType(): every item is a string');
    }

    /**
     * Throws the error of the first URL of `$urls` that cannot be signed (with the options
     * already set), as a batch call would: the slow path of a batch the joined call cannot take.
     *
     * @param array<array-key, string> $urls
     */
    private function failFirst(array $urls): never
    {
        foreach ($urls as $key => $url) {
            $status = $this->ffi->st_signer_sign_url($this->handle, $url, strlen($url),
                $this->optsPtr, null, 0, $this->outLenPtr);
            if ($status !== self::OK && $status !== self::BUFFER_TOO_SMALL) {
                $this->fail($status, $key);
            }
        }
        // Not reached: the core refuses URLs holding a control character.
        throw new \LogicException('failFirst(): a URL holds a newline and the core signed it');
    }

    /**
     * The one grow-and-retry of every call that writes into the reused output buffer:
     * `$call($buf, $cap)` makes the C call (which sets `outLen`); when the library answers
     * ST_ERR_BUFFER_TOO_SMALL with the size it needs, the buffer grows and the call runs once
     * more. Returns the output; throws the library's error (`$failedKey` names a batch item,
     * `$failedLine` a manifest line). Also {@see TokenRefresh}'s (`$call` gets the `size_t *`
     * for the length as a third argument).
     *
     * @internal
     * @param \Closure(CData, int, CData): int $call
     * @param (\Closure(): (int|string|null))|null $failedKey
     * @param (\Closure(): int)|null $failedLine
     */
    public function output(\Closure $call, ?\Closure $failedKey = null, ?\Closure $failedLine = null): string
    {
        $status = $call($this->buf, $this->cap, $this->outLenPtr);
        if ($status === self::BUFFER_TOO_SMALL) {
            $this->grow($this->outLen->cdata + 1);
            $status = $call($this->buf, $this->cap, $this->outLenPtr);
        }
        if ($status !== self::OK) {
            $this->fail($status, $failedKey === null ? null : $failedKey(),
                $failedLine === null ? null : $failedLine());
        }
        return FFI::string($this->buf, $this->outLen->cdata);
    }

    private function grow(int $cap): void
    {
        $this->buf = FFI::new("char[$cap]");
        $this->cap = $cap;
    }

    private function parseKind(string $kind): int
    {
        $out = $this->ffi->new('st_token_kind');
        $this->check($this->ffi->st_token_kind_parse($kind, strlen($kind), FFI::addr($out)));
        return self::$kinds[$kind] = $out->cdata;
    }

    private function parseOutside(string $outside): int
    {
        $out = $this->ffi->new('st_outside');
        $this->check($this->ffi->st_outside_parse($outside, strlen($outside), FFI::addr($out)));
        return self::$outsides[$outside] = $out->cdata;
    }

    private function parseStreamKind(string $stream): int
    {
        $out = $this->ffi->new('st_stream_kind');
        $this->check($this->ffi->st_stream_kind_parse($stream, strlen($stream), FFI::addr($out)));
        return self::$streamKinds[$stream] = $out->cdata;
    }

    /** @internal Throws the library's error for a status other than ST_OK. */
    public function check(int $status): void
    {
        if ($status !== self::OK) {
            $this->fail($status);
        }
    }

    private function fail(int $status, int|string|null $index = null, ?int $line = null): never
    {
        $ffi = $this->ffi;
        $message = $this->output(fn (CData $buf, int $cap): int => $ffi->st_last_error($buf, $cap,
            $this->outLenPtr));
        if ($message === '') {
            $message = $ffi->st_status_str($status);
        }
        $code = $ffi->st_status_code($status);
        if ($index !== null) {
            // As the core words a batch error.
            $message = "item $index: $message";
        }
        throw match ($status) {
            $ffi->ST_ERR_INVALID_KEY => new InvalidKeyException($message, $code, $index, $status, $line),
            $ffi->ST_ERR_INVALID_PATH => new InvalidPathException($message, $code, $index, $status, $line),
            $ffi->ST_ERR_INVALID_IP => new InvalidIpException($message, $code, $index, $status, $line),
            $ffi->ST_ERR_INVALID_EXPIRY => new InvalidExpiryException($message, $code, $index, $status, $line),
            $ffi->ST_ERR_INVALID_URL => new InvalidUrlException($message, $code, $index, $status, $line),
            $ffi->ST_ERR_INVALID_ARGUMENT => new InvalidArgumentException($message, $code, $index, $status, $line),
            $ffi->ST_ERR_INVALID_UTF8 => new InvalidEncodingException($message, $code, $index, $status, $line),
            default => new LibraryException("cdn-secure-token: $code: $message", $status),
        };
    }
}
