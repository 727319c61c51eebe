//! Speech through the real eSpeak NG, played into a private PulseAudio null
//! sink and recorded from its monitor: what the tests check is what was heard.

mod support;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use oqu::client::{Dict, SpeechProxy};
use support::{error_of, last_loud, loud_seconds, Bus, Daemon, Pulse, RATE};
use zbus::zvariant::{OwnedValue, Value};

fn options(entries: &[(&str, Value<'static>)]) -> Dict {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), OwnedValue::try_from(v.clone()).unwrap()))
        .collect()
}

/// What one utterance did, as signals told it.
#[derive(Debug, Default)]
struct Heard {
    started: bool,
    words: Vec<(u32, u32)>,
    completed: Option<bool>,
}

struct Listener {
    started: zbus::proxy::SignalStream<'static>,
    words: zbus::proxy::SignalStream<'static>,
    finished: zbus::proxy::SignalStream<'static>,
}

impl Listener {
    async fn new(speech: &SpeechProxy<'static>) -> Listener {
        Listener {
            started: speech.inner().receive_signal("Started").await.unwrap(),
            words: speech.inner().receive_signal("Word").await.unwrap(),
            finished: speech.inner().receive_signal("Finished").await.unwrap(),
        }
    }

    /// Collects events of `id` until it finishes (or `within` passes).
    async fn until_finished(&mut self, id: u64, within: Duration) -> Heard {
        let mut heard = Heard::default();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            tokio::select! {
                Some(m) = self.started.next() => {
                    if m.body().deserialize::<u64>().unwrap() == id { heard.started = true; }
                }
                Some(m) = self.words.next() => {
                    let (i, s, e): (u64, u32, u32) = m.body().deserialize().unwrap();
                    if i == id { heard.words.push((s, e)); }
                }
                Some(m) = self.finished.next() => {
                    let (i, done): (u64, bool) = m.body().deserialize().unwrap();
                    if i == id { heard.completed = Some(done); return heard; }
                }
                _ = tokio::time::sleep_until(deadline) => return heard,
            }
        }
    }

    async fn until_started(&mut self, id: u64, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            tokio::select! {
                Some(m) = self.started.next() => {
                    if m.body().deserialize::<u64>().unwrap() == id { return true; }
                }
                _ = tokio::time::sleep_until(deadline) => return false,
            }
        }
    }
}

fn warnings(daemon: &Daemon) -> String {
    daemon
        .log_text()
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR") || l.contains("audio:"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// These tests time real audio: one at a time, so they do not starve each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn start_with_sound(config: &str) -> (Bus, Pulse, Daemon, zbus::Connection) {
    let pulse = Pulse::start();
    let bus = Bus::session();
    let path = bus.file("station.toml", config);
    let daemon =
        Daemon::start_with_env(&bus, &path, &[], &[("PULSE_SERVER", &pulse.server())]).await;
    let conn = bus.connect().await;
    (bus, pulse, daemon, conn)
}

const CONFIG: &str = "[station]\nlanguages = [\"kk\", \"ru\", \"en\"]\n";

#[tokio::test]
async fn kazakh_speech_is_heard_and_words_are_reported_in_the_callers_text() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, pulse, daemon, conn) = start_with_sound(CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let recording = pulse.record();

    let text = "Абай Құнанбайұлы ұлы ақын.";
    let id = speech
        .speak(text, options(&[("language", Value::from("kk"))]))
        .await
        .unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let samples = recording.finish();

    assert!(
        heard.started,
        "no Started signal: {heard:?}\n{}",
        daemon.log_text()
    );
    assert_eq!(heard.completed, Some(true));
    let words = spoken(text, &heard.words);
    assert_eq!(words, vec!["Абай", "Құнанбайұлы", "ұлы", "ақын"]);
    let loud = loud_seconds(&samples);
    assert!(
        loud > 1.0 && loud < 5.0,
        "{loud} s of audible speech recorded"
    );
}

