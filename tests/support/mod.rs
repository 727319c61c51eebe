//! Test support: a private dbus-daemon and a real oqud on it.
//!
//! Nothing here touches the user's session or system bus. A tool these tests
//! need that is missing makes them fail (never skip): see `require`.

#![allow(dead_code)] // each test file uses a different part

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const OQUD: &str = env!("CARGO_BIN_EXE_oqud");
pub const OQU: &str = env!("CARGO_BIN_EXE_oqu");
pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Panics with an install hint when a program the test needs is missing.
pub fn require(program: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{program} is missing: install it with `apt-get install {package}` (or run .ci/run)"
    );
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A dbus-daemon of the test's own, on a socket in a temporary directory.
pub struct Bus {
    pub dir: tempfile::TempDir,
    pub address: String,
    child: Child,
}

impl Bus {
    /// A session-style bus: everyone may do anything (one user, as on a session bus).
    pub fn session() -> Bus {
        Bus::start(
            "session",
            r#"<policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>"#,
        )
    }

    /// A system-style bus: Debian's default system policy, plus `extra`
    /// (typically an `<include>` of the shipped policy file).
    pub fn system(extra: &str) -> Bus {
        let policy = format!(
            r#"<policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  {extra}"#
        );
        Bus::start("system", &policy)
    }

    fn start(kind: &str, policy: &str) -> Bus {
        require("dbus-daemon", "dbus-daemon");
        let dir = tempfile::tempdir().expect("temporary directory");
        // Other users (the "nobody" client of the policy tests) must reach the socket.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{kind}</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  {policy}
</busconfig>
"#,
                socket.display()
            ),
        )
        .expect("write bus config");
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .arg("--nosyslog")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "dbus-daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Bus {
            address: format!("unix:path={}", socket.display()),
            dir,
            child,
        }
    }

    pub async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .expect("address")
            .build()
            .await
            .expect("connect to the private bus")
    }

    /// Writes a file in the bus's temporary directory and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write test file");
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .expect("chmod");
        path
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real oqud process on a private bus.
pub struct Daemon {
    child: Option<Child>,
    pub log: PathBuf,
}

/// The configuration every test starts from unless it writes its own: the
/// embedded defaults, but in a file so the machine's /etc/oqu is never read.
pub const DEFAULT_CONFIG: &str = "[station]\nlanguages = [\"en\", \"kk\", \"ru\"]\n";

impl Daemon {
    /// Starts oqud on `bus` with `config` and waits until it owns its name.
    pub async fn start(bus: &Bus, config: &Path, extra: &[&str]) -> Daemon {
        Daemon::start_with_env(bus, config, extra, &[]).await
    }

