<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** The expiry or lifetime is unusable (missing, not positive, milliseconds, in the past, both given). */
final class InvalidExpiryException extends SecureTokenException
{
}
