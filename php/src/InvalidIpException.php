<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** The client IP is not a valid IPv4 or IPv6 address. */
final class InvalidIpException extends SecureTokenException
{
}