    /// Like `start`, with extra environment variables (a sound server, say).
    pub async fn start_with_env(
        bus: &Bus,
        config: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Daemon {
        let daemon = Daemon::spawn_with_env(bus, config, extra, env);
        let conn = bus.connect().await;
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.expect("bus proxy");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let name = zbus::names::BusName::try_from("org.oqu.Oqu1.Speech.Provider").unwrap();
            if dbus.name_has_owner(name).await.unwrap_or(false) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "oqud did not take its names; log:\n{}",
                daemon.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        daemon
    }

    /// Starts oqud without waiting.
    pub fn spawn(bus: &Bus, config: &Path, extra: &[&str]) -> Daemon {
        Daemon::spawn_with_env(bus, config, extra, &[])
    }

    fn spawn_with_env(bus: &Bus, config: &Path, extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        let log = bus.dir.path().join(format!("oqud-{}.log", rand_suffix()));
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(OQUD)
            .arg("--address")
            .arg(&bus.address)
            .arg("--config")
            .arg(config)
            .args(extra)
            .env("OQU_DATA_PATH", REPO)
            .env("OQU_STATE_DIR", bus.dir.path().join("state"))
            .env("OQU_LOG", "debug")
            .env_remove("OQU_LANG")
            .env("LANG", "C.UTF-8")
            // No sound unless a test gives its own sound server.
            .env("PULSE_SERVER", "unix:/nonexistent/oqu-test-no-sound")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start oqud");
        Daemon {
            child: Some(child),
            log,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Waits (up to `within`) for the process to end by itself.
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("daemon already stopped");
        wait_timeout(&mut child, within).unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "oqud did not exit within {within:?}; log:\n{}",
                self.log_text()
            )
        })
    }

    /// Sends a signal and waits (up to `within`) for the process to end.
    pub fn signal_and_wait(
        &mut self,
        signal: nix::sys::signal::Signal,
        within: Duration,
    ) -> ExitStatus {
        let mut child = self.child.take().expect("daemon already stopped");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal)
            .expect("kill");
        wait_timeout(&mut child, within).unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "oqud did not stop within {within:?}; log:\n{}",
                self.log_text()
            )
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn wait_timeout(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The output of one `oqu` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `oqu` command against `bus`, optionally as another user (uid, gid).
pub fn oqu(bus: &Bus, args: &[&str], as_user: Option<(u32, u32)>) -> Run {
    let mut command = match as_user {
        Some((uid, gid)) => {
            require("setpriv", "util-linux");
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(OQU);
            c
        }
        None => Command::new(OQU),
    };
    let mut child = command
        .arg("--address")
        .arg(&bus.address)
        .args(args)
        .env("LANG", "C.UTF-8")
        .env_remove("OQU_LANG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run oqu");
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = wait_timeout(&mut child, Duration::from_secs(30)).expect("oqu hung");
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// The reason Station.Status gives for the problem with `code`, if any.
pub async fn problem_reason(conn: &zbus::Connection, code: &str) -> Option<String> {
    let status = oqu::client::StationProxy::new(conn)
        .await
        .ok()?
        .status()
        .await
        .ok()?;
    let problems = Vec::<oqu::client::Dict>::try_from(status.get("problems")?.clone()).ok()?;
    problems.iter().find_map(|p| {
        let found = String::try_from(p.get("code")?.clone()).ok()? == code;
        found.then(|| String::try_from(p.get("reason")?.clone()).ok())?
    })
}

/// The D-Bus error name and message of a failed call.
pub fn error_of<T: std::fmt::Debug>(result: zbus::Result<T>) -> (String, String) {
    match result {
        Err(zbus::Error::MethodError(name, message, _)) => {
            (name.to_string(), message.unwrap_or_default())
        }
        other => panic!("expected a D-Bus error reply, got {other:?}"),
    }
}

/// A private PulseAudio with one null sink, as FIELD-NOTES describes: what
/// oqud plays there is recorded from the sink's monitor.
pub struct Pulse {
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Pulse {
    pub fn start() -> Pulse {
        require("pulseaudio", "pulseaudio");
        require("parec", "pulseaudio-utils");
        let dir = tempfile::tempdir().expect("temporary directory");
        let socket = dir.path().join("native");
        let child = Command::new("pulseaudio")
            .args([
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disable-shm",
            ])
            .arg("-L")
            .arg("module-null-sink sink_name=nullsink rate=22050 channels=1")
            .arg("-L")
            .arg(format!(
                "module-native-protocol-unix socket={} auth-anonymous=1",
                socket.display()
            ))
            .env("HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pulseaudio");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "pulseaudio did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Pulse { dir, child }
    }

    pub fn server(&self) -> String {
        format!("unix:{}", self.dir.path().join("native").display())
    }

    /// The sound server dies, as when a USB sound card is pulled out.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts recording the null sink (mono, 16-bit, 22050 Hz).
    pub fn record(&self) -> Recording {
        let path = self.dir.path().join(format!("rec-{}.raw", rand_suffix()));
        let child = Command::new("parec")
            .args([
                "-d",
                "nullsink.monitor",
                "--format=s16le",
                "--rate=22050",
                "--channels=1",
                "--latency-msec=10",
            ])
            .arg(&path)
            .env("PULSE_SERVER", self.server())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start parec");
        // Recording has begun when the monitor's silence starts arriving:
        // on a busy machine parec can take seconds to connect.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) < 4410 {
            assert!(
                Instant::now() < deadline,
                "parec recorded nothing from the null sink"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Recording {
            child: Some(child),
            path,
        }
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Recording {
    child: Option<Child>,
    path: PathBuf,
}

pub const RATE: usize = 22050;

impl Recording {
    /// Stops recording and returns the samples.
    pub fn finish(mut self) -> Vec<i16> {
        if let Some(mut child) = self.child.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGINT,
            );
            let _ = wait_timeout(&mut child, Duration::from_secs(5));
            let _ = child.kill();
        }
        let bytes = std::fs::read(&self.path).unwrap_or_default();
        bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Seconds of audio louder than speech's quietest parts, in 10 ms windows.
pub fn loud_seconds(samples: &[i16]) -> f64 {
    let window = RATE / 100;
    samples
        .chunks(window)
        .filter(|w| w.iter().map(|s| i64::from(*s).abs()).max().unwrap_or(0) > 1500)
        .count() as f64
        / 100.0
}

/// Index of the last sample louder than `level`.
pub fn last_loud(samples: &[i16], level: i16) -> Option<usize> {
    samples
        .iter()
        .rposition(|s| s.unsigned_abs() > level.unsigned_abs())
}

/// A private Speech Dispatcher playing into `pulse`.
pub struct SpeechDispatcher {
    child: Child,
    pub socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SpeechDispatcher {
    pub fn start(pulse: &Pulse) -> SpeechDispatcher {
        require(
            "speech-dispatcher",
            "speech-dispatcher speech-dispatcher-espeak-ng",
        );
        require("spd-say", "speech-dispatcher");
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("speechd.sock");
        let child = Command::new("speech-dispatcher")
            .args(["-s", "-t", "0", "-c", "unix_socket", "-S"])
            .arg(&socket)
            .arg("-P")
            .arg(dir.path().join("pid"))
            .arg("-L")
            .arg(dir.path())
            .env("PULSE_SERVER", pulse.server())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("speech-dispatcher");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "speech-dispatcher did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        SpeechDispatcher {
            child,
            socket,
            _dir: dir,
        }
    }
}

impl SpeechDispatcher {
    /// What libspeechd clients need to find it.
    pub fn address(&self) -> String {
        format!("unix_socket:{}", self.socket.display())
    }

    /// The server dies (or is killed by a mentor's mistake).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server hangs: alive, but answering nothing.
    pub fn freeze(&self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGSTOP,
        );
    }
}

impl Drop for SpeechDispatcher {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGCONT,
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
