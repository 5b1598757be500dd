<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** A token with the expiry (Unix seconds) it was made for. */
final class SignedToken
{
    public function __construct(
        public readonly string $token,
        public readonly int $expires,
    ) {
    }

    public function __toString(): string
    {
        return $this->token;
    }
}
