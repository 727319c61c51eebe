//! The speech thread: one queue for every client, Speech Dispatcher's
//! priority rules, synthesis kept a little ahead of playback, and the
//! events (Started, Word, Finished) that follow what was really played.
//!
//! One thread owns the queue, the player and all calls into eSpeak (which
//! keeps global state). Requests arrive over a channel; playback events come
//! back over the same channel, so the queue has a single owner and no locks.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::espeak::{self, EspeakVoice, Flow};
use super::player::{Mark, OutputChoice, Player, PlayerEvent, Segment};
use super::prepare::{self, Chunk, PrepareOptions};
use super::speechd::{ssml_with_marks, SdEvent, SdSay, SpeechDispatcher};
use super::text::SymbolTables;
use crate::config::data::Capitals;
use crate::i18n::Lang;
use crate::requests::{LanguageChoice, Priority, SpeakOptions};

/// A voice the station can speak with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voice {
    /// Voice profile id.
    pub id: String,
    pub name: String,
    pub lang: Lang,
    /// Which engine speaks it.
    pub engine: VoiceEngine,
    /// The engine's voice name and the profile's relative rate, pitch, volume.
    pub engine_voice: String,
    pub rate: i32,
    pub pitch: i32,
    pub volume: i32,
    pub capitals: Capitals,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceEngine {
    /// eSpeak NG in-process.
    Espeak,
    /// Speech Dispatcher, with an output module (RHVoice, …).
    SpeechDispatcher { module: Option<String> },
}

/// What the speech thread needs from the station configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeechConfig {
    /// One voice per station language, in the station's order.
    pub voices: Vec<Voice>,
    /// Every usable voice profile, for ListVoices and the `voice` option.
    pub profiles: Vec<Voice>,
    /// The eSpeak NG voice of each language: used when Speech Dispatcher fails.
    pub fallbacks: Vec<Voice>,
    /// Names of symbols in each language.
    pub symbols: Arc<SymbolTables>,
    pub output: OutputChoice,
}

impl SpeechConfig {
    pub fn voice_for(&self, lang: Lang) -> Option<&Voice> {
        self.voices.iter().find(|v| v.lang == lang)
    }

    pub fn fallback_for(&self, lang: Lang) -> Option<&Voice> {
        self.fallbacks.iter().find(|v| v.lang == lang)
    }

    pub fn languages(&self) -> Vec<Lang> {
        self.voices.iter().map(|v| v.lang).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeechError {
    #[error("no voice for language {0}")]
    NoVoiceForLanguage(String, Vec<Lang>),
    #[error("no voice profile {0}")]
    NoSuchVoice(String),
    #[error("the speech thread has stopped")]
    Gone,
}

/// What clients hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeechEvent {
    Started(u64),
    Word(u64, u32, u32),
    Finished(u64, bool),
    Speaking(bool),
}

/// The state of the audio output, for Status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputState {
    pub name: String,
    /// Why the configured output could not be used, if it could not.
    pub problem: Option<String>,
    /// Why Speech Dispatcher is not used just now, if it is not.
    pub speechd_problem: Option<String>,
}

enum Message {
    Speak {
        client: String,
        text: String,
        options: SpeakOptions,
        reply: oneshot::Sender<Result<u64, SpeechError>>,
    },
    Stop(String),
    Pause(String),
    Resume(String),
    SilenceAll,
    Voices(oneshot::Sender<Vec<Voice>>),
    Config(oneshot::Sender<SpeechConfig>),
    Output(oneshot::Sender<OutputState>),
    Configure(SpeechConfig),
    /// An event of the player of this generation.
    Player(u64, PlayerEvent),
    Sd(SdEvent),
}

/// The way to reach the speech thread.
#[derive(Clone)]
pub struct SpeechHandle {
    tx: Sender<Message>,
}

