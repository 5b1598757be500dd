<?php

declare(strict_types=1);

/*
 * Test helper behind php-fpm (php/tests/web/stack.sh): signs `path` with the pool's key and
 * answers JSON {url, pid}. `expires` (Unix seconds, may be past) or `ttl`; `n` signers are
 * made and dropped first (the leak test makes many per request).
 */

require __DIR__ . '/../bootstrap.php';

use CdnSecureToken\Signer;

$key = (string) getenv('CDN_SECURE_TOKEN_KEY');
$n = max(0, min(1000, (int) ($_GET['n'] ?? 0)));
for ($i = 0; $i < $n; $i++) {
    $s = new Signer($key, verifyKeys: ['older-key-1'], defaultTtl: 60);
    $s->verifyRequest('/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647', ip: '::1');
    $s->signMany(['/a', '/b c'], ip: '10.0.0.1');
    unset($s);
}
$signer = new Signer($key, allowPastExpiry: true);
$path = (string) ($_GET['path'] ?? '/');
$url = isset($_GET['expires'])
    ? $signer->signUrl($path, expires: (int) $_GET['expires'])
    : $signer->signUrl($path, ttl: (int) ($_GET['ttl'] ?? 600));
header('Content-Type: application/json');
echo json_encode(['url' => $url, 'pid' => getmypid(), 'sapi' => PHP_SAPI,
    'ffi' => ini_get('ffi.enable')], JSON_UNESCAPED_SLASHES), "\n";
