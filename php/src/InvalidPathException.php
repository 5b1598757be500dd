<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** The URL path cannot be hashed as the edge would (bad % escape, %00, '..' above the root, too long). */
final class InvalidPathException extends SecureTokenException
{
}
