//! The Rust example of tests/manifests/README.md (the docs runner checks that the README's
//! block appears here, in order), with the tokens checked against the vendor formula's
//! output for these inputs (computed with Python's hashlib + base64, written out below).

#[test]
fn readme_rust_example() -> Result<(), Box<dyn std::error::Error>> {
    use cdn_secure_token::{ManifestOptions, Outside, SignOptions, Signer, TokenKind};

    let signer = Signer::new("my-cdn-key")?;
    let playlist = "#EXTM3U\n#EXTINF:4,\nseg-1.ts\n#EXTINF:4,\n360p/seg-1.ts\n";
    let url = "https://cdn.example.com/videos/v1/index.m3u8";

    // One file token per URI (works with IP binding and MP4 tokens too).
    let opts = ManifestOptions {
        sign: SignOptions {
            expires: Some(2147483647),
            ..Default::default()
        },
        ..Default::default()
    };
    let signed = signer.sign_manifest(playlist, url, &opts)?;
    assert!(signed.contains("\nseg-1.ts?md5=YOnu4BDnll525j_yijwFIQ&expires=2147483647\n"));

    // One directory token for the manifest's directory; 360p/ is not covered by it.
    let opts = ManifestOptions {
        sign: SignOptions {
            expires: Some(2147483647),
            kind: TokenKind::Directory,
            ..Default::default()
        },
        outside: Outside::Keep,
        ..Default::default()
    };
    let signed = signer.sign_manifest(playlist, url, &opts)?;
    assert!(signed.contains("\nseg-1.ts?md5=Tv0ajUWxu14_VjBz2Cl-dQ&expires=2147483647\n"));
    assert!(signed.ends_with("\n360p/seg-1.ts\n"));

    // Errors name the line, and nothing is returned but the error.
    let err = signer
        .sign_manifest("#EXTM3U\nseg%zz.ts\n", url, &opts)
        .unwrap_err();
    assert_eq!(err.line, 2);
    Ok(())
}