impl SpeechHandle {
    pub async fn speak(
        &self,
        client: &str,
        text: &str,
        options: SpeakOptions,
    ) -> Result<u64, SpeechError> {
        let (reply, answer) = oneshot::channel();
        self.send(Message::Speak {
            client: client.to_owned(),
            text: text.to_owned(),
            options,
            reply,
        })?;
        answer.await.map_err(|_| SpeechError::Gone)?
    }

    pub fn stop(&self, client: &str) -> Result<(), SpeechError> {
        self.send(Message::Stop(client.to_owned()))
    }

    pub fn pause(&self, client: &str) -> Result<(), SpeechError> {
        self.send(Message::Pause(client.to_owned()))
    }

    pub fn resume(&self, client: &str) -> Result<(), SpeechError> {
        self.send(Message::Resume(client.to_owned()))
    }

    pub fn silence_all(&self) -> Result<(), SpeechError> {
        self.send(Message::SilenceAll)
    }

    pub fn configure(&self, config: SpeechConfig) -> Result<(), SpeechError> {
        self.send(Message::Configure(config))
    }

    pub async fn voices(&self) -> Result<Vec<Voice>, SpeechError> {
        let (reply, answer) = oneshot::channel();
        self.send(Message::Voices(reply))?;
        answer.await.map_err(|_| SpeechError::Gone)
    }

    /// The voices in force (for the Spiel provider, which synthesises on its own).
    pub async fn config(&self) -> Result<SpeechConfig, SpeechError> {
        let (reply, answer) = oneshot::channel();
        self.send(Message::Config(reply))?;
        answer.await.map_err(|_| SpeechError::Gone)
    }

    pub async fn output(&self) -> Result<OutputState, SpeechError> {
        let (reply, answer) = oneshot::channel();
        self.send(Message::Output(reply))?;
        answer.await.map_err(|_| SpeechError::Gone)
    }

    /// For the core thread, which is not async.
    pub fn output_blocking(&self) -> Result<OutputState, SpeechError> {
        let (reply, answer) = oneshot::channel();
        self.send(Message::Output(reply))?;
        answer.blocking_recv().map_err(|_| SpeechError::Gone)
    }

    fn send(&self, message: Message) -> Result<(), SpeechError> {
        self.tx.send(message).map_err(|_| SpeechError::Gone)
    }
}

/// Starts the speech thread. Events go to `events`; the thread ends when
/// every handle is dropped.
pub fn spawn(
    config: SpeechConfig,
    events: tokio::sync::mpsc::UnboundedSender<SpeechEvent>,
) -> std::io::Result<SpeechHandle> {
    let (tx, rx) = mpsc::channel();
    let player_tx = tx.clone();
    std::thread::Builder::new()
        .name("oqu-speech".into())
        .spawn(move || Speaker::new(config, events, player_tx).run(rx))?;
    Ok(SpeechHandle { tx })
}

/// Keep this much audio queued ahead of playback: enough to ride out a busy
/// moment, little enough that memory stays flat on a whole book.
const LOOKAHEAD_SECONDS: usize = 2;

/// Before opening a failed device again, wait this long times the failures in a row.
const REOPEN_PAUSE: Duration = Duration::from_millis(150);

/// A device that fails this many times in a row right after opening is rested.
const MAX_QUICK_REOPENS: u32 = 3;

/// How often a failed sound device is tried again.
const REOPEN_EVERY: Duration = Duration::from_secs(5);

/// Speech Dispatcher must begin a chunk within this long…
const SPEECHD_START_LIMIT: Duration = Duration::from_secs(3);
/// …and, once speaking, say something (a word mark or the end) within this long.
const SPEECHD_SILENT_LIMIT: Duration = Duration::from_secs(6);
/// After a failure it is left alone this long before being tried again.
const SPEECHD_REST: Duration = Duration::from_secs(60);

/// Leading silence eSpeak puts before speech (about 40–50 ms) is cut up to this.
const MAX_TRIM_MS: usize = 120;
const SILENCE_LEVEL: i16 = 300;

