"""python sign.py URL EXPIRES KIND OUTSIDE OTHER_HOSTS IP|- < manifest: the Python face's
sign_manifest (key from CDN_SECURE_TOKEN_KEY); on failure the message on stderr, exit 3."""

import os
import sys

import cdn_secure_token

url, expires, kind, outside, others, ip = sys.argv[1:7]
signer = cdn_secure_token.Signer(os.environ["CDN_SECURE_TOKEN_KEY"])
text = sys.stdin.buffer.read().decode()
try:
    out = signer.sign_manifest(
        text, url, expires=int(expires), kind=kind, outside=outside,  # type: ignore[arg-type]
        other_hosts=others == "1", ip=None if ip == "-" else ip,
    )
except cdn_secure_token.SecureTokenError as e:
    print(f"line {e.line}: {e}", file=sys.stderr)
    sys.exit(3)
sys.stdout.buffer.write(out.encode())
