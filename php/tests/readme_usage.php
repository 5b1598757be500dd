<?php

declare(strict_types=1);

// The usage example of php/README.md, run by php/test.sh (which checks what it prints).

require __DIR__ . '/bootstrap.php';

use CdnSecureToken\Signer;

$signer = new Signer('my-cdn-key');                     // or new Signer($key, verifyKeys: [$old], defaultTtl: 3600)
$url = $signer->signUrl('https://cdn.example.com/photos/summer trip.jpeg', ttl: 3600);
// https://cdn.example.com/photos/summer%20trip.jpeg?md5=...&expires=...

$clientIp = '203.0.113.7';
$signer->signUrl('/video.mp4', expires: new DateTimeImmutable('+1 hour'), ip: $clientIp);
$signer->signUrl('/videos/v1/index.m3u8', ttl: 600, kind: 'directory');
$signer->signUrl('/movie.mp4', ttl: 600, kind: 'mp4', speed: '1m', buffer: '10');
$urls = $signer->signMany(['a' => '/a.jpg', 'b' => '/b.jpg'], ttl: 3600);  // one FFI call; keys are kept
$signer->streamUrl('https://demo.gvideo.io', 'vod', '123', 'abcDEF-1', ttl: 3600);
$signer->token('/photo.jpeg', 2147483647);              // 22-character token for a decoded path
$m3u8 = $signer->signManifest("#EXTM3U\n#EXTINF:4,\nseg-1.ts\n", 'https://cdn.example.com/v/index.m3u8', ttl: 600);
// every URI of an HLS playlist or DASH MPD signed (kind: 'directory', outside: 'keep', otherHosts: true)

// In a server: judge the request target exactly as received.
$_SERVER['REQUEST_URI'] = $signer->signUrl('/photos/a.jpg', ttl: 60);
$verdict = $signer->verifyRequest($_SERVER['REQUEST_URI']);
if (!$verdict->isValid()) {
    http_response_code($verdict->httpStatus);           // 403, 410, 400 or 414, as nginx answers
}
echo $verdict->status, ' ', $verdict->httpStatus, "\n";  // valid 200
echo $signer->verifyRequest('//private' . $_SERVER['REQUEST_URI'])->reason, "\n";  // mismatch
echo $signer->verify($url)->status, "\n";               // valid: a link you hold
echo $signer->explain('/photo.jpeg?md5=x&expires=2147483647')->stringToSign, "\n";  // 2147483647/photo.jpeg ***