struct Utterance {
    id: u64,
    client: String,
    priority: Priority,
    chunks: Vec<Chunk>,
    voice_override: Option<Voice>,
    rate: i32,
    pitch: i32,
    volume: i32,
    ssml: bool,
    /// Next chunk to synthesise.
    next: usize,
    /// The chunk Speech Dispatcher is speaking, when it speaks this utterance.
    sd: Option<SdPending>,
}

/// A chunk handed to Speech Dispatcher and what has been heard of it.
struct SdPending {
    token: u64,
    msg_id: Option<u64>,
    first: bool,
    last: bool,
    began: bool,
    /// When anything was last heard of it (sent, begun, a word).
    last_news: Instant,
}

struct Speaker {
    config: SpeechConfig,
    events: tokio::sync::mpsc::UnboundedSender<SpeechEvent>,
    player: Player,
    /// Counts players opened; events carry it, so a replaced player's are ignored.
    player_generation: u64,
    /// A failed device is opened again at this time (speech waits meanwhile).
    reopen_at: Option<Instant>,
    output_problem: Option<String>,
    /// When the configured output was last tried while speech went to the null output.
    last_open_attempt: Instant,
    /// Failures of the sound device soon after it was opened, in a row.
    quick_failures: u32,
    player_tx: Sender<Message>,
    sample_rate: u32,
    next_id: u64,
    playing: Option<Utterance>,
    queue: VecDeque<Utterance>,
    paused_clients: Vec<String>,
    speaking: bool,
    speechd: Option<SpeechDispatcher>,
    /// Why Speech Dispatcher is set aside, and since when.
    speechd_failed: Option<(String, Instant)>,
    next_token: u64,
}

impl Speaker {
    fn new(
        config: SpeechConfig,
        events: tokio::sync::mpsc::UnboundedSender<SpeechEvent>,
        player_tx: Sender<Message>,
    ) -> Speaker {
        let sample_rate = espeak::sample_rate().unwrap_or(22050);
        let (player, output_problem) = open_player(&config.output, sample_rate, &player_tx, 0);
        Speaker {
            config,
            events,
            player,
            player_generation: 0,
            reopen_at: None,
            output_problem,
            last_open_attempt: Instant::now(),
            quick_failures: 0,
            player_tx,
            sample_rate,
            next_id: 1,
            playing: None,
            queue: VecDeque::new(),
            paused_clients: Vec::new(),
            speaking: false,
            speechd: None,
            speechd_failed: None,
            next_token: 1,
        }
    }

    fn run(mut self, rx: Receiver<Message>) {
        loop {
            // Wake often enough to keep synthesis ahead of playback.
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(message) => self.handle(message),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Drain whatever else is waiting before doing slow work.
            while let Ok(message) = rx.try_recv() {
                self.handle(message);
            }
            self.advance();
        }
        tracing::debug!("speech thread stopped");
    }

    fn emit(&self, event: SpeechEvent) {
        let _ = self.events.send(event);
    }

