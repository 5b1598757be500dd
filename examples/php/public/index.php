<?php

declare(strict_types=1);

/*
 * Front controller: every request to the server comes here. A request with a valid token for
 * its path gets the file under FILES_ROOT; the others get the edge's answer.
 *
 *   FILES_ROOT=/srv/files CDN_SECURE_TOKEN_KEY=... php -S 127.0.0.1:8080 public/index.php
 *
 * Behind nginx (fastcgi_param FILES_ACCEL @files) the file is sent by nginx itself through
 * X-Accel-Redirect to that named location: nginx maps its own $uri to the file, as the edge
 * does. Under php -S the front controller sends it.
 */

require __DIR__ . '/../vendor/autoload.php';

use App\SecureLinkMiddleware;
use CdnSecureToken\Signer;

$root = (string) getenv('FILES_ROOT');
$key = (string) getenv('CDN_SECURE_TOKEN_KEY');
$signer = new Signer($key);
// The token kind of this location (fastcgi_param TOKEN_KIND file|directory|mp4) and whether
// tokens are bound to the client IP (fastcgi_param TOKEN_BIND_IP 1): file tokens by default.
$kind = (string) ($_SERVER['TOKEN_KIND'] ?? 'file');
$bindIp = ($_SERVER['TOKEN_BIND_IP'] ?? '0') === '1';

(new SecureLinkMiddleware($signer, $kind, $bindIp))->handle($_SERVER, static function (array $request) use ($root): void {
    $accel = $request['FILES_ACCEL'] ?? '';
    if (is_string($accel) && $accel !== '') {
        header("X-Accel-Redirect: $accel");
        return;
    }
    send_file($root, (string) $request['REQUEST_URI']);
});

/**
 * Sends the file the request names under $root. Only a target whose decoded path is already
 * in normal form (no `//`, `.` or `..` segments, no NUL) is served: the token was checked for
 * that normal form, so the file sent is the one the token covers.
 */
function send_file(string $root, string $target): void
{
    $path = rawurldecode(explode('?', $target, 2)[0]);
    $normal = str_starts_with($path, '/') && !str_contains($path, '//') && !str_contains($path, "\0")
        && preg_match('#/\.\.?(/|$)#', $path) !== 1;
    $file = $root . $path;
    if (!$normal || !is_file($file)) {
        http_response_code(404);
        header('Content-Type: text/plain; charset=utf-8');
        echo "not found\n";
        return;
    }
    header('Content-Type: ' . (mime_content_type($file) ?: 'application/octet-stream'));
    header('Content-Length: ' . filesize($file));
    readfile($file);
}
