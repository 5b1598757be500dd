<?php

declare(strict_types=1);

/*
 * Writes the FFI declarations as a header for php.ini's ffi.preload: FFI_SCOPE
 * "cdn_secure_token" and FFI_LIB (the library's absolute path) in front of
 * resources/cdn_secure_token.h. With it preloaded the classes take the declarations from
 * FFI::scope() instead of parsing them in every request.
 *
 *   php bin/ffi-header.php /usr/local/lib/libcdn_secure_token.so > /etc/php/cdn_secure_token.h
 *   ; php.ini: ffi.preload=/etc/php/cdn_secure_token.h
 */

require __DIR__ . '/../src/LibraryException.php';
require __DIR__ . '/../src/Library.php';

$lib = $argv[1] ?? '';
if ($lib === '' || $lib[0] !== '/' || !is_file($lib)) {
    fwrite(STDERR, "usage: php bin/ffi-header.php /absolute/path/to/libcdn_secure_token.so\n");
    exit(2);
}
echo CdnSecureToken\Library::scopedHeader($lib);
