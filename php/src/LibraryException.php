<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** The C library cannot be loaded, or reported an internal error. */
final class LibraryException extends \RuntimeException
{
}
