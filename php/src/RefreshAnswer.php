<?php

declare(strict_types=1);

namespace CdnSecureToken;

/** An answer of {@see TokenRefresh}: the HTTP status, the headers and the JSON body. */
final class RefreshAnswer
{
    /**
     * @param int $status 200, 400, 403, 405 (500 when the configured links cannot be signed).
     * @param array<string, string> $headers `Content-Type: application/json`,
     *     `Cache-Control: no-store` (and `Allow` on 405).
     * @param string $body The contract's JSON, or `{"error": CODE, "message": TEXT}`.
     */
    public function __construct(
        public readonly int $status,
        public readonly array $headers,
        public readonly string $body,
    ) {
    }

    /** Sends it from plain PHP (any SAPI): status, headers, body. */
    public function send(): void
    {
        http_response_code($this->status);
        foreach ($this->headers as $name => $value) {
            header("$name: $value");
        }
        echo $this->body;
    }
}