#[tokio::test]
async fn stop_cuts_speech_at_once() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, pulse, daemon, conn) = start_with_sound(CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let recording = pulse.record();
    let recording_started = Instant::now();

    let long = "Кітапханада оқырмандарға арналған инклюзивті аймақ бар. ".repeat(20);
    let id = speech.speak(&long, Dict::new()).await.unwrap();
    assert!(
        listener.until_started(id, Duration::from_secs(20)).await,
        "{}",
        warnings(&daemon)
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let stopped_at = recording_started.elapsed();
    speech.stop().await.unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(5)).await;
    assert_eq!(
        heard.completed,
        Some(false),
        "Stop must finish the utterance as not completed"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let samples = recording.finish();

    // Twenty sentences would take over a minute; only what played before Stop is heard.
    let loud = loud_seconds(&samples);
    assert!(loud > 0.3 && loud < 2.5, "{loud} s heard");
    let last = last_loud(&samples, 1500).expect("something was heard") as f64 / RATE as f64;
    let stop = stopped_at.as_secs_f64();
    assert!(
        last < stop + 0.25,
        "sound went on {:.3} s after Stop",
        last - stop
    );
    assert!(!speech.speaking().await.unwrap());
}

#[tokio::test]
async fn priorities_follow_speech_dispatcher() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, _pulse, _daemon, conn) = start_with_sound(CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let long = "Бұл ұзақ мәтін, оны тыңдау үшін уақыт керек. ".repeat(10);

    // A text message is cancelled by a message.
    let text = speech
        .speak(&long, options(&[("priority", Value::from("text"))]))
        .await
        .unwrap();
    assert!(listener.until_started(text, Duration::from_secs(20)).await);
    let message = speech.speak("Жаңа хабар.", Dict::new()).await.unwrap();
    assert_eq!(
        listener
            .until_finished(text, Duration::from_secs(5))
            .await
            .completed,
        Some(false)
    );
    assert_eq!(
        listener
            .until_finished(message, Duration::from_secs(10))
            .await
            .completed,
        Some(true)
    );

    // A notification is dropped while anything else speaks.
    let busy = speech.speak(&long, Dict::new()).await.unwrap();
    assert!(listener.until_started(busy, Duration::from_secs(20)).await);
    let note = speech
        .speak(
            "Ескерту.",
            options(&[("priority", Value::from("notification"))]),
        )
        .await
        .unwrap();
    assert_eq!(
        listener
            .until_finished(note, Duration::from_secs(5))
            .await
            .completed,
        Some(false)
    );

    // Important interrupts the message, which starts again afterwards.
    let important = speech
        .speak(
            "Маңызды!",
            options(&[("priority", Value::from("important"))]),
        )
        .await
        .unwrap();
    let heard = listener
        .until_finished(important, Duration::from_secs(10))
        .await;
    assert!(heard.started);
    assert_eq!(heard.completed, Some(true));
    assert!(
        listener.until_started(busy, Duration::from_secs(10)).await,
        "the interrupted message did not resume"
    );
    speech.stop().await.unwrap();
    assert_eq!(
        listener
            .until_finished(busy, Duration::from_secs(5))
            .await
            .completed,
        Some(false)
    );
}

#[tokio::test]
async fn one_clients_stop_leaves_anothers_speech_alone() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (bus, _pulse, _daemon, conn) = start_with_sound(CONFIG).await;
    let other = bus.connect().await;
    let mine = SpeechProxy::new(&conn).await.unwrap();
    let theirs = SpeechProxy::new(&other).await.unwrap();
    let mut listener = Listener::new(&mine).await;
    let id = mine.speak("Менің сөзім бар.", Dict::new()).await.unwrap();
    assert!(listener.until_started(id, Duration::from_secs(20)).await);
    theirs.stop().await.unwrap();
    assert_eq!(
        listener
            .until_finished(id, Duration::from_secs(10))
            .await
            .completed,
        Some(true)
    );
}

#[tokio::test]
async fn without_a_sound_device_speech_still_finishes_and_status_says_why() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let bus = Bus::session();
    let path = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"en\", \"kk\", \"ru\"]\n",
    );
    // The default PULSE_SERVER of the test daemon points nowhere: no sound device.
    let _daemon = Daemon::start(&bus, &path, &[]).await;
    let conn = bus.connect().await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let started = Instant::now();
    let id = speech.speak("Hello, reader.", Dict::new()).await.unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(10)).await;
    assert_eq!(heard.completed, Some(true));
    assert_eq!(heard.words.len(), 2);
    // Paced like real playback, not dropped at once.
    assert!(started.elapsed() > Duration::from_millis(500));

    let reason = support::problem_reason(&conn, "audio-output-missing")
        .await
        .expect("Status names the missing sound device");
    assert!(
        reason.starts_with("No sound device: speech is not heard"),
        "{reason}"
    );
}

