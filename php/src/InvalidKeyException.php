<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** The key is unusable (empty, shorter than 6 or longer than 255 bytes, control characters, not UTF-8). */
final class InvalidKeyException extends SecureTokenException
{
}