    fn handle(&mut self, message: Message) {
        match message {
            Message::Speak {
                client,
                text,
                options,
                reply,
            } => {
                let result = self.speak(client, &text, options);
                let id = result.as_ref().ok().copied();
                let _ = reply.send(result);
                // Notifications dropped on arrival end after their id is known.
                if let Some(id) = id {
                    if !self.is_known(id) {
                        self.emit(SpeechEvent::Finished(id, false));
                    }
                }
            }
            Message::Stop(client) => self.cancel_where(|u| u.client == client),
            Message::Pause(client) => {
                if !self.paused_clients.contains(&client) {
                    self.paused_clients.push(client.clone());
                }
                if self.playing.as_ref().is_some_and(|u| u.client == client) {
                    self.player.set_paused(true);
                    if let Some(sd) = &self.speechd {
                        sd.pause();
                    }
                }
            }
            Message::Resume(client) => {
                self.paused_clients.retain(|c| *c != client);
                if self.playing.as_ref().is_some_and(|u| u.client == client) {
                    self.player.set_paused(false);
                    if let Some(sd) = &self.speechd {
                        sd.resume();
                    }
                }
            }
            Message::SilenceAll => self.cancel_where(|_| true),
            Message::Voices(reply) => {
                let _ = reply.send(self.config.profiles.clone());
            }
            Message::Config(reply) => {
                let _ = reply.send(self.config.clone());
            }
            Message::Output(reply) => {
                let _ = reply.send(OutputState {
                    name: self.player.output_name(),
                    problem: self.output_problem.clone(),
                    speechd_problem: self.speechd_failed.as_ref().map(|(why, _)| why.clone()),
                });
            }
            Message::Configure(config) => {
                let reopen = config.output != self.config.output;
                self.config = config;
                if reopen {
                    self.cancel_where(|_| true);
                    self.reopen();
                }
            }
            Message::Player(generation, event) => {
                // A replaced player's late events (a dead stream's errors) are stale.
                if generation == self.player_generation {
                    self.on_player(event);
                }
            }
            Message::Sd(event) => self.on_speechd(event),
        }
    }

    fn is_known(&self, id: u64) -> bool {
        self.playing.as_ref().is_some_and(|u| u.id == id) || self.queue.iter().any(|u| u.id == id)
    }

    fn speak(
        &mut self,
        client: String,
        text: &str,
        options: SpeakOptions,
    ) -> Result<u64, SpeechError> {
        let voice_override = match &options.voice {
            Some(id) => Some(
                self.config
                    .profiles
                    .iter()
                    .find(|v| v.id == *id)
                    .cloned()
                    .ok_or_else(|| SpeechError::NoSuchVoice(id.clone()))?,
            ),
            None => None,
        };
        let languages = self.config.languages();
        let forced = match (&voice_override, &options.language) {
            (Some(voice), _) => Some(voice.lang),
            (None, LanguageChoice::Auto) => None,
            (None, LanguageChoice::Tag(tag)) => {
                let lang = Lang::from_locale(tag)
                    .filter(|l| languages.contains(l))
                    .ok_or_else(|| {
                        SpeechError::NoVoiceForLanguage(tag.clone(), languages.clone())
                    })?;
                Some(lang)
            }
        };
        let default = languages.first().copied().unwrap_or(Lang::En);
        let chunks = prepare::prepare(
            text,
            &PrepareOptions {
                forced,
                default,
                allowed: languages,
                punctuation: options.punctuation,
                spell: options.spell,
                capital_words: self
                    .config
                    .voice_for(default)
                    .is_some_and(|v| v.capitals == Capitals::Word),
                ssml: options.ssml,
            },
            &self.config.symbols,
        );
        let id = self.next_id;
        self.next_id += 1;
        let utterance = Utterance {
            id,
            client,
            priority: options.priority,
            chunks,
            voice_override,
            rate: options.rate,
            pitch: options.pitch,
            volume: options.volume,
            ssml: options.ssml,
            next: 0,
            sd: None,
        };
        self.enqueue(utterance);
        Ok(id)
    }

