//! Speech benchmarks (issue 3), side by side with Speech Dispatcher in the
//! same run, on the same private PulseAudio null sink:
//!
//! 1. D-Bus `Speak` → first audible sample at the sink, against Speech
//!    Dispatcher + eSpeak NG (`spd-say`, and a kept-open SSIP connection),
//!    the same Kazakh and Russian sentences.
//! 2. `Stop` → silence at the sink, against SSIP `CANCEL`.
//! 3. CPU and peak RSS of oqud while it reads a 10,000-word text aloud.
//!
//! Run: `cargo bench --bench speech` (needs the packages of scripts/test.sh
//! plus speech-dispatcher and speech-dispatcher-espeak-ng). Medians are
//! reported; the machine is noisy, so rerun before believing a small change.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oqu::client::{Dict, SpeechProxy};
use support::{Bus, Daemon, Pulse, SpeechDispatcher};
use zbus::zvariant::{OwnedValue, Value};

const KK: [&str; 5] = [
    "Абай Құнанбайұлы — қазақтың ұлы ақыны.",
    "Кітапхана бүгін таңғы тоғызда ашылады.",
    "Оқырман залында жаңа кітаптар бар.",
    "Қара сөздер қазақ тілінде жазылған.",
    "Мен кітап оқығанды жақсы көремін.",
];
const RU: [&str; 5] = [
    "Лев Толстой написал роман «Война и мир».",
    "Библиотека открывается в девять утра.",
    "В читальном зале появились новые книги.",
    "Сегодня вечером будет литературный вечер.",
    "Я люблю читать книги по вечерам.",
];
const ROUNDS: usize = 4;
/// Between trials the sink must be this quiet this long: longer than any
/// pause inside a sentence, so a trial never hears the end of the one before.
const QUIET: Duration = Duration::from_millis(800);
/// A block with a sample above this is sound.
const LOUD: i16 = 1500;

/// The null sink's monitor, sample by sample. parec hands audio over in
/// bursts, so arrival times are coarse; but the monitor runs at exactly the
/// sample rate, so each sample's time is the stream's start plus its index.
/// The start is estimated as the earliest `arrival - index / rate` seen: no
/// sample can arrive before it was played.
struct Monitor {
    state: Arc<Mutex<MonitorState>>,
    child: Child,
}

#[derive(Default)]
struct MonitorState {
    /// Peak of each 2 ms block, in order.
    peaks: Vec<i16>,
    /// The estimated time of sample 0.
    origin: Option<Instant>,
}

const BLOCK: usize = 44; // samples: 2 ms at 22050 Hz

impl MonitorState {
    fn time_of_block(&self, block: usize) -> Option<Instant> {
        self.origin
            .map(|o| o + Duration::from_secs_f64((block * BLOCK) as f64 / support::RATE as f64))
    }
}

