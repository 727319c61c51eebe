//! The `oqu` command against a real oqud on a private bus.

mod support;

use support::{oqu, Bus, Daemon, DEFAULT_CONFIG, OQU};

#[tokio::test]
async fn status_is_readable_and_json_for_scripts() {
    let bus = Bus::session();
    let config = bus.file(
        "station.toml",
        "[station]\nname = \"Zone 3\"\nlanguages = [\"en\", \"ru\"]\n[braille]\ndisplay = \"nope\"\n",
    );
    let _daemon = Daemon::start(&bus, &config, &[]).await;

    let run = oqu(&bus, &["status"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap();
    assert_eq!(first, "! Problems found: Station — Zone 3");
    assert!(
        run.stdout
            .contains("Braille display profile not found: \"nope\""),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains(&format!("Configuration: {}", config.display())));

    let run = oqu(&bus, &["--ui-lang", "kk", "status"], None);
    assert!(
        run.stdout.starts_with("! Ақаулар бар: Станция — Zone 3"),
        "{}",
        run.stdout
    );

    let run = oqu(&bus, &["--json", "status"], None);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["config"]["name"], "Zone 3");
    assert_eq!(json["config"]["languages"], serde_json::json!(["en", "ru"]));
    assert_eq!(json["problems"][0]["code"], "display-profile-missing");
}

#[tokio::test]
async fn refusals_are_printed_with_the_daemons_reason() {
    let bus = Bus::session();
    let config = bus.file("station.toml", DEFAULT_CONFIG);
    let _daemon = Daemon::start(&bus, &config, &[]).await;

    let run = oqu(&bus, &["listen"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        "oqu: Voice commands not available yet: not built into this oqud."
    );

    let run = oqu(&bus, &["say", "сәлем"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "Queued: 1");

    let run = oqu(&bus, &["say", "--priority", "urgent", "x"], None);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("\"priority\" cannot be \"urgent\""),
        "{}",
        run.stderr
    );

    let run = oqu(&bus, &["--json", "search", "абай"], None);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["error"], "org.oqu.Oqu1.Error.Unavailable");
}

#[test]
fn a_missing_daemon_is_named_clearly() {
    let bus = Bus::session();
    let run = oqu(&bus, &["status"], None);
    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr.trim(),
        "oqu: oqud is not running on the session bus. Start it: oqud &"
    );
    let unreachable = std::process::Command::new(OQU)
        .args(["--address", "unix:path=/nonexistent/bus", "status"])
        .env("LANG", "ru_RU.UTF-8")
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&unreachable.stderr);
    assert!(
        stderr.starts_with("oqu: D-Bus недоступна (шина session)"),
        "{stderr}"
    );
}

#[test]
fn shell_completions_are_generated() {
    for (shell, marker) in [
        ("bash", "_oqu()"),
        ("zsh", "#compdef oqu"),
        ("fish", "complete -c oqu"),
    ] {
        let out = std::process::Command::new(OQU)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}");
        assert!(
            text.contains("status") && text.contains("catalogue"),
            "{shell}"
        );
    }
}