    /// Speech Dispatcher's rules: important interrupts everything and is never
    /// interrupted; message cancels text, notification and progress; text
    /// cancels notification and progress; notification and progress are
    /// dropped when anything else is playing or waiting.
    fn enqueue(&mut self, utterance: Utterance) {
        use Priority::*;
        let busy = self.playing.is_some() || !self.queue.is_empty();
        match utterance.priority {
            Notification | Progress if busy => {
                // A newer progress report replaces a playing one; else dropped.
                let replaces = utterance.priority == Progress
                    && self.queue.is_empty()
                    && self
                        .playing
                        .as_ref()
                        .is_some_and(|p| p.priority == Progress);
                if replaces {
                    self.cancel_where(|u| u.priority == Progress);
                    self.queue.push_back(utterance);
                }
            }
            Important => {
                self.cancel_where(|u| matches!(u.priority, Notification | Progress));
                // Interrupted message or text is postponed and starts again afterwards.
                let interrupt = self
                    .playing
                    .as_ref()
                    .is_some_and(|p| p.priority != Important);
                if interrupt {
                    if let Some(mut postponed) = self.playing.take() {
                        self.silence_output(&postponed);
                        postponed.next = 0;
                        postponed.sd = None;
                        self.queue.push_front(postponed);
                    }
                }
                let at = self
                    .queue
                    .iter()
                    .take_while(|u| u.priority == Important)
                    .count();
                self.queue.insert(at, utterance);
            }
            Message => {
                self.cancel_where(|u| matches!(u.priority, Text | Notification | Progress));
                let at = self
                    .queue
                    .iter()
                    .take_while(|u| matches!(u.priority, Important | Message))
                    .count();
                self.queue.insert(at, utterance);
            }
            Text => {
                self.cancel_where(|u| matches!(u.priority, Notification | Progress));
                self.queue.push_back(utterance);
            }
            Notification | Progress => self.queue.push_back(utterance),
        }
    }

    /// Cancels the playing utterance and queued ones matching `which`.
    /// Cuts what is sounding for `utterance`, in whichever engine speaks it.
    fn silence_output(&self, utterance: &Utterance) {
        self.player.clear();
        self.player.set_paused(false);
        if utterance.sd.is_some() {
            if let Some(sd) = &self.speechd {
                sd.cancel();
            }
        }
    }

    fn cancel_where(&mut self, which: impl Fn(&Utterance) -> bool) {
        if self.playing.as_ref().is_some_and(&which) {
            if let Some(cut) = self.playing.take() {
                self.silence_output(&cut);
                self.emit(SpeechEvent::Finished(cut.id, false));
            }
        }
        let mut kept = VecDeque::new();
        for utterance in self.queue.drain(..) {
            if which(&utterance) {
                let _ = self.events.send(SpeechEvent::Finished(utterance.id, false));
            } else {
                kept.push_back(utterance);
            }
        }
        self.queue = kept;
        self.update_speaking();
    }

    fn on_player(&mut self, event: PlayerEvent) {
        let current = self.playing.as_ref().map(|u| u.id);
        match event {
            PlayerEvent::Started(id) if Some(id) == current => self.emit(SpeechEvent::Started(id)),
            PlayerEvent::Word(id, start, end) if Some(id) == current => {
                self.emit(SpeechEvent::Word(id, start, end))
            }
            PlayerEvent::Finished(id) if Some(id) == current => {
                self.playing = None;
                self.emit(SpeechEvent::Finished(id, true));
            }
            PlayerEvent::Lost(why) => {
                tracing::warn!("audio output lost: {why}");
                // A stream that worked a while is tried again at once; one that
                // keeps failing right after opening is rested, and speech goes
                // to the null output meanwhile.
                if self.last_open_attempt.elapsed() >= REOPEN_EVERY {
                    self.quick_failures = 0;
                }
                self.quick_failures += 1;
                if self.quick_failures > MAX_QUICK_REOPENS {
                    self.quick_failures = 0;
                    self.reopen_at = None;
                    self.use_null(why);
                    if let Some(playing) = self.playing.as_mut() {
                        playing.next = 0;
                    }
                } else {
                    // Silence the dead stream now; open the device again a
                    // moment later (it may be reconnecting, or another takes
                    // its place).
                    self.player.clear();
                    self.player.set_paused(true);
                    self.player_generation += 1;
                    self.reopen_at = Some(Instant::now() + REOPEN_PAUSE * self.quick_failures);
                }
            }
            // Events of utterances already cut: nobody is waiting for them.
            _ => {}
        }
    }