impl Monitor {
    fn start(pulse: &Pulse) -> Monitor {
        let mut child = Command::new("parec")
            .args([
                "-d",
                "nullsink.monitor",
                "--format=s16le",
                "--rate=22050",
                "--channels=1",
                "--latency-msec=2",
            ])
            .env("PULSE_SERVER", pulse.server())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("parec");
        let mut out = child.stdout.take().expect("parec stdout");
        let state = Arc::new(Mutex::new(MonitorState::default()));
        let sink = Arc::clone(&state);
        std::thread::spawn(move || {
            let mut buf = [0u8; BLOCK * 2];
            while out.read_exact(&mut buf).is_ok() {
                let now = Instant::now();
                let peak = buf
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]).saturating_abs())
                    .max()
                    .unwrap_or(0);
                let mut state = sink.lock().unwrap();
                state.peaks.push(peak);
                let played = Duration::from_secs_f64(
                    (state.peaks.len() * BLOCK) as f64 / support::RATE as f64,
                );
                let origin = now.checked_sub(played).unwrap_or(now);
                if state.origin.is_none_or(|o| origin < o) {
                    state.origin = Some(origin);
                }
            }
        });
        std::thread::sleep(Duration::from_millis(800));
        Monitor { state, child }
    }

    /// Waits for the first loud sample played after `since`; its delay.
    fn first_loud_after(&self, since: Instant, within: Duration) -> Option<Duration> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            {
                let state = self.state.lock().unwrap();
                let found = (0..state.peaks.len()).find_map(|b| {
                    let at = state.time_of_block(b)?;
                    (at >= since && state.peaks[b] > LOUD).then(|| at.duration_since(since))
                });
                if found.is_some() {
                    return found;
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }

    /// After `window`, the time from `since` to the last loud sample played in it.
    fn last_loud_within(&self, since: Instant, window: Duration) -> Duration {
        // Wait for the window to be played and for parec's bursts to arrive.
        std::thread::sleep(window + Duration::from_millis(300));
        let state = self.state.lock().unwrap();
        (0..state.peaks.len())
            .filter_map(|b| {
                let at = state.time_of_block(b)?;
                (at >= since && at <= since + window && state.peaks[b] > LOUD)
                    .then(|| at.duration_since(since))
            })
            .max()
            .unwrap_or_default()
    }

    /// Waits until the sink has been quiet for `quiet`.
    fn wait_quiet(&self, quiet: Duration, within: Duration) {
        let deadline = Instant::now() + within;
        let blocks = (quiet.as_secs_f64() * support::RATE as f64 / BLOCK as f64) as usize;
        while Instant::now() < deadline {
            {
                let state = self.state.lock().unwrap();
                let n = state.peaks.len();
                if n > blocks && state.peaks[n - blocks..].iter().all(|p| *p <= LOUD) {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A kept-open SSIP connection to a private Speech Dispatcher.
struct Ssip {
    stream: UnixStream,
    reader: BufReader<UnixStream>,
}

impl Ssip {
    fn connect(socket: &std::path::Path) -> Ssip {
        let stream = UnixStream::connect(socket).expect("SSIP socket");
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut ssip = Ssip { stream, reader };
        ssip.command("SET SELF CLIENT_NAME root:oqu-bench:main");
        ssip.command("SET SELF PRIORITY message");
        ssip
    }

    /// Sends one line and reads the reply up to its final "NNN " line.
    fn command(&mut self, line: &str) -> String {
        write!(self.stream, "{line}\r\n").expect("SSIP write");
        self.reply()
    }

    fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
                return all;
            }
            all.push_str(&line);
            if line.as_bytes().get(3) == Some(&b' ') {
                return all;
            }
        }
    }

    /// SPEAK; returns when the text is queued (the clock starts before the final ".").
    fn speak(&mut self, text: &str) -> Instant {
        self.command("SPEAK");
        write!(self.stream, "{text}\r\n").expect("SSIP write");
        let sent = Instant::now();
        write!(self.stream, ".\r\n").expect("SSIP write");
        self.reply();
        sent
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn options(lang: &str) -> Dict {
    [(
        "language".to_string(),
        OwnedValue::try_from(Value::from(lang.to_owned())).unwrap(),
    )]
    .into_iter()
    .collect()
}

/// CPU seconds (user + system) and peak RSS (kB) of a process.
fn usage(pid: u32) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields
        .get(11)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks / hz, hwm)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let pulse = Pulse::start();
    let bus = Bus::session();
    let config = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"kk\", \"ru\", \"en\"]\n",
    );
    // oqud inherits OQU_AUDIO_PERIOD_MS, the device period, from this environment.
    let period = std::env::var("OQU_AUDIO_PERIOD_MS").unwrap_or_else(|_| "10 (default)".into());
    println!("device period: {period} ms\n");
    let daemon =
        Daemon::start_with_env(&bus, &config, &[], &[("PULSE_SERVER", &pulse.server())]).await;
    let conn = bus.connect().await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let sd = SpeechDispatcher::start(&pulse);
    let mut ssip = Ssip::connect(&sd.socket);
    let monitor = Monitor::start(&pulse);

    // Warm both up once (first synthesis loads dictionaries).
    for lang in ["kk", "ru"] {
        speech.speak("Сәлем.", options(lang)).await.unwrap();
        monitor.wait_quiet(QUIET, Duration::from_secs(5));
        ssip.command(&format!("SET SELF LANGUAGE {lang}"));
        ssip.speak("Сәлем.");
        monitor.wait_quiet(QUIET, Duration::from_secs(5));
    }

    println!("# 1. Speak → first audible sample at the null sink (ms, median of {} sentences × {ROUNDS})", KK.len());
    println!(
        "| language | oqu (D-Bus Speak) | spd-say | SSIP kept open | oqu / spd-say | oqu / SSIP |"
    );
    println!("|---|---|---|---|---|---|");
    for (lang, sentences) in [("kk", KK), ("ru", RU)] {
        let (mut ours, mut spd_say, mut kept) = (Vec::new(), Vec::new(), Vec::new());
        ssip.command(&format!("SET SELF LANGUAGE {lang}"));
        for _ in 0..ROUNDS {
            for sentence in sentences {
                let start = Instant::now();
                speech.speak(sentence, options(lang)).await.unwrap();
                if let Some(d) = monitor.first_loud_after(start, Duration::from_secs(5)) {
                    ours.push(ms(d));
                }
                monitor.wait_quiet(QUIET, Duration::from_secs(15));

                let start = Instant::now();
                let status = Command::new("spd-say")
                    .args(["-l", lang, "-P", "message", sentence])
                    .env(
                        "SPEECHD_ADDRESS",
                        format!("unix_socket:{}", sd.socket.display()),
                    )
                    .status()
                    .expect("spd-say");
                assert!(status.success());
                if let Some(d) = monitor.first_loud_after(start, Duration::from_secs(5)) {
                    spd_say.push(ms(d));
                }
                monitor.wait_quiet(QUIET, Duration::from_secs(15));

                let start = ssip.speak(sentence);
                if let Some(d) = monitor.first_loud_after(start, Duration::from_secs(5)) {
                    kept.push(ms(d));
                }
                monitor.wait_quiet(QUIET, Duration::from_secs(15));
            }
        }
        let (o, s, k) = (median(&mut ours), median(&mut spd_say), median(&mut kept));
        println!(
            "| {lang} | {o:.1} | {s:.1} | {k:.1} | {:.2} | {:.2} |",
            o / s,
            o / k
        );
    }

    println!();
    println!(
        "# 2. Stop → silence at the sink (ms, median of {} trials)",
        2 * ROUNDS
    );
    let long = KK.join(" ").repeat(4);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    ssip.command("SET SELF LANGUAGE kk");
    for _ in 0..2 * ROUNDS {
        let start = Instant::now();
        speech.speak(&long, options("kk")).await.unwrap();
        monitor.first_loud_after(start, Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(700)).await;
        let stop = Instant::now();
        speech.stop().await.unwrap();
        ours.push(ms(
            monitor.last_loud_within(stop, Duration::from_millis(600))
        ));
        monitor.wait_quiet(QUIET, Duration::from_secs(5));

        let start = ssip.speak(&long);
        monitor.first_loud_after(start, Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(700));
        let cancel = Instant::now();
        ssip.command("CANCEL self");
        theirs.push(ms(
            monitor.last_loud_within(cancel, Duration::from_millis(600))
        ));
        monitor.wait_quiet(QUIET, Duration::from_secs(5));
    }
    let (o, t) = (median(&mut ours), median(&mut theirs));
    println!(
        "| oqu Stop | SSIP CANCEL | ratio |\n|---|---|---|\n| {o:.1} | {t:.1} | {:.2} |",
        o / t
    );

    println!();
    let seconds: u64 = std::env::var("OQU_BENCH_READ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    println!(
        "# 3. Reading a 10,000-word text aloud: oqud CPU and memory over the first {seconds} s"
    );
    let words: Vec<&str> = KK
        .iter()
        .chain(RU.iter())
        .flat_map(|s| s.split(' '))
        .collect();
    let text: String = (0..10_000)
        .map(|i| words[i % words.len()])
        .collect::<Vec<_>>()
        .join(" ");
    let pid = daemon.pid();
    let (cpu_before, rss_before) = usage(pid);
    let started = Instant::now();
    // One Speak takes at most 65,536 characters: the text goes as queued parts.
    let mut part = String::new();
    for word in text.split(' ') {
        if part.len() + word.len() + 1 > oqu::requests::MAX_SPEAK_CHARS {
            let mut queued = options("kk");
            queued.insert(
                "priority".into(),
                OwnedValue::try_from(Value::from("text")).unwrap(),
            );
            speech.speak(&part, queued).await.unwrap();
            part.clear();
        }
        part.push_str(word);
        part.push(' ');
    }
    let mut queued = options("kk");
    queued.insert(
        "priority".into(),
        OwnedValue::try_from(Value::from("text")).unwrap(),
    );
    speech.speak(&part, queued).await.unwrap();
    let mut rss_samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rss: u64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        rss_samples.push(rss);
    }
    speech.stop().await.unwrap();
    let (cpu_after, rss_peak) = usage(pid);
    let wall = started.elapsed().as_secs_f64();
    println!(
        "text: {} words, {} chars; CPU {:.1} % of one core; peak RSS {} kB (before: {} kB); RSS every 5 s: {:?}",
        text.split_whitespace().count(),
        text.chars().count(),
        100.0 * (cpu_after - cpu_before) / wall,
        rss_peak,
        rss_before,
        rss_samples
    );
}
