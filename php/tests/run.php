<?php

declare(strict_types=1);

/*
 * PHP tests of CdnSecureToken\Signer over the real library: every shared vector, bad input, a
 * differential test against the vendor's PHP template over random ASCII inputs, memory
 * release, and (when EDGE_ENV names a running tests/nginx/edge.sh) URLs signed here checked by
 * a real nginx. Usage: php tests/run.php (php/test.sh sets CDN_SECURE_TOKEN_LIB and EDGE_ENV).
 */

require __DIR__ . '/bootstrap.php';

use CdnSecureToken\Explanation;
use CdnSecureToken\InvalidArgumentException;
use CdnSecureToken\InvalidEncodingException;
use CdnSecureToken\InvalidExpiryException;
use CdnSecureToken\InvalidIpException;
use CdnSecureToken\InvalidKeyException;
use CdnSecureToken\InvalidPathException;
use CdnSecureToken\InvalidUrlException;
use CdnSecureToken\SecureTokenException;
use CdnSecureToken\Signer;
use CdnSecureToken\Verdict;

const NOW = 1700000000;
const FAR = 2147483647;

// ---------------------------------------------------------------------------------------
// Shared vectors.

foreach (vectors('sign') as $v) {
    T::run("sign vector: {$v['name']}", function () use ($v): void {
        $s = new Signer($v['key']);
        $opts = [
            'expires' => $v['expires'], 'ttl' => $v['ttl'], 'ip' => $v['ip'], 'kind' => $v['kind'],
            'speed' => $v['speed'], 'buffer' => $v['buffer'], 'now' => $v['now'],
        ];
        T::eq($v['signed_url'], $s->signUrl($v['url'], ...$opts), 'signUrl');
        T::eq([$v['signed_url'], $v['signed_url']], $s->signMany([$v['url'], $v['url']], ...$opts), 'signMany');
        $e = $s->explain($v['signed_url'], ip: $v['ip'], kind: $v['kind']);
        T::eq($v['explained'], $e->stringToSign, 'explain stringToSign');
        T::eq($v['token'], $e->expectedToken, 'explain expectedToken');
        T::eq($v['token'], $e->foundToken, 'explain foundToken');
        T::eq(true, $e->matches, 'explain matches');
        T::eq($v['kind'], $e->kind, 'explain kind');
        T::true(!str_contains(print_r($e, true), $v['key']), 'explanation shows no key');
        $verdict = $s->verify($v['signed_url'], ip: $v['ip'], now: $v['now'], kind: $v['kind']);
        T::eq(Verdict::VALID, $verdict->status, 'verify');
        if ($v['url'][0] === '/' && strpbrk($v['url'], '%?#') === false) {
            $t = $s->tokenWith($v['url'], ...$opts);
            T::eq($v['token'], $t->token, 'tokenWith');
            T::eq($v['expires'] ?? $v['now'] + $v['ttl'], $t->expires, 'tokenWith expires');
            if ($v['kind'] === 'file' && $v['expires'] !== null) {
                T::eq($v['token'], $s->token($v['url'], $v['expires'], $v['ip']), 'token');
            }
        }
    });
}

foreach (vectors('stream') as $v) {
    T::run("stream vector: {$v['name']}", function () use ($v): void {
        $s = new Signer($v['key']);
        $url = $s->streamUrl($v['base'], $v['stream'], $v['account'], $v['id'], $v['file'],
            expires: $v['expires'], ip: $v['ip'], now: $v['now']);
        T::eq($v['signed_url'], $url, 'streamUrl');
        $t = $s->streamToken($v['account'], $v['id'], expires: $v['expires'], ip: $v['ip'], now: $v['now']);
        T::eq($v['token'], $t->token, 'streamToken');
        T::eq($v['expires'], $t->expires, 'streamToken expires');
        T::eq(200, $s->verify($url, ip: $v['ip'], now: $v['now'], kind: 'stream')->httpStatus, 'verify');
    });
}

foreach (vectors('verify') as $v) {
    T::run("verify vector: {$v['name']}", function () use ($v): void {
        $s = new Signer($v['key'], verifyKeys: $v['verify_keys']);
        T::eq(1 + count($v['verify_keys']), $s->keyCount(), 'keyCount');
        $r = $s->verify($v['url'], ip: $v['ip'], now: $v['now'], kind: $v['kind']);
        T::eq($v['expected'], $r->status, 'status');
        T::eq($v['status'], $r->httpStatus, 'httpStatus');
        T::eq($v['key_index'], $r->keyIndex, 'keyIndex');
        // The shared contract: `reason` is "expired" for an expired link.
        T::eq($v['reason'] ?? ($v['expected'] === 'expired' ? 'expired' : null), $r->reason, 'reason');
        T::eq($v['expected'] === 'valid', $r->isValid(), 'isValid');
        T::eq($v['expected'] === 'expired', $r->isExpired(), 'isExpired');
        T::true(($r->message === null) === ($v['expected'] === 'valid'), 'message only when not valid');
    });
}