    fn on_speechd(&mut self, event: SdEvent) {
        let Some(utterance) = self.playing.as_mut() else {
            return;
        };
        let id = utterance.id;
        let Some(pending) = utterance.sd.as_mut() else {
            if let SdEvent::Failed(why) = event {
                self.set_speechd_aside(why);
            }
            return;
        };
        let ours = |msg: u64| pending.msg_id == Some(msg);
        match event {
            SdEvent::Queued { token, msg_id } if token == pending.token => match msg_id {
                Some(msg) => {
                    pending.msg_id = Some(msg);
                    pending.last_news = Instant::now();
                }
                None => self.speechd_gave_up("Speech Dispatcher refused the message".into()),
            },
            SdEvent::Begin(msg) if ours(msg) => {
                pending.began = true;
                pending.last_news = Instant::now();
                if pending.first {
                    self.emit(SpeechEvent::Started(id));
                }
            }
            SdEvent::Word(msg, start, end) if ours(msg) => {
                pending.last_news = Instant::now();
                self.emit(SpeechEvent::Word(id, start, end));
            }
            SdEvent::End(msg) if ours(msg) => {
                let last = pending.last;
                utterance.sd = None;
                if last {
                    self.playing = None;
                    self.emit(SpeechEvent::Finished(id, true));
                }
            }
            SdEvent::Failed(why) => self.speechd_gave_up(why),
            _ => {}
        }
    }

    /// Speech Dispatcher failed or hangs: set it aside for a while and speak
    /// the current utterance again, from its start, with eSpeak NG.
    fn speechd_gave_up(&mut self, why: String) {
        tracing::warn!("Speech Dispatcher set aside: {why}; eSpeak NG speaks instead");
        if let Some(sd) = &self.speechd {
            sd.cancel();
        }
        self.set_speechd_aside(why);
        if let Some(utterance) = self.playing.as_mut() {
            utterance.sd = None;
            utterance.next = 0;
        }
    }

    fn set_speechd_aside(&mut self, why: String) {
        // Dropping the handle ends the worker once it is unblocked.
        self.speechd = None;
        self.speechd_failed = Some((why, Instant::now()));
    }

    /// Speech Dispatcher may be used now (it has not failed lately).
    fn speechd_usable(&mut self) -> bool {
        if let Some((_, since)) = &self.speechd_failed {
            if since.elapsed() < SPEECHD_REST {
                return false;
            }
            self.speechd_failed = None;
        }
        if self.speechd.is_none() {
            let (events, relay) = mpsc::channel::<SdEvent>();
            let forward = self.player_tx.clone();
            let _ = std::thread::Builder::new()
                .name("oqu-speechd-events".into())
                .spawn(move || {
                    while let Ok(event) = relay.recv() {
                        if forward.send(Message::Sd(event)).is_err() {
                            break;
                        }
                    }
                });
            match SpeechDispatcher::start(events) {
                Ok(sd) => self.speechd = Some(sd),
                Err(e) => {
                    self.set_speechd_aside(e.to_string());
                    return false;
                }
            }
        }
        true
    }

    /// Gives up on Speech Dispatcher when it stops answering mid-utterance.
    fn watch_speechd(&mut self) {
        let Some(pending) = self.playing.as_ref().and_then(|u| u.sd.as_ref()) else {
            return;
        };
        let quiet = pending.last_news.elapsed();
        let limit = if pending.began {
            SPEECHD_SILENT_LIMIT
        } else {
            SPEECHD_START_LIMIT
        };
        if quiet > limit {
            self.speechd_gave_up(format!(
                "Speech Dispatcher did not answer for {} ms",
                quiet.as_millis()
            ));
        }
    }

    fn use_null(&mut self, why: String) {
        self.player_generation += 1;
        let (player, _) = open_player(
            &OutputChoice::Null,
            self.sample_rate,
            &self.player_tx,
            self.player_generation,
        );
        self.player = player;
        self.output_problem = Some(why);
        self.last_open_attempt = Instant::now();
    }

