<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** What the edge hashes for a link, for debugging 403s. The key is shown as `***`. */
final class Explanation
{
    /**
     * @param string $kind Token kind explained (`file`, `directory`, `mp4`, `stream`).
     * @param string $hashedPath Decoded, normalized path that is hashed (stream: `{account}_{id}`).
     * @param string $expires Expires text that is hashed.
     * @param string|null $ip Canonical client IP that is hashed.
     * @param string $stringToSign The exact string-to-sign with the key replaced by `***`.
     * @param string $expectedToken The token the signing key gives.
     * @param string|null $foundToken The token in the link.
     * @param bool|null $matches Whether the found token matches (null without one).
     */
    public function __construct(
        public readonly string $kind,
        public readonly string $hashedPath,
        public readonly string $expires,
        public readonly ?string $ip,
        public readonly string $stringToSign,
        public readonly string $expectedToken,
        public readonly ?string $foundToken,
        public readonly ?bool $matches,
    ) {
    }
}
