<?php

declare(strict_types=1);

namespace SecureToken;

/** A string argument is not valid UTF-8. */
final class InvalidEncodingException extends SecureTokenException
{
}