#[tokio::test]
async fn bad_speech_requests_are_refused_clearly() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let bus = Bus::session();
    let path = bus.file("station.toml", "[station]\nlanguages = [\"en\", \"kk\"]\n");
    let _daemon = Daemon::start(&bus, &path, &[]).await;
    let conn = bus.connect().await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let (name, message) = error_of(
        speech
            .speak("x", options(&[("language", Value::from("ru"))]))
            .await,
    );
    assert_eq!(name, "org.oqu.Oqu1.Error.InvalidArgument");
    assert_eq!(
        message,
        "\"language\" cannot be \"ru\". Allowed: auto, en, kk."
    );
    let (name, _) = error_of(
        speech
            .speak("x", options(&[("voice", Value::from("nope"))]))
            .await,
    );
    assert_eq!(name, "org.oqu.Oqu1.Error.NotFound");
    let voices = speech.list_voices().await.unwrap();
    let ids: Vec<&str> = voices.iter().map(|v| v.0.as_str()).collect();
    assert!(
        ids.contains(&"kk-espeak") && ids.contains(&"ru-espeak") && ids.contains(&"en-espeak"),
        "{ids:?}"
    );
}

#[tokio::test]
async fn a_spiel_client_reads_the_stream_with_word_events() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let bus = Bus::session();
    let path = bus.file("station.toml", CONFIG);
    let _daemon = Daemon::start(&bus, &path, &[]).await;
    let conn = bus.connect().await;
    let provider = oqu::client::SpeechProviderProxy::new(&conn).await.unwrap();
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    provider
        .synthesize(
            zbus::zvariant::Fd::from(&write_end),
            "Война и мир",
            "ru-espeak",
            1.0,
            1.0,
            false,
            "",
        )
        .await
        .unwrap();
    drop(write_end);
    let mut stream = Vec::new();
    std::io::Read::read_to_end(&mut std::fs::File::from(read_end), &mut stream).unwrap();
    assert_eq!(&stream[..4], b"0.01", "Spiel stream header");
    let mut reader = spiel::Reader::from(stream);
    let mut audio = Vec::new();
    let mut words = Vec::new();
    while let Ok(message) = reader.try_read() {
        match message {
            spiel::MessageOwned::Audio(bytes) => audio.extend(
                bytes
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]])),
            ),
            spiel::MessageOwned::Event(e) => words.push((e.start, e.end)),
            spiel::MessageOwned::Version(_) => {}
        }
    }
    assert_eq!(words, vec![(0, 5), (6, 7), (8, 11)]);
    let loud = loud_seconds(&audio);
    assert!(loud > 0.4 && loud < 3.0, "{loud}");
}

#[tokio::test]
async fn oqu_say_to_writes_a_wav_file() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let bus = Bus::session();
    let path = bus.file("station.toml", CONFIG);
    let _daemon = Daemon::start(&bus, &path, &[]).await;
    let wav = bus.dir.path().join("abai.wav");
    let run = support::oqu(
        &bus,
        &["say", "--to", wav.to_str().unwrap(), "Абай Құнанбайұлы."],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 22050, 16)
    );
    let samples: Vec<i16> = reader.into_samples::<i16>().map(Result::unwrap).collect();
    let loud = loud_seconds(&samples);
    assert!(loud > 0.5 && loud < 4.0, "{loud}");
}

