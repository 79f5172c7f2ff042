use kratos_identity_fake::FakeKratos;

use crate::{against, arg, bin, run, stored_ids, temp_dir};

const SUBCOMMANDS: [&str; 5] = ["export", "import", "migrate", "find", "delete"];

#[test]
fn each_subcommand_help_shows_an_example() {
    for sub in SUBCOMMANDS {
        let help = run(bin(), &[sub, "--help"]);
        assert_eq!(help.code, 0, "{help:?}");
        assert!(help.stdout.contains("Examples:"), "{sub}: {help:?}");
        assert!(
            help.stdout.contains(&format!("kratos-identity {sub}")),
            "{sub}: {help:?}"
        );
    }
    let top = run(bin(), &["--help"]);
    assert_eq!(top.code, 0);
    for code in ["0  ", "1  ", "2  ", "3  "] {
        assert!(
            top.stdout.contains(&format!("\n  {code}")),
            "exit status {code}: {top:?}"
        );
    }
    assert!(top.stdout.contains("ORY_API_KEY"));
}

#[test]
fn usage_mistakes_exit_2() {
    assert_eq!(run(bin(), &["export", "--page-size", "0"]).code, 2);
    assert_eq!(
        run(bin(), &["export", "--checkpoint", "x.ckpt"]).code,
        2,
        "--checkpoint needs --output"
    );
    assert_eq!(
        run(bin(), &["delete"]).code,
        2,
        "delete needs a file or a filter"
    );
    assert_eq!(run(bin(), &["frobnicate"]).code, 2);
    // No API key argument exists: it would land in the shell's history.
    assert_eq!(run(bin(), &["export", "--api-key", "x"]).code, 2);
}

#[test]
fn without_a_url_every_subcommand_says_it_uses_a_demo_server() {
    let exported = run(bin(), &["export", "--demo-identities", "5"]);
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(
        exported.stderr.starts_with(
            "KRATOS_ADMIN_URL is not set: exporting from a local demo server at http://127.0.0.1:"
        ),
        "{exported:?}"
    );
    assert_eq!(exported.stdout.lines().count(), 6, "5 seeded and Grace");
    let found = run(
        bin(),
        &["find", "grace@example.com", "--demo-identities", "1"],
    );
    assert_eq!(found.code, 0, "{found:?}");
    assert!(found.stderr.contains("local demo server"), "{found:?}");
    assert!(found.stdout.contains("sessions      2 active"), "{found:?}");
    let deleted = run(bin(), &["delete", "--all", "--demo-identities", "3"]);
    assert_eq!(deleted.code, 2, "{deleted:?}");
    assert!(
        deleted.stderr.contains("local demo server")
            && deleted.stderr.contains("4 identities to delete")
    );
}

#[test]
fn the_api_key_is_sent_but_never_printed() {
    const KEY: &str = "ory_pat_s3cr3t_never_printed";
    let kratos = FakeKratos::builder().identities(4).start();
    let dir = temp_dir("secret");
    let (input, report, ids_file) = (
        dir.join("in.ndjson"),
        dir.join("report.ndjson"),
        dir.join("ids.txt"),
    );
    std::fs::write(
        &input,
        "{\"schema_id\":\"default\",\"traits\":{\"email\":\"x\"}}\nnope\n",
    )
    .unwrap();
    std::fs::write(&ids_file, stored_ids(&kratos).join("\n")).unwrap();
    let with_key = || {
        let mut command = against(&kratos);
        command.env("ORY_API_KEY", KEY);
        command
    };
    let mut output = String::new();
    for args in [
        vec!["export"],
        vec!["import", arg(&input), "--report", arg(&report)],
        vec!["import", "--check", arg(&input)],
        vec!["find", "user000001@example.com"],
        vec!["find", "nobody"],
        vec!["delete", arg(&ids_file)],
        vec!["export", "--organization-id", "not-a-uuid"],
    ] {
        let ran = run(with_key(), &args);
        output += &ran.stdout;
        output += &ran.stderr;
    }
    output += &std::fs::read_to_string(&report).unwrap_or_default();
    // A server that cannot be reached, with the key set.
    let mut down = bin();
    down.env("KRATOS_ADMIN_URL", "http://127.0.0.1:9")
        .env("ORY_API_KEY", KEY);
    let ran = run(down, &["export"]);
    assert_eq!(ran.code, 3, "{ran:?}");
    output += &ran.stderr;
    assert!(
        !output.contains(KEY) && !output.contains("s3cr3t"),
        "the key was printed: {output}"
    );
    // Sent on every request to the admin port (the schema's redirect to
    // the public port goes without it, as it should).
    let sent = kratos.requests();
    let bearer = format!("Bearer {KEY}");
    assert!(!sent.is_empty());
    for request in sent
        .iter()
        .filter(|r| r.status != 200 || !r.path.starts_with("/schemas/"))
    {
        assert_eq!(
            request.authorization.as_deref(),
            Some(&bearer[..]),
            "{request:?}"
        );
    }
}

/// A key is never sent over plain HTTP to a host that is not loopback,
/// unless `--allow-insecure-http` says so: refused with exit 2 and the flag
/// named; with it, the tool goes on (here to a host that cannot be
/// resolved: exit 3, stopped, resumable).
#[test]
fn a_key_over_plain_http_needs_allow_insecure_http() {
    let mut command = bin();
    command.env("ORY_API_KEY", "ory_pat_never_over_http");
    let refused = run(command, &["export", "--url", "http://kratos.invalid:4434"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--allow-insecure-http"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("ory_pat_never_over_http"));

    let mut command = bin();
    command.env("ORY_API_KEY", "ory_pat_never_over_http");
    let allowed = run(
        command,
        &[
            "export",
            "--url",
            "http://kratos.invalid:4434",
            "--allow-insecure-http",
        ],
    );
    assert_eq!(allowed.code, 3, "{}", allowed.stderr);
    assert!(!allowed.stderr.contains("ory_pat_never_over_http"));
}
