//! Test support: a private BRLTTY on an emulated display, and a BrlAPI client.
//!
//! The client is BRLTTY's own Python binding (python3-brlapi) run by the
//! system Python in a subprocess that takes one command a line on stdin and
//! answers one line on stdout. A tool these tests need that is missing makes
//! them fail (never skip), with the package to install.

#![allow(dead_code)] // each test uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Generous: BRLTTY and Python start slowly on a loaded two-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// BrlAPI's first TCP port: `host=127.0.0.1:N` listens on 4101 + N.
const BRLAPI_BASE_PORT: u16 = 4101;

/// The interpreter python3-brlapi installs into (not a pyenv shim's).
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// Panics with an install hint when a program the test needs is missing.
pub fn require(program: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
        || ["/usr/sbin", "/sbin", "/usr/bin"]
            .iter()
            .any(|dir| Path::new(dir).join(program).is_file());
    assert!(
        found,
        "{program} is missing: install it with `apt-get install {package}` (or run .ci/run)"
    );
}

/// Panics unless the system Python can import BRLTTY's `brlapi` module.
pub fn require_python_brlapi() {
    let ok = Command::new(SYSTEM_PYTHON)
        .args(["-c", "import brlapi"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        ok,
        "{SYSTEM_PYTHON} cannot import brlapi: install it with `apt-get install python3-brlapi`"
    );
}

fn brltty_program() -> String {
    [
        "/usr/bin/brltty",
        "/usr/sbin/brltty",
        "/sbin/brltty",
        "/bin/brltty",
    ]
    .iter()
    .find(|path| Path::new(path).is_file())
    .map_or_else(|| "brltty".to_string(), |path| path.to_string())
}

/// Text that grows as a child writes it, and can be waited on.
#[derive(Clone, Default)]
pub struct Log(Arc<(Mutex<String>, Condvar)>);

impl Log {
    fn follow(self, stream: impl Read + Send + 'static) {
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stream);
            let mut line = Vec::new();
            while lines
                .read_until(b'\n', &mut line)
                .is_ok_and(|read| read > 0)
            {
                let (text, changed) = &*self.0;
                text.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&String::from_utf8_lossy(&line));
                changed.notify_all();
                line.clear();
            }
        });
    }

    pub fn text(&self) -> String {
        self.0 .0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until the text contains `needle`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (text, changed) = &*self.0;
        let mut text = text.lock().unwrap_or_else(|e| e.into_inner());
        while !text.contains(needle) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            text = changed
                .wait_timeout(text, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

/// A BRLTTY of the test's own: Baum driver on `device`, BrlAPI on a free
/// 127.0.0.1 port without authentication, no screen, no speech, all its
/// files in a temporary directory, its log (stderr) captured.
pub struct Brltty {
    child: Child,
    pub dir: tempfile::TempDir,
    pub log: Log,
    /// The BrlAPI host string clients use, e.g. `127.0.0.1:30012`.
    pub api_host: String,
    pub api_port: u16,
    pub args: Vec<String>,
}

impl Brltty {
    pub fn start(device: &Path) -> Brltty {
        require("brltty", "brltty");
        let dir = tempfile::tempdir().expect("temporary directory");
        let writable = dir.path().join("writable");
        let updatable = dir.path().join("updatable");
        std::fs::create_dir_all(&writable).expect("mkdir");
        std::fs::create_dir_all(&updatable).expect("mkdir");
        let api_port = free_port();
        let offset = api_port - BRLAPI_BASE_PORT;
        let api_host = format!("127.0.0.1:{offset}");
        let args: Vec<String> = vec![
            "-n".into(), // stay in the foreground
            "-e".into(), // log to stderr
            "-l".into(),
            "info,inpkts,outpkts".into(),
            "-b".into(),
            "bm".into(),
            "-d".into(),
            format!("serial:{}", device.display()),
            "-A".into(),
            format!("host={api_host},auth=none"),
            "-f".into(),
            "/dev/null".into(),
            "-F".into(),
            dir.path().join("prefs.conf").display().to_string(),
            "-W".into(),
            writable.display().to_string(),
            "-U".into(),
            updatable.display().to_string(),
            "-P".into(),
            dir.path().join("brltty.pid").display().to_string(),
            "-x".into(),
            "no".into(),
            "-s".into(),
            "no".into(),
        ];
        let mut child = Command::new(brltty_program())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start brltty");
        let log = Log::default();
        if let Some(stderr) = child.stderr.take() {
            log.clone().follow(stderr);
        }
        Brltty {
            child,
            dir,
            log,
            api_host,
            api_port,
            args,
        }
    }

    /// Waits for `needle` in the log; panics with the log if it never comes.
    pub fn expect_log(&mut self, needle: &str) {
        if !self.log.wait_for(needle, TIMEOUT) {
            let status = self.child.try_wait().ok().flatten();
            panic!(
                "BRLTTY never logged {needle:?} (exit status: {status:?}); brltty {}\n--- log ---\n{}",
                self.args.join(" "),
                self.log.text()
            );
        }
    }

    /// Waits until BrlAPI accepts TCP connections.
    pub fn wait_for_api(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.api_port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "BRLTTY exited with {status}\n--- log ---\n{}",
                    self.log.text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "BrlAPI never listened on port {}\n--- log ---\n{}",
                self.api_port,
                self.log.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Brltty {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// SIGTERM, a few seconds' grace, then SIGKILL; always reaps the child.
fn stop(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A TCP port nobody listens on now, above BrlAPI's base (ephemeral ports are).
fn free_port() -> u16 {
    for _ in 0..100 {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind a free port");
        let port = listener.local_addr().expect("local address").port();
        if port > BRLAPI_BASE_PORT {
            return port;
        }
    }
    panic!("no free TCP port above {BRLAPI_BASE_PORT}");
}

/// The BrlAPI client in Python: one command a line, one answer a line.
const CLIENT: &str = r#"
import sys, brlapi
def say(*words):
    print(*words, flush=True)
try:
    api = brlapi.Connection(sys.argv[1].encode())
    api.enterTtyModeWithPath([])
except Exception as error:
    say("error", repr(error))
    sys.exit(1)
width, height = api.displaySize
driver = api.driverName
if isinstance(driver, bytes):
    driver = driver.decode()
say("ready", driver.replace(" ", "_"), width, height)
for line in sys.stdin:
    words = line.split()
    try:
        if words[0] == "dots":
            api.writeDots(bytes.fromhex(words[1]))
            say("ok")
        elif words[0] == "passdots":
            api.acceptKeys(brlapi.rangeType_command, [brlapi.KEY_TYPE_CMD | brlapi.KEY_CMD_PASSDOTS])
            say("ok")
        elif words[0] == "key":
            key = api.readKeyWithTimeout(int(words[1]))
            say("key", "none" if key is None else hex(key))
        else:
            say("error", "unknown command", words[0])
    except Exception as error:
        say("error", repr(error))
"#;

/// A BrlAPI client connected to a [`Brltty`], holding the display (tty mode
/// at the root, keys as BRLTTY commands).
pub struct Brlapi {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    pub driver: String,
    pub width: u32,
    pub height: u32,
    stderr: Log,
}

impl Brlapi {
    pub fn connect(brltty: &Brltty) -> Brlapi {
        require_python_brlapi();
        let mut child = Command::new(SYSTEM_PYTHON)
            .args(["-c", CLIENT, &brltty.api_host])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python3");
        let stdin = child.stdin.take().expect("client stdin");
        let stdout = child.stdout.take().expect("client stdout");
        let stderr = Log::default();
        if let Some(pipe) = child.stderr.take() {
            stderr.clone().follow(pipe);
        }
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut client = Brlapi {
            child,
            stdin,
            lines,
            driver: String::new(),
            width: 0,
            height: 0,
            stderr,
        };
        let ready = client.answer(&brltty.log);
        let words: Vec<&str> = ready.split_whitespace().collect();
        match words.as_slice() {
            ["ready", driver, width, height] => {
                client.driver = driver.replace('_', " ");
                client.width = width.parse().expect("width");
                client.height = height.parse().expect("height");
            }
            _ => panic!(
                "BrlAPI client did not start: {ready}\n--- BRLTTY log ---\n{}",
                brltty.log.text()
            ),
        }
        client
    }

    /// Writes one cell per byte (bit 0 = dot 1) across the whole display.
    pub fn write_dots(&mut self, dots: &[u8], log: &Log) {
        let hex: String = dots.iter().map(|b| format!("{b:02x}")).collect();
        let answer = self.command(&format!("dots {hex}"), log);
        assert_eq!(answer, "ok", "writeDots failed");
    }

    /// Asks BRLTTY for braille-keyboard dots as PASSDOTS commands.
    pub fn accept_passdots(&mut self, log: &Log) {
        let answer = self.command("passdots", log);
        assert_eq!(answer, "ok", "acceptKeys failed");
    }

    /// The next key code, or None if none comes within `timeout`.
    pub fn read_key(&mut self, timeout: Duration, log: &Log) -> Option<u64> {
        let answer = self.command(&format!("key {}", timeout.as_millis()), log);
        match answer.strip_prefix("key ") {
            Some("none") => None,
            Some(hex) => Some(
                u64::from_str_radix(hex.trim_start_matches("0x"), 16)
                    .unwrap_or_else(|_| panic!("odd key code {hex}")),
            ),
            None => panic!("readKey failed: {answer}"),
        }
    }

    fn command(&mut self, line: &str, log: &Log) -> String {
        writeln!(self.stdin, "{line}").expect("write to the BrlAPI client");
        self.stdin.flush().expect("flush the BrlAPI client");
        self.answer(log)
    }

    fn answer(&mut self, log: &Log) -> String {
        // The client's own timeouts are shorter; this only catches a hang.
        match self.lines.recv_timeout(TIMEOUT * 2) {
            Ok(line) => line,
            Err(_) => panic!(
                "the BrlAPI client said nothing\n--- its stderr ---\n{}\n--- BRLTTY log ---\n{}",
                self.stderr.text(),
                log.text()
            ),
        }
    }
}

impl Drop for Brlapi {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}
