<?php

declare(strict_types=1);

namespace App;

use CdnSecureToken\Signer;
use CdnSecureToken\Verdict;

/**
 * Middleware in the shape of Laravel's and Symfony's (`handle($request, $next)`): lets a
 * request through only when its request target carries a valid token, and answers the others
 * as the CDN edge would (403 bad token, 410 expired, 400/414 where nginx answers so).
 *
 * `$request` is the server array (`$_SERVER`): the target judged is `REQUEST_URI`, the bytes
 * of the request line, through {@see Signer::verifyRequest()}. In Laravel pass
 * `$request->server->all()`, in Symfony `$request->server->all()` too.
 */
final class SecureLinkMiddleware
{
    /**
     * @param string $kind Token kind the location uses (`file`, `directory`, `mp4`, `stream`).
     * @param bool $bindIp Tokens are bound to the client IP (`REMOTE_ADDR`).
     */
    public function __construct(
        private readonly Signer $signer,
        private readonly string $kind = 'file',
        private readonly bool $bindIp = false,
    ) {
    }

    /**
     * @param array<string, mixed> $request
     * @param \Closure(array<string, mixed>, Verdict): void $next
     */
    public function handle(array $request, \Closure $next): void
    {
        $target = $request['REQUEST_URI'] ?? '';
        $target = \is_string($target) ? $target : '';
        if (str_starts_with($target, '?')) {
            // nginx's REQUEST_URI ($request_uri) of an absolute-form request without a path
            // (`GET http://host?query`): nginx reads the path as `/`.
            $target = '/' . $target;
        }
        $ip = $this->bindIp ? ($request['REMOTE_ADDR'] ?? '') : null;
        $verdict = $this->signer->verifyRequest($target, ip: \is_string($ip) ? $ip : null,
            kind: $this->kind);
        if (!$verdict->isValid()) {
            http_response_code($verdict->httpStatus);
            header('Content-Type: text/plain; charset=utf-8');
            echo $verdict->reason ?? $verdict->status, "\n";
            return;
        }
        $next($request, $verdict);
    }
}
