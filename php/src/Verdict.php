<?php

declare(strict_types=1);

namespace CdnSecureToken;

/**
 * The edge's answer to a request: valid (200), expired (410) or invalid (403; 400 or 414 for a
 * request nginx refuses before any token check). Every field is read from the C library, the
 * same fields every face of cdn-secure-token has.
 */
final class Verdict
{
    public const VALID = 'valid';
    public const EXPIRED = 'expired';
    public const INVALID = 'invalid';

    /**
     * @param string $status `valid`, `expired` or `invalid`.
     * @param int $httpStatus 200, 410, 403, 400 or 414.
     * @param int|null $expires The link's expiry when the token matched.
     * @param int|null $keyIndex Which key matched (0 = the signing key).
     * @param string|null $reason Stable code (`expired`, `mismatch`, `malformed_token`,
     *   `bad_request`, `uri_too_long`, ...); null when valid.
     * @param string|null $message Human-readable reason (null when valid).
     */
    public function __construct(
        public readonly string $status,
        public readonly int $httpStatus,
        public readonly ?int $expires,
        public readonly ?int $keyIndex,
        public readonly ?string $reason,
        public readonly ?string $message,
    ) {
    }

    public function isValid(): bool
    {
        return $this->status === self::VALID;
    }

    public function isExpired(): bool
    {
        return $this->status === self::EXPIRED;
    }
}
