<?php

declare(strict_types=1);

namespace CdnSecureToken;

use FFI;
use FFI\CData;

/**
 * The player token-refresh endpoint (Gcore's "video token API"), usable from any framework:
 * `GET ?video=ID&type=vod|live&expire=N` answered with
 * `{"token", "token_ip", "client_ip", "expires", "url", "url_ip"}`.
 *
 * ```php
 * $refresh = new CdnSecureToken\TokenRefresh(
 *     new CdnSecureToken\Signer('my-cdn-key'),
 *     account: 12345,
 *     cdnUrl: 'https://cdn.example.com',
 *     authorize: fn (mixed $request, CdnSecureToken\RefreshAsk $ask): bool => $ask->video === 'abc',
 * );
 * $refresh->respond(); // plain PHP: reads $_SERVER, sends status, headers and JSON
 * ```
 *
 * The query, the `expire` rule (seconds, or an absolute Unix time), the lifetime cap, the
 * client IP (the peer, or `X-Forwarded-For` / `X-Real-IP` only from a trusted proxy), the JSON
 * and every status and error code are the library's; this class asks the authorization hook
 * in between. Only a hook returning `true` gets anything signed; a denied ask is 403.
 */
final class TokenRefresh
{
    private FFI $ffi;
    private CData $handle;
    private Signer $signer;
    private \Closure $authorize;

