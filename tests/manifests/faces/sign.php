<?php
// php sign.php URL EXPIRES KIND OUTSIDE OTHER_HOSTS IP|- < manifest: the PHP face's
// signManifest (key from CDN_SECURE_TOKEN_KEY); on failure the message on stderr, exit 3.
declare(strict_types=1);
require dirname(__DIR__, 3) . '/php/tests/bootstrap.php';
[, $url, $expires, $kind, $outside, $others, $ip] = $argv;
$s = new CdnSecureToken\Signer(getenv('CDN_SECURE_TOKEN_KEY'));
try {
    echo $s->signManifest(stream_get_contents(STDIN), $url, expires: (int) $expires, kind: $kind,
        outside: $outside, otherHosts: $others === '1', ip: $ip === '-' ? null : $ip);
} catch (CdnSecureToken\SecureTokenException $e) {
    fwrite(STDERR, "line {$e->manifestLine}: {$e->getMessage()}\n");
    exit(3);
}