#[tokio::test]
async fn losing_the_sound_device_mid_sentence_never_leaves_a_stuck_queue() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, mut pulse, daemon, conn) = start_with_sound(CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let id = speech
        .speak(
            "Кітапханада оқырмандарға арналған инклюзивті аймақ бар.",
            Dict::new(),
        )
        .await
        .unwrap();
    assert!(
        listener.until_started(id, Duration::from_secs(10)).await,
        "{}",
        daemon.log_text()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    pulse.kill();
    // The sentence goes on (from its start) on whatever output is left, and ends.
    let heard = listener.until_finished(id, Duration::from_secs(20)).await;
    assert_eq!(
        heard.completed,
        Some(true),
        "the utterance never finished after the device was lost"
    );
    // The queue still works.
    let next = speech.speak("Тағы да.", Dict::new()).await.unwrap();
    let heard = listener.until_finished(next, Duration::from_secs(10)).await;
    assert!(heard.started);
    assert_eq!(heard.completed, Some(true));
    // And Status says what happened.
    assert!(
        support::problem_reason(&conn, "audio-output-missing")
            .await
            .is_some(),
        "no audio-output-missing problem"
    );
}

const SPEECHD_VOICE: &str =
    "version = 1\nkind = \"voice\"\nname = \"Русский (Speech Dispatcher)\"\n\
engine = \"speech-dispatcher\"\nmodule = \"espeak-ng\"\nvoice = \"Russian\"\nlanguage = \"ru\"\n";

/// A daemon whose Russian voice is spoken by a private Speech Dispatcher.
async fn start_with_speechd() -> (
    Bus,
    Pulse,
    support::SpeechDispatcher,
    Daemon,
    zbus::Connection,
) {
    let pulse = Pulse::start();
    let sd = support::SpeechDispatcher::start(&pulse);
    let bus = Bus::session();
    let extra = bus.dir.path().join("extra");
    std::fs::create_dir_all(extra.join("voices")).unwrap();
    std::fs::write(extra.join("voices/ru-speechd.toml"), SPEECHD_VOICE).unwrap();
    let config = bus.file(
        "station.toml",
        "[station]\nlanguages = [\"ru\", \"kk\"]\n[voices]\nru = \"ru-speechd\"\nkk = \"kk-espeak\"\n",
    );
    let data_path = format!("{}:{}", support::REPO, extra.display());
    let daemon = Daemon::start_with_env(
        &bus,
        &config,
        &[],
        &[
            ("PULSE_SERVER", &pulse.server()),
            ("SPEECHD_ADDRESS", &sd.address()),
            ("OQU_DATA_PATH", &data_path),
        ],
    )
    .await;
    let conn = bus.connect().await;
    (bus, pulse, sd, daemon, conn)
}

#[tokio::test]
async fn a_speech_dispatcher_voice_speaks_through_it_with_word_marks() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, pulse, _sd, daemon, conn) = start_with_speechd().await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let recording = pulse.record();
    let text = "Лев Толстой написал роман.";
    let id = speech
        .speak(text, options(&[("language", Value::from("ru"))]))
        .await
        .unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let samples = recording.finish();
    assert!(heard.started, "{heard:?}\n{}", warnings(&daemon));
    assert_eq!(heard.completed, Some(true));
    let words = spoken(text, &heard.words);
    assert_eq!(words, vec!["Лев", "Толстой", "написал", "роман."]);
    let loud = loud_seconds(&samples);
    assert!(loud > 0.8, "{loud} s heard from Speech Dispatcher");
    let voices = speech.list_voices().await.unwrap();
    assert!(voices.iter().any(|v| v.0 == "ru-speechd"), "{voices:?}");
}

#[tokio::test]
async fn a_hung_speech_dispatcher_falls_back_to_espeak_and_says_so() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, pulse, sd, _daemon, conn) = start_with_speechd().await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    // Connect once so oqud holds a live connection, then hang the server.
    let first = speech
        .speak("Раз.", options(&[("language", Value::from("ru"))]))
        .await
        .unwrap();
    assert_eq!(
        listener
            .until_finished(first, Duration::from_secs(20))
            .await
            .completed,
        Some(true)
    );
    sd.freeze();
    let recording = pulse.record();
    let id = speech
        .speak(
            "Библиотека открыта.",
            options(&[("language", Value::from("ru"))]),
        )
        .await
        .unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(20)).await;
    let samples = recording.finish();
    assert!(heard.started);
    assert_eq!(
        heard.completed,
        Some(true),
        "the queue must not stick behind a hung server"
    );
    assert!(
        loud_seconds(&samples) > 0.5,
        "eSpeak NG did not speak in its place"
    );
    let reason = support::problem_reason(&conn, "speech-dispatcher-unavailable")
        .await
        .expect("Status names the hung Speech Dispatcher");
    // The station speaks Russian first, so its words are Russian.
    assert!(
        reason.starts_with("Speech Dispatcher не отвечает"),
        "{reason}"
    );
}

/// The caller's words that Word signals pointed at.
fn spoken(text: &str, words: &[(u32, u32)]) -> Vec<String> {
    words
        .iter()
        .map(|(s, e)| {
            text.chars()
                .skip(*s as usize)
                .take((e - s) as usize)
                .collect()
        })
        .collect()
}

/// RMS of each 10 ms window.
fn envelope(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks(RATE / 100)
        .map(|w| (w.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / w.len() as f64).sqrt())
        .collect()
}

