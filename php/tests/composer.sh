#!/usr/bin/env bash
# The README's composer steps in a fresh project, offline: a path repository pointing at this
# package, no minimum-stability setting. Usage: php/tests/composer.sh PACKAGE_DIR
# (run in an empty directory). Ends with a line from the installed package.
set -euo pipefail
PKG="$1"
composer init --no-interaction --name acme/app
composer config repositories.cdn-secure-token path "$PKG"
composer config repo.packagist false
composer require --no-interaction --no-audit cdn-secure-token/cdn-secure-token
cat > sign.php <<'PHP'
<?php
require __DIR__ . '/vendor/autoload.php';

$signer = new CdnSecureToken\Signer('my-cdn-key');
echo $signer->signUrl('/photos/summer trip.jpeg', expires: 2147483647), "\n";
PHP
php sign.php
