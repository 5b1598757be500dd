<?php

declare(strict_types=1);

namespace CdnSecureToken;

/**
 * Base class of every error about an argument (key, URL, path, client IP, expiry, ...).
 * `errorCode` is the identifier shared by every face of cdn-secure-token (`INVALID_PATH`, ...);
 * the message never contains the key.
 */
class SecureTokenException extends \InvalidArgumentException
{
    /**
     * @param string $errorCode Stable identifier, e.g. `INVALID_PATH`.
     * @param int|string|null $index For batches: the key of the failing URL in the input array.
     * @param int|null $manifestLine For manifests ({@see Signer::signManifest()}): the 1-based line of
     *     the problem, 0 for the manifest as a whole, its URL or the options.
     */
    public function __construct(
        string $message,
        public readonly string $errorCode,
        public readonly int|string|null $index = null,
        int $status = 0,
        public readonly ?int $manifestLine = null,
    ) {
        parent::__construct($message, $status);
    }
}