    fn reopen(&mut self) {
        self.player_generation += 1;
        let (player, problem) = open_player(
            &self.config.output,
            self.sample_rate,
            &self.player_tx,
            self.player_generation,
        );
        self.player = player;
        self.output_problem = problem;
        self.last_open_attempt = Instant::now();
        self.reopen_at = None;
        // Whatever was playing starts again on the new output.
        if let Some(playing) = self.playing.as_mut() {
            playing.next = 0;
        }
    }

    /// Starts the next utterance when nothing plays, and keeps synthesis ahead.
    fn advance(&mut self) {
        // On the null output because the device failed: try it again now and
        // then, between utterances, so sound comes back by itself.
        let retry = self.output_problem.is_some()
            && self.playing.is_none()
            && self.config.output != OutputChoice::Null
            && self.last_open_attempt.elapsed() > REOPEN_EVERY;
        if retry {
            self.reopen();
        }
        if let Some(at) = self.reopen_at {
            if Instant::now() < at {
                return;
            }
            self.reopen();
        }
        if self.playing.is_none() {
            let next = self
                .queue
                .iter()
                .position(|u| !self.paused_clients.contains(&u.client));
            if let Some(index) = next {
                self.playing = self.queue.remove(index);
                self.player.set_paused(false);
            }
        }
        self.update_speaking();
        self.watch_speechd();
        let lookahead = self.sample_rate as usize * LOOKAHEAD_SECONDS;
        while self.player.buffered() < lookahead {
            let Some(utterance) = self.playing.as_ref() else {
                return;
            };
            if utterance.sd.is_some() {
                // Speech Dispatcher is speaking a chunk: the next waits for its END.
                return;
            }
            let Some(lang) = utterance.chunks.get(utterance.next).map(|c| c.lang) else {
                return;
            };
            let chosen = utterance
                .voice_override
                .clone()
                .or_else(|| self.config.voice_for(lang).cloned());
            let on_speechd = chosen
                .as_ref()
                .is_some_and(|v| matches!(v.engine, VoiceEngine::SpeechDispatcher { .. }));
            let voice = if on_speechd && !self.speechd_usable() {
                self.config.fallback_for(lang).cloned()
            } else {
                chosen
            };
            if let Some(voice) = voice
                .as_ref()
                .filter(|v| matches!(v.engine, VoiceEngine::SpeechDispatcher { .. }))
            {
                self.send_to_speechd(voice.clone());
                return;
            }
            let Some(utterance) = self.playing.as_mut() else {
                return;
            };
            let Some(chunk) = utterance.chunks.get(utterance.next) else {
                return;
            };
            let first = utterance.next == 0;
            let last = utterance.next + 1 == utterance.chunks.len();
            utterance.next += 1;
            let id = utterance.id;
            let segment = match voice {
                Some(voice) => {
                    synthesize_chunk(chunk, &voice, utterance, first, last, self.sample_rate)
                }
                None => {
                    tracing::warn!(lang = %chunk.lang, "no voice for a run; skipped");
                    Segment {
                        utterance: id,
                        first,
                        last,
                        ..Segment::default()
                    }
                }
            };
            if segment.samples.is_empty() && first && last {
                // Nothing audible at all (empty text): finish without playing.
                self.playing = None;
                self.emit(SpeechEvent::Finished(id, true));
                return;
            }
            self.player.push(segment);
        }
    }

