<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** The URL as a whole is malformed. */
final class InvalidUrlException extends SecureTokenException
{
}
