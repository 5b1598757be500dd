//! `nginx-config` output always passes the real `nginx -t`, whatever the location, and
//! `--json` gives one object holding the same text.

mod common;

use std::process::Command;

use common::*;

/// Locations with everything that means something to nginx's config parser or to PCRE.
const NASTY: &[&str] = &[
    "/",
    "/protected/",
    "/a b/",
    "/a{b}/",
    "/a;b/",
    "/a\"b/",
    "/a'b/",
    "/a\\b/",
    "/a$b/",
    "/${uri}/",
    "/#c/",
    "/é/ü ß/",
    "/v.1/(x)[y]*+?^|/",
    "/tab\u{a0}nbsp/",
    "/x",
    "/end\\",
    "/\"",
    "/a b{c};\"$x\"'(é).z\\/",
];

fn nginx_t(dir: &std::path::Path, server: &str) -> Result<(), String> {
    let conf = format!(
        "error_log {d}/error.log;\npid {d}/nginx.pid;\nevents {{ worker_connections 16; }}\n\
         http {{\n access_log off;\n server {{\n  listen 127.0.0.1:9;\n{server}\n }}\n}}\n",
        d = dir.display()
    );
    std::fs::write(dir.join("nginx.conf"), &conf).unwrap();
    let o = Command::new(nginx())
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .unwrap();
    if o.status.success() {
        Ok(())
    } else {
        Err(format!("{conf}\n{}", String::from_utf8_lossy(&o.stderr)))
    }
}

#[test]
fn every_location_passes_nginx_t() {
    let dir = tempdir("nginx-t");
    let mut checked = 0;
    for kind in [
        &["--kind", "file"][..],
        &["--kind", "file", "--ip"],
        &["--kind", "directory"],
        &["--kind", "directory", "--ip"],
        &["--kind", "mp4"],
    ] {
        for loc in NASTY {
            let mut args = vec!["nginx-config", "--location", loc];
            args.extend_from_slice(kind);
            let o = run(&args, None, None);
            assert!(o.status.success(), "{args:?}: {}", stderr(&o));
            let block = stdout(&o);
            if let Err(e) = nginx_t(&dir, &block) {
                panic!("nginx -t rejects the config for {args:?}:\n{e}");
            }
            checked += 1;
        }
    }
    let o = run(&["nginx-config", "--kind", "stream"], None, None);
    nginx_t(&dir, &stdout(&o)).unwrap();
    assert_eq!(checked, 5 * NASTY.len());
}

/// The checker itself can fail: a location written unescaped, as the tool used to, is
/// rejected by nginx.
#[test]
fn nginx_t_rejects_an_unescaped_location() {
    let dir = tempdir("nginx-t-bad");
    assert!(nginx_t(&dir, "location /a{b}/ { return 200; }").is_err());
    assert!(nginx_t(&dir, "location \"/a{b}/\" { return 200; }").is_ok());
}

#[test]
fn locations_nginx_cannot_take_are_refused() {
    for (loc, why) in [
        ("protected/", "must start with '/'"),
        ("= /exact", "must start with '/'"),
        ("~ regex", "must start with '/'"),
        ("@named", "must start with '/'"),
        ("", "must start with '/'"),
        ("/a\nb/", "control character"),
        ("/a\u{7f}/", "control character"),
    ] {
        let o = run(&["nginx-config", "--location", loc], None, None);
        assert_eq!(o.status.code(), Some(3), "{loc:?}");
        assert!(stderr(&o).contains(why), "{loc:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "");
    }
    let o = run(
        &["nginx-config", "--kind", "stream", "--location", "/v/"],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("does not apply to --kind stream"));
}

#[test]
fn json_is_one_object_with_the_config() {
    for args in [
        vec!["nginx-config", "--json"],
        vec![
            "nginx-config",
            "--location",
            "/a b/",
            "--kind",
            "directory",
            "--ip",
            "--json",
        ],
        vec!["nginx-config", "--kind", "stream", "--json"],
    ] {
        let o = run(&args, None, None);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 1, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let text_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
        let text = stdout(&run(&text_args, None, None));
        assert_eq!(v["config"], text);
        assert_eq!(v["key_placeholder"], "YOUR_SECRET_KEY");
        assert!(v["kind"].is_string());
    }
}
