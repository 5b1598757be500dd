<?php

declare(strict_types=1);

namespace CdnSecureToken;

/**
 * What a player asked the token-refresh endpoint for, as the authorization hook of
 * {@see TokenRefresh} sees it before anything is signed. Every value is the library's reading
 * of the request.
 */
final class RefreshAsk
{
    /**
     * @param string $video The video slug or live stream id.
     * @param string $type `vod` or `live`.
     * @param int $expires The absolute expiry that will be signed (Unix seconds).
     * @param string $clientIp The address the IP-bound token will be bound to.
     */
    public function __construct(
        public readonly string $video,
        public readonly string $type,
        public readonly int $expires,
        public readonly string $clientIp,
    ) {
    }
}
