<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** Another argument (token kind, stream kind, account, id, speed, buffer, file) is unusable. */
final class InvalidArgumentException extends SecureTokenException
{
}
