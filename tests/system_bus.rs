//! oqud on a system-style private bus with the shipped policy file: any
//! local user may read and speak; only mentors may change the station.
//! These tests switch to the "nobody" user, so they need root.

mod support;

use support::{is_root, oqu, Bus, Daemon, DEFAULT_CONFIG, REPO};

const NOBODY: (u32, u32) = (65534, 65534);

fn needs_root() -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the system-bus policy tests must run as root in CI"
    );
    eprintln!("NOT RUN: the system-bus policy tests need root to act as another user");
    false
}

fn shipped_policy() -> String {
    format!("<include>{REPO}/dist/dbus/org.oqu.Oqu1.conf</include>")
}

#[tokio::test]
async fn shipped_policy_lets_anyone_read_and_speak_but_not_change_the_station() {
    if !needs_root() {
        return;
    }
    let bus = Bus::system(&shipped_policy());
    let config = bus.file("station.toml", DEFAULT_CONFIG);
    let _daemon = Daemon::start(&bus, &config, &["--system"]).await;

    // Reading the station is for everyone.
    let status = oqu(&bus, &["--json", "status"], Some(NOBODY));
    assert_eq!(status.code, 0, "{}", status.stderr);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["bus"], "system");

    // Speaking is for everyone.
    let say = oqu(&bus, &["--json", "say", "сәлем"], Some(NOBODY));
    assert_eq!(say.code, 0, "{}", say.stdout);
    let json: serde_json::Value = serde_json::from_str(&say.stdout).unwrap();
    assert!(json["id"].as_u64().is_some(), "{json}");
    // Showing braille is for everyone too.
    let show = oqu(&bus, &["braille", "сәлем"], Some(NOBODY));
    assert_eq!(show.code, 0, "{}", show.stderr);
    // Searching reaches oqud (which says the catalogue is not built yet), not a policy wall.
    let search = oqu(&bus, &["--json", "search", "абай"], Some(NOBODY));
    let json: serde_json::Value = serde_json::from_str(&search.stdout).unwrap();
    assert_eq!(json["error"], "org.oqu.Oqu1.Error.Unavailable");

    // Changing the station is refused by the bus itself.
    let reload = oqu(&bus, &["--json", "reload"], Some(NOBODY));
    assert_eq!(reload.code, 1);
    let json: serde_json::Value = serde_json::from_str(&reload.stdout).unwrap();
    assert_eq!(json["error"], "org.freedesktop.DBus.Error.AccessDenied");
    let import = oqu(
        &bus,
        &["--json", "catalogue", "import", "/tmp/x.mrc"],
        Some(NOBODY),
    );
    let json: serde_json::Value = serde_json::from_str(&import.stdout).unwrap();
    assert_eq!(json["error"], "org.freedesktop.DBus.Error.AccessDenied");

    // Root is a mentor.
    let reload = oqu(&bus, &["reload"], None);
    assert_eq!(reload.code, 0, "{}", reload.stderr);
    assert_eq!(reload.stdout.trim(), "Configuration reloaded");

    // Only the service user (and root) may own the name.
    let impostor = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(support::OQUD)
        .args(["--system", "--address", &bus.address, "--config"])
        .arg(&config)
        .env("OQU_STATE_DIR", bus.dir.path().join("nobody-state"))
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    assert_eq!(impostor.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&impostor.stderr);
    assert!(
        stderr.contains("org.oqu.Oqu1") && stderr.contains("AccessDenied"),
        "{stderr}"
    );
}

#[tokio::test]
async fn oqud_checks_the_mentors_group_itself_when_the_policy_is_loose() {
    if !needs_root() {
        return;
    }
    // A policy that lets everyone send anything: oqud must still refuse.
    let loose = r#"<policy context="default">
    <allow own="*"/>
    <allow send_destination="org.oqu.Oqu1"/>
  </policy>"#;
    let bus = Bus::system(loose);
    let config = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"ru\", \"kk\", \"en\"]\nmentors_group = \"root\"\n",
    );
    let _daemon = Daemon::start(&bus, &config, &["--system"]).await;

    let reload = oqu(&bus, &["--json", "reload"], Some(NOBODY));
    assert_eq!(reload.code, 1);
    let json: serde_json::Value = serde_json::from_str(&reload.stdout).unwrap();
    assert_eq!(json["error"], "org.oqu.Oqu1.Error.PermissionDenied");
    assert_eq!(
        json["message"],
        "Запрещено: Reload только для наставников (группа «root»)."
    );

    // Put "nobody" in the mentors' group (its own group, nogroup): now allowed.
    bus.file(
        "station.toml",
        "[station]\nlanguages = [\"ru\", \"kk\", \"en\"]\nmentors_group = \"nogroup\"\n",
    );
    assert_eq!(oqu(&bus, &["reload"], None).code, 0);
    let reload = oqu(&bus, &["reload"], Some(NOBODY));
    assert_eq!(reload.code, 0, "{}", reload.stdout);
}
