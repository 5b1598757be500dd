<?php

declare(strict_types=1);

/*
 * opcache.preload script for cdn-secure-token. With PHP's default ffi.enable=preload, FFI may
 * only be used by preloaded code: preloading these classes lets them load the C library in
 * every request of php-fpm, php -S or any other SAPI. php.ini:
 *
 *   opcache.preload=/path/to/cdn-secure-token/preload.php
 *   opcache.preload_user=www-data      ; the user preloading runs as when the server starts as root
 *
 * An application preload script can `require` this one.
 */

foreach (glob(__DIR__ . '/src/*.php') ?: [] as $file) {
    opcache_compile_file($file);
}