foreach (vectors('errors') as $v) {
    T::run("error vector: {$v['name']}", function () use ($v): void {
        $class = [
            'INVALID_KEY' => InvalidKeyException::class,
            'INVALID_PATH' => InvalidPathException::class,
            'INVALID_IP' => InvalidIpException::class,
            'INVALID_EXPIRY' => InvalidExpiryException::class,
            'INVALID_URL' => InvalidUrlException::class,
            'INVALID_ARGUMENT' => InvalidArgumentException::class,
        ][$v['error']];
        $e = T::throws($class, function () use ($v): void {
            $s = new Signer($v['key']);
            match ($v['op']) {
                'sign' => $s->signUrl($v['url'], expires: $v['expires'], ttl: $v['ttl'], ip: $v['ip'],
                    kind: $v['kind'], speed: $v['speed'], buffer: $v['buffer'], now: $v['now']),
                'stream' => $s->streamUrl('', $v['stream'], $v['account'], $v['id'],
                    expires: $v['expires'], ttl: $v['ttl'], ip: $v['ip'], now: $v['now']),
                'verify' => $s->verify($v['url'], ip: $v['ip'], now: $v['now'], kind: $v['kind']),
            };
        });
        if ($e instanceof SecureTokenException) {
            T::eq($v['error'], $e->errorCode, 'errorCode');
            T::true($e instanceof \InvalidArgumentException, 'is an \InvalidArgumentException');
            T::true($e->getMessage() !== '', 'has a message');
            if ($v['key'] !== '') {
                T::true(!str_contains($e->getMessage(), $v['key']), 'message does not contain the key');
                T::true(!str_contains((string) $e, $v['key']), 'string form does not contain the key');
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Bad input and PHP conventions.

T::run('invalid UTF-8 is an InvalidEncodingException', function (): void {
    $s = new Signer('secret-key');
    $e = T::throws(InvalidEncodingException::class, fn () => $s->signUrl("/caf\xC3.jpg", expires: FAR));
    T::eq('INVALID_UTF8', $e?->errorCode, 'errorCode');
    T::throws(InvalidEncodingException::class, fn () => $s->signUrl('/a.jpg', expires: FAR, ip: "1.2.3.\xFF"));
    T::eq(403, $s->verify("/\xFF")->httpStatus, 'a request target is judged, never refused');
    T::throws(InvalidEncodingException::class, fn () => $s->explain("/\xFF", expires: FAR));
    T::throws(InvalidEncodingException::class, fn () => $s->token("/\xFE", FAR));
    T::throws(InvalidEncodingException::class, fn () => $s->streamUrl('', 'vod', '1', "a\xFF", expires: FAR));
    T::throws(InvalidKeyException::class, fn () => new Signer("secret\xFF-key"));
});

T::run('bad kinds and arguments', function (): void {
    $s = new Signer('secret-key');
    T::throws(InvalidArgumentException::class, fn () => $s->signUrl('/a', expires: FAR, kind: 'bogus'));
    T::throws(InvalidArgumentException::class, fn () => $s->signUrl('/a', expires: FAR, kind: 'stream'));
    T::throws(InvalidArgumentException::class, fn () => $s->verify('/a', kind: ''));
    T::throws(InvalidArgumentException::class, fn () => $s->streamUrl('', 'radio', '1', 'a', expires: FAR));
    T::throws(InvalidArgumentException::class, fn () => $s->signUrl('/a', expires: FAR, speed: '1m'));
    T::throws(InvalidExpiryException::class, fn () => $s->signUrl('/a'));
    T::throws(InvalidExpiryException::class, fn () => $s->signUrl('/a', expires: FAR, ttl: 60));
    T::throws(InvalidIpException::class, fn () => $s->signUrl('/a', expires: FAR, ip: '1.2.3'));
    T::throws(InvalidUrlException::class, fn () => $s->signUrl("/a\n", expires: FAR));
    T::throws(InvalidUrlException::class, fn () => $s->signUrl("/a\0b", expires: FAR));
    T::throws(InvalidPathException::class, fn () => $s->signUrl('/a%00', expires: FAR));
    T::throws(InvalidKeyException::class, fn () => new Signer('secret-key', verifyKeys: ['x']));
    T::throws(InvalidExpiryException::class, fn () => new Signer('secret-key', defaultTtl: 0));
    T::throws(\TypeError::class, fn () => new Signer('secret-key', verifyKeys: [123]));
    T::throws(\TypeError::class, fn () => $s->signMany(['/a', 5], expires: FAR));
    // The options are reset between calls: an IP or speed given once does not stick.
    $a = $s->signUrl('/m.mp4', expires: FAR, kind: 'mp4', ip: '1.2.3.4', speed: '1m', buffer: '5');
    $b = $s->signUrl('/m.mp4', expires: FAR, kind: 'mp4');
    T::eq('/m.mp4?md5=' . $s->tokenWith('/m.mp4', expires: FAR, kind: 'mp4')->token . '&expires=' . FAR, $b, 'no stale options');
    T::true($a !== $b, 'options change the token');
});

T::run('DateTimeInterface expiries, defaults and rotation', function (): void {
    $s = new Signer('secret-key');
    $at = new DateTimeImmutable('@' . FAR);
    T::eq($s->signUrl('/a.jpg', expires: FAR), $s->signUrl('/a.jpg', expires: $at), 'DateTimeImmutable');
    T::eq($s->token('/a.jpg', FAR), $s->token('/a.jpg', new DateTime('2038-01-19 03:14:07', new DateTimeZone('UTC'))), 'DateTime');
    $t = $s->tokenWith('/a.jpg', ttl: 60, now: new DateTimeImmutable('@' . NOW));
    T::eq(NOW + 60, $t->expires, 'ttl from DateTimeInterface now');
    $t = $s->tokenWith('/a.jpg', ttl: 60);
    T::true(abs($t->expires - (time() + 60)) <= 2, 'ttl from the system clock');
    $d = new Signer('secret-key', defaultTtl: 300);
    T::eq(NOW + 300, $d->tokenWith('/a.jpg', now: NOW)->expires, 'default ttl');
    T::throws(InvalidExpiryException::class, fn () => $s->signUrl('/a.jpg', expires: NOW - 10, now: NOW));
    $p = new Signer('secret-key', allowPastExpiry: true);
    $old = $p->signUrl('/a.jpg', expires: NOW - 10, now: NOW);
    $v = $p->verify($old, now: new DateTimeImmutable('@' . NOW));
    T::eq(Verdict::EXPIRED, $v->status, 'expired');
    T::eq(410, $v->httpStatus, 'expired status');
    T::eq(NOW - 10, $v->expires, 'expired expires');
    T::true(str_contains((string) $v->message, 'expired'), 'expired message');
    $new = new Signer('new-key-1', verifyKeys: ['old-key-1']);
    $oldSigned = (new Signer('old-key-1'))->signUrl('/r.jpg', expires: FAR);
    T::eq(1, $new->verify($oldSigned, now: NOW)->keyIndex, 'rotation key index');
    T::eq(0, $new->verify($new->signUrl('/r.jpg', expires: FAR), now: NOW)->keyIndex, 'signing key index');
});

T::run('batches: keys kept, failing key reported, growth', function (): void {
    $s = new Signer('secret-key');
    T::eq([], $s->signMany([], expires: FAR), 'empty');
    $in = ['a' => '/a.jpg', 'b' => '/b c.jpg', 7 => 'https://h.example/d?x=1'];
    $out = $s->signMany($in, expires: FAR, ip: '10.0.0.1');
    T::eq(['a', 'b', 7], array_keys($out), 'keys');
    foreach ($in as $k => $u) {
        T::eq($s->signUrl($u, expires: FAR, ip: '10.0.0.1'), $out[$k], "item $k");
    }
    $e = T::throws(InvalidPathException::class, fn () => $s->signMany(['x' => '/ok', 'y' => '/bad%zz', 'z' => '/ok'], expires: FAR));
    T::eq('y', $e?->index, 'failing key');
    T::true(str_starts_with((string) $e?->getMessage(), 'item y: '), 'message names the item');
    $e = T::throws(InvalidEncodingException::class, fn () => $s->signMany(['/ok', '/ok', "/\xFF"], expires: FAR));
    T::eq(2, $e?->index, 'failing index');
    // Long URLs (percent-encoding doubles this one), up to nginx's request-line limit.
    $long = '/' . str_repeat('a b/', 1300) . 'x.jpg';
    $signed = $s->signUrl($long, expires: FAR);
    T::true(strlen($signed) > 7000, 'long URL signed');
    $e = T::throws(InvalidUrlException::class, fn () => $s->signUrl('/' . str_repeat('a b/', 1400) . 'x.jpg', expires: FAR));
    T::true(str_contains((string) $e?->getMessage(), '414'), 'a link nginx would answer 414 to is refused');
    T::eq(Verdict::VALID, $s->verify($signed, now: NOW)->status, 'long URL verifies');
    $many = [];
    for ($i = 0; $i < 5000; $i++) {
        $many[] = "/v/$i/" . str_repeat(' ', $i % 7) . 'f.mp4';
    }
    $out = $s->signMany($many, expires: FAR);
    T::eq(5000, count($out), 'count');
    $bad = 0;
    foreach ([0, 1, 2, 999, 4095, 4096, 4999] as $i) {
        $bad += $out[$i] === $s->signUrl($many[$i], expires: FAR) ? 0 : 1;
    }
    T::eq(0, $bad, 'batch items equal single calls');
    $longs = array_fill(0, 20, $long);
    T::eq(array_fill(0, 20, $signed), $s->signMany($longs, expires: FAR), 'batch of long URLs');
});

T::run('batches: bad items reported at their own key', function (): void {
    $s = new Signer('secret-key');
    // The URLs travel as one newline-separated string: a URL holding a newline is refused
    // as a signUrl call refuses it, at its own key, never split into two URLs.
    foreach (["/a\n/b", "/a\n", "\n/a", "\n", "/a?x=1\n2"] as $nl) {
        $e = T::throws(InvalidUrlException::class, fn () => $s->signMany(['/ok', 'k' => $nl, '/ok2'], expires: FAR), json_encode($nl));
        T::eq('k', $e?->index, 'newline: failing key');
        T::eq('INVALID_URL', $e?->errorCode, 'newline: code');
        T::true(str_starts_with((string) $e?->getMessage(), 'item k: '), 'newline: message names the item');
        T::true(str_contains((string) $e?->getMessage(), 'control character'), 'newline: message says why');
    }
    // An earlier bad URL is still the one reported, as in any batch.
    $e = T::throws(InvalidPathException::class, fn () => $s->signMany(['/ok', '/bad%zz', "/a\n", '/ok'], expires: FAR));
    T::eq(1, $e?->index, 'first failure wins over a later newline');
    // Other control characters go through the joined call and come back at their index.
    $e = T::throws(InvalidUrlException::class, fn () => $s->signMany(['/ok', '/ok', "/a\r", '/ok'], expires: FAR));
    T::eq(2, $e?->index, 'carriage return: index');
    $e = T::throws(InvalidUrlException::class, fn () => $s->signMany(['/ok', "/a\0b"], expires: FAR));
    T::eq(1, $e?->index, 'NUL: index');
    // Empty URLs, first and last.
    $e = T::throws(InvalidUrlException::class, fn () => $s->signMany(['', '/ok'], expires: FAR));
    T::eq(0, $e?->index, 'empty first');
    $e = T::throws(InvalidUrlException::class, fn () => $s->signMany(['/ok', '/ok', ''], expires: FAR));
    T::eq(2, $e?->index, 'empty last');
    $e = T::throws(InvalidUrlException::class, fn () => $s->signMany([''], expires: FAR));
    T::eq(0, $e?->index, 'only an empty URL');
    // Bad UTF-8 past the first URL, bad path in a large batch, bad options (first key).
    $e = T::throws(InvalidEncodingException::class, fn () => $s->signMany(['x' => '/ok', 'y' => "/caf\xE9"], expires: FAR));
    T::eq('y', $e?->index, 'bad UTF-8: key');
    $big = array_fill(0, 10000, '/v/a.mp4');
    $big[7777] = '/v/%zz.mp4';
    $e = T::throws(InvalidPathException::class, fn () => $s->signMany($big, expires: FAR));
    T::eq(7777, $e?->index, 'large batch: index');
    $e = T::throws(InvalidExpiryException::class, fn () => $s->signMany(['p' => '/a', 'q' => '/b']));
    T::eq('p', $e?->index, 'options error: first key');
    $e = T::throws(InvalidArgumentException::class, fn () => $s->signMany(['/a', '/b'], expires: FAR, kind: 'stream'));
    T::eq(0, $e?->index, 'stream kind: first index');
    // Non-strings are a TypeError naming the key, before any work.
    $e = T::throws(\TypeError::class, fn () => $s->signMany(['/a', 'z' => null], expires: FAR));
    T::true(str_contains((string) $e?->getMessage(), 'item z'), 'TypeError names the key');
    T::throws(\TypeError::class, fn () => $s->signMany(['/a', ['/b']], expires: FAR));
    T::throws(\TypeError::class, fn () => $s->signMany([new class () {
        public function __toString(): string
        {
            return '/a';
        }
    }], expires: FAR));
    // After a failure the signer still works, and a batch of one equals signUrl.
    T::eq([$s->signUrl('/one.jpg', expires: FAR)], $s->signMany(['/one.jpg'], expires: FAR), 'batch of one');
    // The output buffer grows when the estimate is short (one call for many long URLs after
    // a batch of short ones), and the result does not depend on what the buffer held before.
    $s2 = new Signer('secret-key');
    $a = $s2->signMany(['/x.jpg', '/y.jpg'], expires: FAR);
    $longs = array_fill(0, 50, '/' . str_repeat('%C3%A9 ', 400) . 'x.jpg');
    $outs = $s2->signMany($longs, expires: FAR, ip: '2001:db8::1');
    T::eq(array_fill(0, 50, $s2->signUrl($longs[0], expires: FAR, ip: '2001:db8::1')), $outs, 'long batch after a short one');
    T::eq($a, $s2->signMany(['/x.jpg', '/y.jpg'], expires: FAR), 'short batch after a long one');
});

T::run('explain', function (): void {
    $s = new Signer('secret-key');
    $e = $s->explain('/a b.jpg', ip: '::FFFF:1.2.3.4', expires: FAR);
    T::true($e instanceof Explanation, 'type');
    T::eq('/a b.jpg', $e->hashedPath, 'hashedPath');
    T::eq((string) FAR, $e->expires, 'expires');
    T::eq('::ffff:1.2.3.4', $e->ip, 'canonical ip');
    T::eq(FAR . '/a b.jpg::ffff:1.2.3.4 ***', $e->stringToSign, 'stringToSign');
    T::eq(null, $e->foundToken, 'no token');
    T::eq(null, $e->matches, 'no match info');
    T::eq('file', $e->kind, 'kind');
    T::eq('directory', $s->explain('/d/x.m3u8', kind: 'DIR', expires: FAR)->kind, 'kind name normalized');
    T::throws(InvalidExpiryException::class, fn () => $s->explain('/a.jpg'));
    $w = $s->explain('/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR);
    T::eq(false, $w->matches, 'wrong token');
});

T::run('the key never shows; no clone or serialization', function (): void {
    $s = new Signer('very-secret-key', verifyKeys: ['older-secret']);
    $dump = print_r($s, true);
    ob_start();
    var_dump($s);
    $dump .= (string) ob_get_clean();
    T::true(!str_contains($dump, 'very-secret-key') && !str_contains($dump, 'older-secret'), 'dumps');
    T::true(str_contains($dump, 'keys'), 'dump shows the key count');
    T::throws(\LogicException::class, fn () => clone $s);
    T::throws(\LogicException::class, fn () => serialize($s));
    T::true(preg_match('/^\d+\.\d+\.\d+$/', Signer::version()) === 1, 'version');
});

T::run('a missing library is a LibraryException naming the path', function (): void {
    $code = 'require ' . var_export(__DIR__ . '/bootstrap.php', true) . ';'
        . ' try { new CdnSecureToken\Signer("secret-key"); echo "no exception"; }'
        . ' catch (CdnSecureToken\LibraryException $e) { echo "LibraryException: ", $e->getMessage(); }';
    $out = (string) shell_exec('CDN_SECURE_TOKEN_LIB=/nonexistent/libcdn_secure_token.so ' . escapeshellarg(PHP_BINARY)
        . ' -d ffi.enable=true -r ' . escapeshellarg($code) . ' 2>&1');
    T::true(str_starts_with($out, 'LibraryException: '), $out);
    T::true(str_contains($out, '/nonexistent/libcdn_secure_token.so'), 'names the path');
});

T::run('memory: signers and explanations are released', function (): void {
    $rss = static function (): int {
        $statm = explode(' ', (string) file_get_contents('/proc/self/statm'));
        return (int) $statm[1] * 4096;
    };
    $warm = static function (int $n): void {
        for ($i = 0; $i < $n; $i++) {
            $s = new Signer('secret-key-' . $i, verifyKeys: ['older-key'], defaultTtl: 60);
            $s->explain('/a.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR, ip: '1.2.3.4');
            $s->signMany(['/a', '/b'], ip: '1.2.3.4');
            $s->verify('/a', ip: '::1');
            unset($s);
        }
    };
    $warm(2000);
    gc_collect_cycles();
    $before = $rss();
    $warm(20000);
    gc_collect_cycles();
    $grown = $rss() - $before;
    T::true($grown < 4 * 1024 * 1024, "RSS grew by $grown bytes over 20000 signers");
});

// ---------------------------------------------------------------------------------------
// Issue 10: what a server received gets a verdict, never an exception; keys stay hidden.

T::run('verify: a target starting with // is a path, as nginx reads it', function (): void {
    $s = new Signer('secret-key');
    $good = $s->signUrl('/x.jpg', expires: FAR);
    $query = substr($good, strpos($good, '?'));
    foreach (['verify', 'verifyRequest'] as $m) {
        T::eq(Verdict::VALID, $s->$m($good, now: NOW)->status, "$m: the link itself");
        $evil = $s->$m('//evil' . $good, now: NOW);
        T::eq(Verdict::INVALID, $evil->status, "$m: //evil + a good link");
        T::eq(403, $evil->httpStatus, "$m: //evil status");
        T::eq('mismatch', $evil->reason, "$m: //evil reason");
        T::eq(Verdict::INVALID, $s->$m('//private/x.jpg' . $query, now: NOW)->status, "$m: //private/x.jpg");
        T::eq(Verdict::VALID, $s->$m('//x.jpg' . $query, now: NOW)->status, "$m: //x.jpg is /x.jpg");
        T::eq(Verdict::VALID, $s->$m('///x.jpg' . $query, now: NOW)->status, "$m: ///x.jpg is /x.jpg");
    }
});

T::run('verifyRequest: raw bytes and bad requests are verdicts, never exceptions', function (): void {
    $s = new Signer('secret-key');
    // A raw, non-UTF-8 path with the token the edge computes over those bytes (the vendor's
    // template hashes the raw string): nginx serves it.
    $raw = vendor_sign("/caf\xE9.jpg", FAR, '', 'secret-key');
    foreach (['verify', 'verifyRequest'] as $m) {
        $v = $s->$m($raw, now: NOW);
        T::eq([Verdict::VALID, 200, null], [$v->status, $v->httpStatus, $v->reason], "$m: raw invalid UTF-8 with its token");
        $v = $s->$m("/\xFF\xFE?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=" . FAR, now: NOW);
        T::eq([Verdict::INVALID, 403], [$v->status, $v->httpStatus], "$m: raw invalid UTF-8, wrong token");
        $v = $s->$m('/a%zz.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR, now: NOW);
        T::eq([400, 'bad_request'], [$v->httpStatus, $v->reason], "$m: bad escape");
        $v = $s->$m('/a b.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR, now: NOW);
        T::eq(400, $v->httpStatus, "$m: raw space");
        $v = $s->$m('/' . str_repeat('a', 9000) . '?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR, now: NOW);
        T::eq([414, 'uri_too_long'], [$v->httpStatus, $v->reason], "$m: over nginx's 8 KiB request line");
        T::true($v->message !== null && $v->message !== '', "$m: 414 has a message");
    }
    // Anything at all: no exception, a status nginx can give.
    mt_srand(10);
    $bad = 0;
    for ($i = 0; $i < 2000; $i++) {
        $t = '';
        for ($j = mt_rand(0, 40); $j > 0; $j--) {
            $t .= chr(mt_rand(0, 255));
        }
        $t = (mt_rand(0, 1) ? '/' : '') . $t . (mt_rand(0, 1) ? '?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR : '');
        $v = $s->verifyRequest($t, now: NOW);
        $bad += in_array($v->httpStatus, [400, 403, 414], true) ? 0 : 1;
    }
    T::eq(0, $bad, 'random bytes: 400/403/414 verdicts');
    // A malformed IP is a verdict for what a server received, an error for a link.
    $v = $s->verifyRequest('/x.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR, ip: '999.1.1.1');
    T::eq([403, 'bad_client_ip'], [$v->httpStatus, $v->reason], 'verifyRequest: bad ip');
    T::throws(InvalidIpException::class, fn () => $s->verify('/x.jpg', ip: '999.1.1.1'));
    T::throws(InvalidIpException::class, fn () => $s->verify('https://h.example/x.jpg', ip: '999.1.1.1'));
    T::throws(InvalidArgumentException::class, fn () => $s->verifyRequest('/x.jpg', kind: 'bogus'));
});

T::run('verdict fields come from the C verdict', function (): void {
    $s = new Signer('new-key-1', verifyKeys: ['old-key-1'], allowPastExpiry: true);
    $old = new Signer('old-key-1', allowPastExpiry: true);
    $v = $s->verifyRequest($old->signUrl('/r.jpg', expires: FAR), now: NOW);
    T::eq([Verdict::VALID, 200, null, null, FAR, 1], [$v->status, $v->httpStatus, $v->reason, $v->message, $v->expires, $v->keyIndex], 'valid, rotation key');
    $v = $s->verifyRequest($s->signUrl('/r.jpg', expires: NOW - 10, now: NOW), now: NOW);
    T::eq([Verdict::EXPIRED, 410, 'expired', NOW - 10, 0], [$v->status, $v->httpStatus, $v->reason, $v->expires, $v->keyIndex], 'expired');
    T::true(str_contains((string) $v->message, 'expired'), 'expired message: ' . $v->message);
    $v = $s->verifyRequest('/r.jpg?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=' . FAR, now: NOW);
    T::eq([Verdict::INVALID, 403, 'mismatch', null, null], [$v->status, $v->httpStatus, $v->reason, $v->expires, $v->keyIndex], 'invalid');
    T::true($v->message !== null && $v->message !== '', 'invalid message');
    T::eq('missing_token', $s->verifyRequest('/r.jpg')->reason, 'missing token');
});

T::run('ttl: 0 (and expires: 0, now: 0) are refused, naming the field', function (): void {
    $s = new Signer('secret-key', defaultTtl: 300);
    foreach (['ttl' => ['ttl' => 0], 'expires' => ['expires' => 0], 'now' => ['now' => 0, 'ttl' => 60]] as $field => $args) {
        $e = T::throws(InvalidExpiryException::class, fn () => $s->signUrl('/a.jpg', ...$args), $field);
        T::true(str_starts_with((string) $e?->getMessage(), "$field "), "message names $field: " . $e?->getMessage());
        T::eq('INVALID_EXPIRY', $e?->errorCode, "$field: errorCode");
    }
    T::throws(InvalidExpiryException::class, fn () => $s->signMany(['/a'], ttl: 0), 'signMany ttl 0');
    T::throws(InvalidExpiryException::class, fn () => $s->tokenWith('/a', ttl: 0), 'tokenWith ttl 0');
    T::throws(InvalidExpiryException::class, fn () => $s->streamUrl('', 'vod', '1', 'a', ttl: 0), 'streamUrl ttl 0');
    T::throws(InvalidExpiryException::class, fn () => $s->token('/a', 0), 'token expires 0');
    T::eq(NOW + 300, $s->tokenWith('/a.jpg', now: NOW)->expires, 'no ttl: the default');
    // Issue 10 item 7: an expiry <= 0 from any now/ttl is refused (by the core), and a
    // malformed host is not signed as given.
    $p = new Signer('secret-key', allowPastExpiry: true);
    $e = T::throws(InvalidExpiryException::class, fn () => $p->signUrl('/a', ttl: 60, now: -100), 'now -100, ttl 60');
    T::true(str_contains((string) $e?->getMessage(), '-40'), 'names the expiry: ' . $e?->getMessage());
    T::throws(InvalidExpiryException::class, fn () => $p->signUrl('/a', ttl: -5), 'negative ttl');
    T::throws(InvalidUrlException::class, fn () => $p->signUrl('http://[::1/x', expires: FAR), 'malformed IPv6 host');
});

T::run('keys never appear in traces, dumps or exports (#[\SensitiveParameter])', function (): void {
    $old = ini_set('zend.exception_ignore_args', '0');
    $oldLen = ini_set('zend.exception_string_param_max_len', '1000000');
    try {
        // Direct calls, not closures: a closure's captured variables show in print_r.
        $e = $e2 = $e3 = null;
        try {
            new Signer("very-secret-key-\xFF-QX");
        } catch (InvalidKeyException $e) {
        }
        try {
            new Signer('good-key-123', verifyKeys: [str_repeat('Q', 300)]);
        } catch (InvalidKeyException $e2) {
        }
        try {
            new Signer('good-key-456', verifyKeys: ['older-secret-QX', 5]);
        } catch (\TypeError $e3) {
        }
        T::true($e !== null && $e2 !== null && $e3 !== null, 'bad keys throw');
        foreach ([[$e, 'very-secret-key'], [$e2, 'QQQQQQQQQQ'], [$e3, 'good-key-456'], [$e3, 'older-secret-QX']] as [$ex, $needle]) {
            if ($ex === null) {
                continue;
            }
            $frames = array_values(array_filter($ex->getTrace(), fn (array $f): bool => ($f['function'] ?? '') === '__construct'));
            T::true($frames !== [] && isset($frames[0]['args']), 'the trace keeps arguments (the setting is in effect)');
            T::true(($frames[0]['args'][0] ?? null) instanceof \SensitiveParameterValue, 'key argument is a SensitiveParameterValue');
            $text = $ex->getTraceAsString() . "\n" . print_r($ex->getTrace(), true) . "\n" . (string) $ex
                . "\n" . var_export($ex->getTrace(), true);
            T::true(!str_contains($text, $needle), "trace does not contain $needle");
        }
        $s = new Signer('very-secret-key-2', verifyKeys: ['older-secret-2']);
        ob_start();
        var_dump($s);
        var_export($s);
        $dump = ob_get_clean() . print_r($s, true) . json_encode($s) . var_export((array) $s, true);
        try {
            $dump .= serialize($s);
        } catch (\LogicException $ex) {
            $dump .= $ex->getMessage() . $ex->getTraceAsString();
        }
        T::true(!str_contains($dump, 'very-secret-key-2') && !str_contains($dump, 'older-secret-2'), 'dumps and exports');
    } finally {
        ini_set('zend.exception_ignore_args', (string) $old);
        ini_set('zend.exception_string_param_max_len', (string) $oldLen);
    }
});

// ---------------------------------------------------------------------------------------
// Differential test against the vendor's PHP template over random ASCII inputs.

T::run('differential: token() equals the vendor template on random printable ASCII paths', function (): void {
    mt_srand(20240501);
    $s = new Signer('diff-key-1');
    $diffs = 0;
    for ($n = 0; $n < 3000; $n++) {
        [$path, $expires, $ip] = random_case(' !"#$%&\'()*+,-.:;<=>?@[\\]^_`{|}~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
        $want = explode('md5=', explode('&expires=', vendor_sign($path, $expires, $ip, 'diff-key-1'))[0])[1];
        $got = $s->token($path, $expires, $ip === '' ? null : $ip);
        if ($want !== $got && $diffs++ < 5) {
            T::fail("path " . var_export($path, true) . " expires $expires ip '$ip': vendor $want, class $got");
        }
    }
    T::eq(0, $diffs, 'differences');
});

T::run('differential: signUrl() equals the vendor template URL on random URL-safe paths', function (): void {
    mt_srand(7);
    $s = new Signer('diff-key-2');
    $diffs = 0;
    $urls = [];
    $wants = [];
    for ($n = 0; $n < 3000; $n++) {
        [$path, $expires, $ip] = random_case("-._~!$&'()*+,;=:@0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
        $want = vendor_sign($path, $expires, $ip, 'diff-key-2');
        $got = $s->signUrl($path, expires: $expires, ip: $ip === '' ? null : $ip);
        if ($want !== $got && $diffs++ < 5) {
            T::fail("vendor $want, class $got");
        }
        if ($ip === '' && $expires === FAR) {
            $urls[] = $path;
            $wants[] = $want;
        }
    }
    T::eq(0, $diffs, 'differences');
    T::eq($wants, $s->signMany($urls, expires: FAR), 'batch equals the vendor template');
    T::true(count($urls) > 100, 'batch not empty');
});

/** @return array{string, int, string} a path of 1-5 segments over $alphabet, an expiry, an IP or '' */
function random_case(string $alphabet): array
{
    $segments = [];
    for ($k = mt_rand(1, 5); $k > 0; $k--) {
        do {
            $seg = '';
            for ($j = mt_rand(1, 12); $j > 0; $j--) {
                $seg .= $alphabet[mt_rand(0, strlen($alphabet) - 1)];
            }
        } while ($seg === '.' || $seg === '..'); // dot segments are resolved by the edge
        $segments[] = $seg;
    }
    $path = '/' . implode('/', $segments) . (mt_rand(0, 4) === 0 ? '/' : '');
    $expires = mt_rand(0, 3) === 0 ? FAR : mt_rand(time() + 60, FAR);
    $ip = match (mt_rand(0, 2)) {
        0 => '',
        1 => mt_rand(1, 223) . '.' . mt_rand(0, 255) . '.' . mt_rand(0, 255) . '.' . mt_rand(1, 254),
        2 => '2001:db8:' . dechex(mt_rand(1, 0xffff)) . '::' . dechex(mt_rand(1, 0xffff)),
    };
    return [$path, $expires, $ip];
}

// ---------------------------------------------------------------------------------------
// A real nginx edge (tests/nginx/edge.sh) validates URLs signed here.

// ---------------------------------------------------------------------------------------
// signManifest (the same manifests as the other faces: tests/manifests/faces.sh compares them
// byte for byte with the CLI's).

/** The vendor's file token, computed here with PHP's md5: `{expires}{path}{ip} {key}`. */
function vendor_token(string $path, int $expires, string $key, string $ip = ''): string
{
    return rtrim(strtr(base64_encode(md5("$expires$path$ip $key", true)), '+/', '-_'), '=');
}

T::run('signManifest: every URI gets the vendor token, the rest is byte for byte', function (): void {
    $s = new Signer('secret-key');
    $pl = "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-KEY:METHOD=AES-128,URI=\"../keys/k.bin\"\r\n"
        . "#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\r\n#X-UNKNOWN:whatever\r\n"
        . "#EXTINF:4,\r\nseg 1.ts?x=1&md5=old&expires=1\r\n#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST";
    $signed = $s->signManifest($pl, 'https://cdn.example.com/v/index.m3u8', expires: FAR);
    $t = fn (string $p): string => vendor_token($p, FAR, 'secret-key');
    T::eq("#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n"
        . '#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.bin?md5=' . $t('/keys/k.bin') . "&expires=2147483647\"\r\n"
        . '#EXT-X-MAP:URI="init.mp4?md5=' . $t('/v/init.mp4') . "&expires=2147483647\",BYTERANGE=\"720@0\"\r\n"
        . "#X-UNKNOWN:whatever\r\n#EXTINF:4,\r\n"
        . 'seg 1.ts?x=1&md5=' . $t('/v/seg 1.ts') . "&expires=2147483647\r\n"
        . "#EXTINF:4,\r\nhttps://other.example/x.ts\r\n#EXT-X-ENDLIST", $signed, 'signed playlist');
    $other = $s->signManifest($pl, 'https://cdn.example.com/v/index.m3u8', expires: FAR, otherHosts: true);
    T::true(str_contains($other, 'https://other.example/x.ts?md5=' . $t('/x.ts') . '&expires=2147483647'), 'otherHosts');
    $ip = $s->signManifest($pl, 'https://cdn.example.com/v/index.m3u8', expires: FAR, ip: '203.0.113.7');
    T::true(str_contains($ip, 'init.mp4?md5=' . vendor_token('/v/init.mp4', FAR, 'secret-key', '203.0.113.7')), 'IP-bound token');
});

T::run('signManifest: directory token, outside error|keep, ttl', function (): void {
    $s = new Signer('secret-key');
    $pl = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\n../b.ts\n";
    $url = 'https://cdn.example.com/v/index.m3u8';
    $e = T::throws(SecureTokenException::class, fn () => $s->signManifest($pl, $url, expires: FAR, kind: 'directory'));
    T::eq(6, $e?->manifestLine, 'line of the URI outside the directory');
    T::true(str_contains((string) $e?->getMessage(), '../b.ts'), 'message names the URI');
    $kept = $s->signManifest($pl, $url, expires: FAR, kind: 'directory', outside: 'keep');
    $dir = vendor_token('/v/', FAR, 'secret-key');
    T::eq("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts?md5=$dir&expires=2147483647\n#EXTINF:4,\n../b.ts\n", $kept, 'kept');
    $e = T::throws(InvalidArgumentException::class, fn () => $s->signManifest($pl, $url, expires: FAR, outside: 'maybe'));
    T::eq(null, $e?->manifestLine, 'an option parsed before the call names no line');
    $ttl = $s->signManifest($pl, $url, ttl: 60, now: NOW, kind: 'directory', outside: 'keep');
    T::true(str_contains($ttl, 'a.ts?md5=' . vendor_token('/v/', NOW + 60, 'secret-key') . '&expires=' . (NOW + 60)), 'ttl from now');
});

T::run('signManifest: errors name the line, of the core kind; nothing partial; no key', function (): void {
    $s = new Signer('secret-key');
    $url = 'https://cdn.example.com/v/index.m3u8';
    $e = T::throws(InvalidPathException::class,
        fn () => $s->signManifest("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na%zz.ts\n", $url, expires: FAR));
    T::eq(4, $e?->manifestLine, 'line');
    T::eq('INVALID_PATH', $e?->errorCode, 'errorCode');
    T::true(str_contains((string) $e?->getMessage(), 'manifest line 4'), 'message has the line');
    T::true(!str_contains((string) $e?->getMessage(), 'secret-key'), 'no key in the message');
    $e = T::throws(InvalidArgumentException::class, fn () => $s->signManifest("hello\n", $url, expires: FAR));
    T::eq(1, $e?->manifestLine, 'not a manifest: line 1');
    $e = T::throws(InvalidPathException::class, fn () => $s->signManifest("#EXTM3U\n", 'https://cdn.example.com/%zz/i.m3u8', expires: FAR));
    T::eq(0, $e?->manifestLine, 'the manifest URL: line 0');
    $e = T::throws(InvalidEncodingException::class, fn () => $s->signManifest("#EXTM3U\n\xFF\n", $url, expires: FAR));
    T::eq(0, $e?->manifestLine, 'not UTF-8: line 0');
    T::throws(InvalidExpiryException::class, fn () => $s->signManifest("#EXTM3U\n#EXTINF:4,\na.ts\n", $url));
    // A big playlist: the output buffer grows to fit (20,000 segments).
    $big = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n";
    for ($i = 0; $i < 20000; $i++) {
        $big .= "#EXTINF:4,\nsegment-with-a-long-name-$i.ts\n";
    }
    $out = $s->signManifest($big, $url, expires: FAR);
    T::eq(20000, substr_count($out, '&expires=2147483647'), 'every segment signed');
    T::true(str_ends_with($out, 'segment-with-a-long-name-19999.ts?md5='
        . vendor_token('/v/segment-with-a-long-name-19999.ts', FAR, 'secret-key') . "&expires=2147483647\n"), 'last segment');
});

$edgeEnv = getenv('EDGE_ENV');
if ($edgeEnv !== false && $edgeEnv !== '') {
    $env = parse_ini_file($edgeEnv, false, INI_SCANNER_RAW);
    if ($env === false) {
        T::run('nginx edge environment', fn () => T::fail("cannot read $edgeEnv"));
    } else {
        nginx_tests((int) $env['EDGE_PORT'], $env['EDGE_KEY']);
    }
}

/** Sends the request line exactly as given and returns the HTTP status. */
function http_status(string $host, int $port, string $target, string $hostHeader = 'edge.test'): int
{
    $fp = @stream_socket_client("tcp://$host:$port", $errno, $errstr, 5);
    if ($fp === false) {
        return -1;
    }
    fwrite($fp, "GET $target HTTP/1.1\r\nHost: $hostHeader\r\nConnection: close\r\n\r\n");
    $line = (string) fgets($fp);
    fclose($fp);
    return preg_match('#^HTTP/1\.[01] (\d{3})#', $line, $m) === 1 ? (int) $m[1] : -1;
}

function nginx_tests(int $port, string $key): void
{
    $s = new Signer($key);
    $exp = time() + 600;
    $v4 = '127.0.0.1';
    $v6 = '[::1]';

    T::run('nginx: file tokens (plain, spaces, non-ASCII, reserved characters)', function () use ($s, $key, $exp, $port, $v4): void {
        foreach (['/file/photo.jpeg', '/file/open/a b.jpg', '/file/фото/café.jpg', "/file/r/!$&'()*,;=:@~.jpg",
            '/file/x/"<>`{}|\\^.jpg', '/file/q%3Fh%23p%25.jpg', '/file/a//b/./c/../d.jpg', '/file/a+b.jpg'] as $u) {
            $signed = $s->signUrl($u, expires: $exp);
            T::eq(200, http_status($v4, $port, $signed), $signed);
        }
        $signed = $s->signUrl('/file/photo.jpeg', expires: $exp);
        T::eq(403, http_status($v4, $port, str_replace('md5=', 'md5=A', $signed)), 'tampered');
        T::eq(403, http_status($v4, $port, str_replace('photo', 'photo2', $signed)), 'other path');
        $past = (new Signer($key, allowPastExpiry: true))
            ->signUrl('/file/photo.jpeg', expires: time() - 100);
        T::eq(410, http_status($v4, $port, $past), 'expired');
    });

    T::run('nginx: IP-bound tokens over IPv4 and IPv6', function () use ($s, $exp, $port, $v4, $v6): void {
        T::eq(200, http_status($v4, $port, $s->signUrl('/ip/a.jpg', expires: $exp, ip: '127.0.0.1')), 'IPv4');
        T::eq(403, http_status($v4, $port, $s->signUrl('/ip/a.jpg', expires: $exp, ip: '127.0.0.2')), 'other IPv4');
        T::eq(200, http_status($v6, $port, $s->signUrl('/ip/a.jpg', expires: $exp, ip: '0:0:0:0:0:0:0:1')), 'IPv6 long spelling');
    });

    T::run('nginx: directory, MP4 and stream tokens', function () use ($s, $exp, $port, $v4, $v6): void {
        $dir = $s->signUrl('/dir/video-1/master.m3u8', expires: $exp, kind: 'directory');
        T::eq(200, http_status($v4, $port, $dir), 'directory');
        $q = substr($dir, strpos($dir, '?'));
        T::eq(200, http_status($v4, $port, "/dir/video-1/seg-1.ts$q"), 'directory: other file, same query');
        T::eq(403, http_status($v4, $port, "/dir/video-1/sub/seg-1.ts$q"), 'directory: subdirectory');
        T::eq(200, http_status($v4, $port, $s->signUrl('/mp4/movie.mp4', expires: $exp, kind: 'mp4')), 'mp4');
        T::eq(200, http_status($v4, $port, $s->signUrl('/mp4/movie.mp4', expires: $exp, kind: 'mp4', speed: '1m', buffer: '10')), 'mp4 speed buffer');
        foreach (['vod', 'cmaf', 'mpegts', 'streams'] as $k) {
            T::eq(200, http_status($v4, $port, $s->streamUrl('', $k, '123', 'abc-1', expires: $exp)), "stream $k");
        }
        T::eq(200, http_status($v4, $port, $s->streamUrl('', 'vod', '123', 'abc', '720p/seg 1.ts', expires: $exp)), 'stream file');
        T::eq(200, http_status($v6, $port, $s->streamUrl('', 'vod', '123', 'abc', expires: $exp, ip: '::1'), 'ipstream.edge'), 'stream with IPv6');
    });

    T::run('nginx: random ASCII paths signed in one batch', function () use ($s, $exp, $port, $v4): void {
        mt_srand(99);
        $alphabet = ' !"#$%&\'()*+,-.:;<=>?@[\\]^_`{|}~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
        $urls = [];
        for ($n = 0; $n < 300; $n++) {
            [$path] = random_case($alphabet);
            // A raw path given to signUrl is taken as a URL: escape what would end the path
            // or start an escape, as a caller building a URL from a file name does.
            $urls[] = '/file' . strtr($path, ['%' => '%25', '?' => '%3F', '#' => '%23']);
        }
        $bad = 0;
        foreach ($s->signMany($urls, expires: $exp) as $i => $signed) {
            $status = http_status($v4, $port, $signed);
            if ($status !== 200 && $bad++ < 5) {
                T::fail("{$urls[$i]} -> $signed: $status");
            }
        }
        T::eq(0, $bad, 'refused by nginx');
    });
}

T::finish('php-tests');
