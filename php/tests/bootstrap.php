<?php

declare(strict_types=1);

// PSR-4 autoloading of src/ as composer's autoloader would do it (the tests need no vendor/).
spl_autoload_register(static function (string $class): void {
    $prefix = 'CdnSecureToken\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/../src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});

/** A tiny test runner: named cases, real counts, a failing case never stops the others. */
final class T
{
    public static int $passed = 0;
    public static int $failed = 0;
    private static string $case = '';
    private static int $caseFailures = 0;

    public static function run(string $name, callable $body): void
    {
        self::$case = $name;
        self::$caseFailures = 0;
        try {
            $body();
        } catch (\Throwable $e) {
            self::fail('unexpected ' . get_class($e) . ': ' . $e->getMessage()
                . ' at ' . basename($e->getFile()) . ':' . $e->getLine());
        }
        if (self::$caseFailures === 0) {
            self::$passed++;
        } else {
            self::$failed++;
        }
    }

    public static function fail(string $msg): void
    {
        self::$caseFailures++;
        fwrite(STDERR, 'FAIL [' . self::$case . "] $msg\n");
    }

    public static function eq(mixed $want, mixed $got, string $what = ''): void
    {
        if ($want !== $got) {
            self::fail(($what !== '' ? "$what: " : '') . 'want ' . var_export($want, true)
                . ', got ' . var_export($got, true));
        }
    }

    public static function true(bool $cond, string $what): void
    {
        if (!$cond) {
            self::fail($what);
        }
    }

    /**
     * @template E of \Throwable
     * @param class-string<E> $class
     * @return E|null
     */
    public static function throws(string $class, callable $body, string $what = ''): ?\Throwable
    {
        try {
            $body();
        } catch (\Throwable $e) {
            if ($e instanceof $class) {
                return $e;
            }
            self::fail(($what !== '' ? "$what: " : '') . "want $class, got " . get_class($e)
                . ': ' . $e->getMessage());
            return null;
        }
        self::fail(($what !== '' ? "$what: " : '') . "want $class, nothing thrown");
        return null;
    }

    public static function finish(string $suite): never
    {
        echo "$suite: " . self::$passed . ' passed, ' . self::$failed . " failed\n";
        exit(self::$failed === 0 ? 0 : 1);
    }
}

/** @return list<array<string, mixed>> */
function vectors(string $name): array
{
    $file = __DIR__ . "/../../tests/vectors/$name.json";
    return json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR)['cases'];
}

/** The vendor's PHP template, verbatim. */
function vendor_sign(string $path, int $expires, string $ip, string $secret): string
{
    $hash = base64_encode(md5("{$expires}{$path}{$ip} {$secret}", true));
    $hash = strtr($hash, '+/', '-_');
    $hash = str_replace('=', '', $hash);
    $url = "{$path}?md5={$hash}&expires={$expires}";
    return $url;
}