    /**
     * @param Signer $signer Its first key signs.
     * @param int|string $account The numeric account (client) id.
     * @param string $cdnUrl `https://host` of the CDN resource (`''`: paths without a host).
     * @param mixed $authorize Required: `callable(mixed $request, RefreshAsk $ask): bool`.
     *     `$request` is what {@see handle()} was given as `$request` (the `$_SERVER` array for
     *     {@see fromGlobals()}). Without a callable the endpoint refuses to be built.
     * @param string|null $cdnIpUrl `https://host` of the IP-bound resource (default `$cdnUrl`).
     * @param int|null $maxLifetime Longest lifetime signed, seconds (default 3600).
     * @param int|null $defaultLifetime Lifetime without `expire` (default 60, cut to the maximum).
     * @param list<string> $trustedProxies Proxies whose forwarding headers are believed
     *     (`10.0.0.0/8`, `127.0.0.1`, `::1`).
     * @throws InvalidArgumentException for a missing hook or a bad setting (named).
     */
    public function __construct(
        Signer $signer,
        int|string $account,
        string $cdnUrl,
        mixed $authorize = null,
        ?string $cdnIpUrl = null,
        ?int $maxLifetime = null,
        ?int $defaultLifetime = null,
        array $trustedProxies = [],
    ) {
        if (!\is_callable($authorize)) {
            throw new InvalidArgumentException('authorize must be a callable (request, RefreshAsk) '
                . '-> bool; without an authorization hook the endpoint would sign for anyone',
                'INVALID_ARGUMENT');
        }
        $this->authorize = \Closure::fromCallable($authorize);
        $ffi = $this->ffi = Library::ffi();
        $c = $ffi->new('st_refresh_config');
        $keep = [Library::str($c->account, (string) $account), Library::str($c->cdn_url, $cdnUrl),
            Library::str($c->cdn_ip_url, $cdnIpUrl)];
        // 0 is "not given" at the C ABI; a caller's 0 goes as -1, which the library refuses
        // with its own message, as it refuses any other non-positive lifetime.
        $c->max_lifetime = $maxLifetime === null ? 0 : ($maxLifetime === 0 ? -1 : $maxLifetime);
        $c->default_lifetime = $defaultLifetime === null ? 0 : ($defaultLifetime === 0 ? -1 : $defaultLifetime);
        $n = \count($trustedProxies);
        if ($n > 0) {
            $list = $ffi->new("st_str[$n]");
            foreach (array_values($trustedProxies) as $i => $net) {
                if (!\is_string($net)) {
                    throw new \TypeError('trustedProxies must be a list of strings');
                }
                $keep[] = Library::str($list[$i], $net);
            }
            $c->trusted_proxies = FFI::addr($list[0]);
            $c->trusted_proxies_count = $n;
        }
        $handle = $ffi->new('st_refresh*');
        $signer->check($ffi->st_refresh_new($signer->native(), FFI::addr($c), FFI::addr($handle)));
        unset($keep);
        $this->handle = $handle;
        $this->signer = $signer;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->st_refresh_free($this->handle);
        }
    }

    /**
     * The answer to one request. `$query` is the raw query string (`$_SERVER['QUERY_STRING']`),
     * `$peerIp` the connection's address (`$_SERVER['REMOTE_ADDR']`), `$headers` the request
     * headers (`name => value` or `name => [values]`, names in any case; only
     * `X-Forwarded-For` and `X-Real-IP` are read). Never throws for what a client sent.
     *
     * @param array<string, string|list<string>> $headers
     * @param mixed $request Handed to the authorization hook (a framework's request object).
     */
    public function handle(string $method, string $query, string $peerIp, array $headers = [],
        mixed $request = null): RefreshAnswer
    {
        $ffi = $this->ffi;
        $r = $ffi->new('st_refresh_request');
        $forwarded = [];
        $realIp = null;
        foreach ($headers as $name => $value) {
            $name = strtolower((string) $name);
            if ($name === 'x-forwarded-for') {
                array_push($forwarded, ...(array) $value);
            } elseif ($name === 'x-real-ip' && $realIp === null) {
                $realIp = (string) (\is_array($value) ? reset($value) : $value);
            }
        }
        $keep = [Library::str($r->method, $method), Library::str($r->query, $query),
            Library::str($r->peer, $peerIp),
            Library::str($r->forwarded_for, $forwarded === [] ? null : implode(',', $forwarded)),
            Library::str($r->real_ip, $realIp)];
        $ask = $ffi->new('st_refresh_ask*');
        $this->signer->check($ffi->st_refresh_prepare($this->handle, FFI::addr($r), FFI::addr($ask)));
        unset($keep);
        try {
            $info = $ffi->new('st_refresh_info');
            $this->signer->check($ffi->st_refresh_ask_info($ask, FFI::addr($info)));
            $allowed = false;
            if (!$info->refused) {
                $seen = new RefreshAsk(
                    FFI::string($info->video->ptr, $info->video->len),
                    FFI::string($info->type_->ptr, $info->type_->len),
                    $info->expires,
                    FFI::string($info->client_ip->ptr, $info->client_ip->len),
                );
                $allowed = ($this->authorize)($request, $seen) === true;
            }
            $a = $ffi->new('st_refresh_answer');
            $body = $this->signer->output(fn (CData $buf, int $cap, CData $len): int =>
                $ffi->st_refresh_respond($this->handle, $ask, $allowed, FFI::addr($a), $buf, $cap, $len));
        } finally {
            $ffi->st_refresh_ask_free($ask);
        }
        $out = [];
        foreach (explode("\n", FFI::string($a->headers)) as $line) {
            [$name, $value] = explode(': ', $line, 2);
            $out[$name] = $value;
        }
        return new RefreshAnswer($a->http_status, $out, $body);
    }

    /**
     * {@see handle()} with the values of `$server` (default `$_SERVER`): `REQUEST_METHOD`,
     * `QUERY_STRING`, `REMOTE_ADDR`, `HTTP_X_FORWARDED_FOR`, `HTTP_X_REAL_IP`. The hook's
     * `$request` is `$server`.
     *
     * @param array<string, mixed>|null $server
     */
    public function fromGlobals(?array $server = null): RefreshAnswer
    {
        $s = $server ?? $_SERVER;
        $text = static fn (string $k): ?string => isset($s[$k]) && \is_string($s[$k]) ? $s[$k] : null;
        $headers = [];
        if (($v = $text('HTTP_X_FORWARDED_FOR')) !== null) {
            $headers['X-Forwarded-For'] = $v;
        }
        if (($v = $text('HTTP_X_REAL_IP')) !== null) {
            $headers['X-Real-IP'] = $v;
        }
        return $this->handle($text('REQUEST_METHOD') ?? 'GET', $text('QUERY_STRING') ?? '',
            $text('REMOTE_ADDR') ?? '', $headers, $s);
    }

    /** Plain PHP: answers the current request ({@see fromGlobals()}) and sends it. */
    public function respond(): void
    {
        $this->fromGlobals()->send();
    }

    public function __clone()
    {
        unset($this->handle);
        throw new \LogicException('a CdnSecureToken\TokenRefresh cannot be cloned; share the instance');
    }
}
