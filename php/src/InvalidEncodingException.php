<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** A string argument is not valid UTF-8. */
final class InvalidEncodingException extends SecureTokenException
{
}
