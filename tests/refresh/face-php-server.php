<?php
// The PHP face under test: CdnSecureToken\TokenRefresh as plain PHP (`respond()`, i.e.
// `fromGlobals()` over $_SERVER) at /api/token, under the real `php -S` with PHP's default
// ffi.enable=preload and the documented opcache.preload line (tests/refresh/test.sh).
// TRUST_LOOPBACK=1 trusts 127.0.0.1 as a proxy. The hook denies the video `denied`.
//   php face-php-server.php checks   prints ok / not ok lines for what needs no server.
declare(strict_types=1);

require __DIR__ . '/../../php/tests/bootstrap.php';

use CdnSecureToken\InvalidArgumentException;
use CdnSecureToken\RefreshAsk;
use CdnSecureToken\Signer;
use CdnSecureToken\TokenRefresh;

function refresh(mixed $authorize, array $more = []): TokenRefresh
{
    return new TokenRefresh(...['signer' => new Signer('my-cdn-key'), 'account' => 12345,
        'cdnUrl' => 'https://cdn.example.com', 'authorize' => $authorize,
        'cdnIpUrl' => 'https://cdn-ip.example.com', 'maxLifetime' => 120, ...$more]);
}

if (PHP_SAPI === 'cli') {
    // A check that throws is a failure too, never a missing line.
    set_exception_handler(static function (\Throwable $e): void {
        echo 'not ok - php checks stopped by ', get_class($e), ': ', $e->getMessage(), "\n";
        exit(1);
    });
    $say = static fn (bool $ok, string $what) => print(($ok ? 'ok' : 'not ok') . " - php $what\n");
    foreach (['no hook' => [], 'a null hook' => ['authorize' => null], 'a hook that is not callable' => ['authorize' => true]] as $what => $args) {
        $err = null;
        try {
            new TokenRefresh(...['signer' => new Signer('my-cdn-key'), 'account' => 12345,
                'cdnUrl' => 'https://cdn.example.com', ...$args]);
        } catch (InvalidArgumentException $e) {
            $err = $e;
        }
        $say($err !== null && $err->errorCode === 'INVALID_ARGUMENT' && str_contains($err->getMessage(), 'authorize'),
            "TokenRefresh refuses to be built with $what");
    }
    $seen = null;
    $r = refresh(static function (mixed $request, RefreshAsk $ask) use (&$seen): int {
        $seen = [$request, $ask];
        return 1; // truthy, but not true: denied
    });
    $a = $r->handle('GET', 'video=abc&type=live&expire=30', '203.0.113.42', [], 'the request');
    $say($a->status === 403 && json_decode($a->body, true) === ['error' => 'forbidden', 'message' => 'not authorized for this video']
        && !str_contains($a->body, 'token'), 'a hook answering 1 (not true) is a denial: 403, nothing signed');
    $say($seen !== null && $seen[0] === 'the request' && $seen[1]->video === 'abc' && $seen[1]->type === 'live'
        && $seen[1]->clientIp === '203.0.113.42' && abs($seen[1]->expires - time() - 30) <= 2,
        'the hook receives the request and the ask (video, type, expires, client IP) before anything is signed');
    $called = false;
    $a = refresh(static function () use (&$called): bool { return $called = true; })
        ->handle('GET', 'video=../x', '203.0.113.42');
    $say($a->status === 400 && !$called, 'a bad query is refused before the hook is asked');
    $a = refresh(static fn (): bool => true, ['trustedProxies' => ['10.0.0.0/8']])->fromGlobals([
        'REQUEST_METHOD' => 'GET', 'QUERY_STRING' => 'video=abc', 'REMOTE_ADDR' => '10.1.2.3',
        'HTTP_X_FORWARDED_FOR' => '6.6.6.6, 198.51.100.7']);
    $say($a->status === 200 && json_decode($a->body, true)['client_ip'] === '198.51.100.7'
        && $a->headers === ['Content-Type' => 'application/json', 'Cache-Control' => 'no-store'],
        'fromGlobals: X-Forwarded-For from a trusted proxy, the contract headers');
    $trusting = refresh(static fn (): bool => true, ['trustedProxies' => ['127.0.0.1']]);
    $a = $trusting->handle('GET', 'video=abc', '127.0.0.1', ['X-Forwarded-For' => "1.2.3.4\xff"]);
    $b = $trusting->handle("G\xffT", 'video=abc', '127.0.0.1');
    $say($a->status === 400 && json_decode($a->body, true)['error'] === 'bad_client_ip' && $b->status === 405,
        'bytes that are not UTF-8 in a header or the method are refusals, not exceptions');
    $err = null;
    try {
        refresh(static fn (): bool => true, ['trustedProxies' => ['not-a-network']]);
    } catch (\CdnSecureToken\SecureTokenException $e) {
        $err = $e;
    }
    $say($err !== null, 'a malformed trusted proxy is refused at construction');
    exit(0);
}

if (parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) !== '/api/token') {
    http_response_code(404);
    return;
}
refresh(static fn (mixed $server, RefreshAsk $ask): bool => $ask->video !== 'denied',
    getenv('TRUST_LOOPBACK') === '1' ? ['trustedProxies' => ['127.0.0.1']] : [])->respond();
