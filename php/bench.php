<?php

declare(strict_types=1);

/*
 * The vendor's PHP template vs CdnSecureToken\Signer: one URL at a time, and batches of 1,000 and
 * 10,000 (the template in a loop vs one signMany call). Prints time per URL and the ratios.
 *
 *   CDN_SECURE_TOKEN_LIB=target/stage/lib/libcdn_secure_token.so php php/bench.php [SECONDS_PER_CASE]
 *
 * The template hashes the raw path it is given; the class also normalizes and percent-encodes
 * the path (what the edge needs for spaces and non-ASCII names), so it does more work per URL.
 */

require __DIR__ . '/tests/bootstrap.php';

use CdnSecureToken\Signer;

$budget = (float) ($argv[1] ?? 1.0);
$key = 'bench-secret-key';
$expires = 2147483647;
$signer = new Signer($key);

/** The vendor's PHP template, verbatim. */
function vendor(string $path, int $expires, string $ip, string $secret): string
{
    $hash = base64_encode(md5("{$expires}{$path}{$ip} {$secret}", true));
    $hash = strtr($hash, '+/', '-_');
    $hash = str_replace('=', '', $hash);
    $url = "{$path}?md5={$hash}&expires={$expires}";
    return $url;
}

/** Best of several timed rounds: nanoseconds per URL. */
function measure(callable $round, int $urlsPerRound, float $budget): float
{
    $round(); // warm up
    $best = INF;
    $deadline = hrtime(true) + (int) ($budget * 1e9);
    $rounds = 0;
    do {
        $t0 = hrtime(true);
        $round();
        $best = min($best, (hrtime(true) - $t0) / $urlsPerRound);
        $rounds++;
    } while (hrtime(true) < $deadline || $rounds < 5);
    return $best;
}

$paths = [];
for ($i = 0; $i < 1000; $i++) {
    $paths[] = "/videos/2024/clip-$i/segment-" . ($i * 7) . '.ts';
}
$bigPaths = [];
for ($i = 0; $i < 10000; $i++) {
    $bigPaths[] = "/videos/2024/clip-$i/segment-" . ($i * 7) . '.ts';
}
$single = '/photos/summer/beach-0042.jpeg';

// Same answer first: the benchmark compares equal work on plain ASCII paths.
if (vendor($single, $expires, '', $key) !== $signer->signUrl($single, expires: $expires)) {
    fwrite(STDERR, "bench: the class and the template disagree\n");
    exit(1);
}
$batch = $signer->signMany($bigPaths, expires: $expires);
foreach ($bigPaths as $i => $p) {
    if ($batch[$i] !== vendor($p, $expires, '', $key)) {
        fwrite(STDERR, "bench: batch item $i differs from the template\n");
        exit(1);
    }
}

$loops = 2000;
$results = [
    'single URL' => [
        measure(function () use ($single, $expires, $key, $loops): void {
            for ($i = 0; $i < $loops; $i++) {
                vendor($single, $expires, '', $key);
            }
        }, $loops, $budget),
        measure(function () use ($signer, $single, $expires, $loops): void {
            for ($i = 0; $i < $loops; $i++) {
                $signer->signUrl($single, expires: $expires);
            }
        }, $loops, $budget),
    ],
    'single URL, IP-bound' => [
        measure(function () use ($single, $expires, $key, $loops): void {
            for ($i = 0; $i < $loops; $i++) {
                vendor($single, $expires, '203.0.113.7', $key);
            }
        }, $loops, $budget),
        measure(function () use ($signer, $single, $expires, $loops): void {
            for ($i = 0; $i < $loops; $i++) {
                $signer->signUrl($single, expires: $expires, ip: '203.0.113.7');
            }
        }, $loops, $budget),
    ],
    'batch of 1,000' => [
        measure(function () use ($paths, $expires, $key): void {
            $out = [];
            foreach ($paths as $p) {
                $out[] = vendor($p, $expires, '', $key);
            }
        }, 1000, $budget),
        measure(function () use ($signer, $paths, $expires): void {
            $signer->signMany($paths, expires: $expires);
        }, 1000, $budget),
    ],
    // Large enough for the core to spread the hashing over the cores.
    'batch of 10,000' => [
        measure(function () use ($bigPaths, $expires, $key): void {
            $out = [];
            foreach ($bigPaths as $p) {
                $out[] = vendor($p, $expires, '', $key);
            }
        }, 10000, $budget),
        measure(function () use ($signer, $bigPaths, $expires): void {
            $signer->signMany($bigPaths, expires: $expires);
        }, 10000, $budget),
    ],
];

printf("PHP %s, cdn-secure-token %s, best of %.1f s per case\n", PHP_VERSION, Signer::version(), $budget);
printf("%-22s %14s %14s %8s\n", 'case', 'template ns/URL', 'class ns/URL', 'ratio');
foreach ($results as $case => [$vendor, $class]) {
    // ratio > 1: the class is faster than the template.
    printf("%-22s %14.0f %14.0f %7.2fx\n", $case, $vendor, $class, $vendor / $class);
}
echo "ratio = template time / class time (above 1: the class is faster)\n";