    /// Hands the next chunk of the playing utterance to Speech Dispatcher.
    fn send_to_speechd(&mut self, voice: Voice) {
        let token = self.next_token;
        self.next_token += 1;
        let Some(utterance) = self.playing.as_mut() else {
            return;
        };
        let Some(chunk) = utterance.chunks.get(utterance.next) else {
            return;
        };
        let module = match &voice.engine {
            VoiceEngine::SpeechDispatcher { module } => module.clone(),
            VoiceEngine::Espeak => None,
        };
        let say = SdSay {
            token,
            priority: utterance.priority,
            module,
            voice: voice.engine_voice.clone(),
            language: voice.lang.code().to_owned(),
            rate: voice.rate + utterance.rate,
            pitch: voice.pitch + utterance.pitch,
            volume: voice.volume + utterance.volume,
            capitals: voice.capitals,
            ssml: ssml_with_marks(&chunk.text, &chunk.offsets()),
        };
        utterance.sd = Some(SdPending {
            token,
            msg_id: None,
            first: utterance.next == 0,
            last: utterance.next + 1 == utterance.chunks.len(),
            began: false,
            last_news: Instant::now(),
        });
        utterance.next += 1;
        let sent = self.speechd.as_ref().is_some_and(|sd| sd.say(say));
        if !sent {
            self.speechd_gave_up("Speech Dispatcher is not running".into());
        }
    }

    fn update_speaking(&mut self) {
        let speaking = self.playing.is_some();
        if speaking != self.speaking {
            self.speaking = speaking;
            self.emit(SpeechEvent::Speaking(speaking));
        }
    }
}

fn open_player(
    output: &OutputChoice,
    rate: u32,
    tx: &Sender<Message>,
    generation: u64,
) -> (Player, Option<String>) {
    // Player events come back through the speech thread's own channel,
    // tagged with the player's generation.
    let (events, relay) = mpsc::channel::<PlayerEvent>();
    let forward = tx.clone();
    let _ = std::thread::Builder::new()
        .name("oqu-audio-events".into())
        .spawn(move || {
            while let Ok(event) = relay.recv() {
                if forward.send(Message::Player(generation, event)).is_err() {
                    break;
                }
            }
        });
    Player::open(output, rate, events)
}

/// eSpeak's capitals parameter: 0 none, 1 a sound, 2 the word "capital"
/// (English only; oqu says it itself in spelling mode), 3+ a pitch rise in Hz.
pub fn espeak_capitals(capitals: Capitals) -> i32 {
    match capitals {
        Capitals::None | Capitals::Word => 0,
        Capitals::Sound => 1,
        Capitals::Pitch => 20,
    }
}

fn synthesize_chunk(
    chunk: &Chunk,
    voice: &Voice,
    utterance: &Utterance,
    first: bool,
    last: bool,
    sample_rate: u32,
) -> Segment {
    let mut espeak_voice = EspeakVoice::from_relative(
        &voice.engine_voice,
        voice.rate + utterance.rate,
        voice.pitch + utterance.pitch,
        voice.volume + utterance.volume,
    );
    espeak_voice.capitals = espeak_capitals(voice.capitals);
    let mut samples = Vec::new();
    let mut marks = Vec::new();
    let result = espeak::synthesize(
        &chunk.text,
        &espeak_voice,
        utterance.ssml,
        &mut |pcm, words| {
            for word in words {
                let (start, end) = chunk.caller_range(word.start, word.len);
                marks.push(Mark {
                    sample: word.sample as usize,
                    start,
                    end,
                });
            }
            samples.extend_from_slice(pcm);
            Flow::Continue
        },
    );
    if let Err(e) = result {
        tracing::warn!(voice = %voice.id, "synthesis failed: {e}");
    }
    if first {
        let limit = (sample_rate as usize * MAX_TRIM_MS / 1000).min(samples.len());
        let lead = samples[..limit]
            .iter()
            .position(|s| s.unsigned_abs() > SILENCE_LEVEL.unsigned_abs())
            .unwrap_or(limit);
        samples.drain(..lead);
        for mark in &mut marks {
            mark.sample = mark.sample.saturating_sub(lead);
        }
    }
    Segment {
        utterance: utterance.id,
        samples,
        marks,
        first,
        last,
    }
}