/// Best normalised correlation of two envelopes over shifts of up to ±0.5 s.
fn likeness(a: &[f64], b: &[f64]) -> f64 {
    let mut best = f64::MIN;
    for shift in -50i64..=50 {
        let pairs: Vec<(f64, f64)> = (0..a.len() as i64)
            .filter_map(|i| {
                let j = i + shift;
                (j >= 0 && (j as usize) < b.len()).then(|| (a[i as usize], b[j as usize]))
            })
            .collect();
        if pairs.len() < 50 {
            continue;
        }
        let n = pairs.len() as f64;
        let (ma, mb) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov: f64 = pairs.iter().map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = pairs.iter().map(|(x, _)| (x - ma).powi(2)).sum();
        let vb: f64 = pairs.iter().map(|(_, y)| (y - mb).powi(2)).sum();
        if va > 0.0 && vb > 0.0 {
            best = best.max(cov / (va * vb).sqrt());
        }
    }
    best
}

fn espeak_render(parts: &[(&str, &str)]) -> Vec<i16> {
    let mut pcm = Vec::new();
    for (voice, text) in parts {
        let mut voice = oqu::speech::espeak::EspeakVoice::from_relative(voice, 0, 0, 0);
        // As the shipped profiles say: capitals = "pitch".
        voice.capitals = 20;
        oqu::speech::espeak::synthesize(text, &voice, false, &mut |s, _| {
            pcm.extend_from_slice(s);
            oqu::speech::espeak::Flow::Continue
        })
        .unwrap();
    }
    pcm
}

#[tokio::test]
async fn a_mixed_kazakh_and_russian_sentence_switches_voices_at_the_sink() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, pulse, daemon, conn) = start_with_sound(CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let kazakh = "Абай Құнанбайұлы ұлы ақын.";
    let russian = "Лев Толстой написал роман.";
    let text = format!("{kazakh} {russian}");
    let recording = pulse.record();
    let id = speech.speak(&text, Dict::new()).await.unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let played = envelope(&recording.finish());
    assert_eq!(heard.completed, Some(true));

    // What it should sound like (each part in its own voice), and what
    // reading it all with one voice would sound like.
    let right = envelope(&espeak_render(&[("kk", kazakh), ("ru", russian)]));
    let all_russian = envelope(&espeak_render(&[("ru", text.as_str())]));
    let all_kazakh = envelope(&espeak_render(&[("kk", text.as_str())]));
    let (r, wr, wk) = (
        likeness(&played, &right),
        likeness(&played, &all_russian),
        likeness(&played, &all_kazakh),
    );
    assert!(
        r > 0.8,
        "the recording does not sound like kk then ru: right {r:.2}, all-ru {wr:.2}, all-kk {wk:.2}\n{}",
        warnings(&daemon)
    );
    assert!(
        r > wr + 0.1 && r > wk + 0.1,
        "right {r:.2}, all-ru {wr:.2}, all-kk {wk:.2}"
    );
    eprintln!("likeness: right {r:.2}, all-ru {wr:.2}, all-kk {wk:.2}");

    // The words of both runs map to the caller's text.
    let words = spoken(&text, &heard.words);
    assert_eq!(
        words,
        vec![
            "Абай",
            "Құнанбайұлы",
            "ұлы",
            "ақын",
            "Лев",
            "Толстой",
            "написал",
            "роман"
        ]
    );
}

#[tokio::test]
async fn pause_holds_speech_where_it_is_and_resume_goes_on() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (_bus, pulse, _daemon, conn) = start_with_sound(CONFIG).await;
    let speech = SpeechProxy::new(&conn).await.unwrap();
    let mut listener = Listener::new(&speech).await;
    let text = "Кітапханада оқырмандарға арналған инклюзивті аймақ бар. Ол күн сайын ашық.";
    let id = speech.speak(text, Dict::new()).await.unwrap();
    assert!(listener.until_started(id, Duration::from_secs(20)).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    speech.pause().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paused = pulse.record();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let silence = paused.finish();
    assert!(
        loud_seconds(&silence) < 0.05,
        "sound while paused: {}",
        loud_seconds(&silence)
    );
    assert!(
        speech.speaking().await.unwrap(),
        "a paused utterance is still the one speaking"
    );
    let resumed = pulse.record();
    speech.resume().await.unwrap();
    let heard = listener.until_finished(id, Duration::from_secs(20)).await;
    assert_eq!(heard.completed, Some(true));
    let after = resumed.finish();
    assert!(
        loud_seconds(&after) > 1.0,
        "too little after Resume: {}",
        loud_seconds(&after)
    );
    // Resume carries on from where Pause stopped: no word is spoken twice.
    assert!(heard.words.len() >= 10, "{:?}", heard.words);
    assert!(
        heard.words.windows(2).all(|w| w[0].0 < w[1].0),
        "{:?}",
        heard.words
    );
}
