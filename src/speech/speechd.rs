//! Speech Dispatcher as an engine, through the `speech-dispatcher` crate (not
//! `tts`, which sends everything at priority *important*), for stations that
//! prefer its modules (RHVoice and others).
//!
//! Speech Dispatcher plays the audio itself. oqu sends one chunk at a time as
//! SSML with an index mark before every word, at the utterance's own
//! priority, and learns from BEGIN, END and the marks what is being spoken.
//!
//! libspeechd has no timeouts: a hung server blocks the calling thread. So
//! every call runs on a worker thread of its own and the speech thread never
//! waits for it; the speech thread watches the events instead and falls back
//! to eSpeak NG when they stop coming.

use std::sync::mpsc::{self, Receiver, Sender};

use speech_dispatcher::{CapitalLetters, Connection, DataMode, Mode, Priority as SpdPriority};

use crate::config::data::Capitals;

use crate::requests::Priority;

/// What Speech Dispatcher reports, by its message id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdEvent {
    /// `say` was accepted: the chunk's message id (or None when refused).
    Queued {
        token: u64,
        msg_id: Option<u64>,
    },
    Begin(u64),
    /// Speech of the word whose caller offsets the mark carries.
    Word(u64, u32, u32),
    End(u64),
    Cancelled(u64),
    /// The connection could not be made.
    Failed(String),
}

/// One chunk to speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdSay {
    /// Chosen by the speech thread to match `Queued` to its chunk.
    pub token: u64,
    pub priority: Priority,
    pub module: Option<String>,
    pub voice: String,
    pub language: String,
    /// −100..100.
    pub rate: i32,
    pub pitch: i32,
    pub volume: i32,
    pub capitals: Capitals,
    /// SSML with `<mark name="START-END"/>` before each word.
    pub ssml: String,
}

enum Command {
    Say(SdSay),
    Cancel,
    Pause,
    Resume,
}

/// A worker thread holding one connection to Speech Dispatcher.
pub struct SpeechDispatcher {
    commands: Sender<Command>,
}

impl SpeechDispatcher {
    /// Starts the worker; it connects at once and reports `Failed` if it cannot.
    /// `SPEECHD_ADDRESS` chooses the server, as for every libspeechd client.
    pub fn start(events: Sender<SdEvent>) -> std::io::Result<SpeechDispatcher> {
        let (commands, inbox) = mpsc::channel();
        std::thread::Builder::new()
            .name("oqu-speechd".into())
            .spawn(move || worker(inbox, events))?;
        Ok(SpeechDispatcher { commands })
    }

    pub fn say(&self, say: SdSay) -> bool {
        self.commands.send(Command::Say(say)).is_ok()
    }

    pub fn cancel(&self) {
        let _ = self.commands.send(Command::Cancel);
    }

    pub fn pause(&self) {
        let _ = self.commands.send(Command::Pause);
    }

    pub fn resume(&self) {
        let _ = self.commands.send(Command::Resume);
    }
}

fn priority(p: Priority) -> SpdPriority {
    match p {
        Priority::Important => SpdPriority::Important,
        Priority::Message => SpdPriority::Message,
        Priority::Text => SpdPriority::Text,
        Priority::Notification => SpdPriority::Notification,
        Priority::Progress => SpdPriority::Progress,
    }
}

fn worker(inbox: Receiver<Command>, events: Sender<SdEvent>) {
    let connection = match Connection::open("oqu", "speech", "oqu", Mode::Threaded) {
        Ok(c) => c,
        Err(e) => {
            let _ = events.send(SdEvent::Failed(e.to_string()));
            return;
        }
    };
    let tx = events.clone();
    connection.on_begin(Some(Box::new(move |msg, _| {
        let _ = tx.send(SdEvent::Begin(msg as u64));
    })));
    let tx = events.clone();
    connection.on_end(Some(Box::new(move |msg, _| {
        let _ = tx.send(SdEvent::End(msg as u64));
    })));
    let tx = events.clone();
    connection.on_cancel(Some(Box::new(move |msg, _| {
        let _ = tx.send(SdEvent::Cancelled(msg as u64));
    })));
    let tx = events.clone();
    connection.on_index_mark(Some(Box::new(move |msg, _, mark| {
        if let Some((start, end)) = parse_mark(&mark) {
            let _ = tx.send(SdEvent::Word(msg as u64, start, end));
        }
    })));
    if connection.set_data_mode(DataMode::SSML).is_err() {
        let _ = events.send(SdEvent::Failed("SSML mode refused".into()));
        return;
    }
    while let Ok(command) = inbox.recv() {
        match command {
            Command::Say(say) => {
                if let Some(module) = &say.module {
                    let _ = connection.set_output_module(module.as_str());
                }
                let _ = connection.set_language(say.language.as_str());
                let _ = connection
                    .set_synthesis_voice_uid(say.voice.as_str(), connection.client_id() as u32);
                let _ = connection.set_voice_rate(say.rate.clamp(-100, 100));
                let _ = connection.set_voice_pitch(say.pitch.clamp(-100, 100));
                let _ = connection.set_volume(say.volume.clamp(-100, 100));
                // Speech Dispatcher has no pitch rise for capitals: a sound is the nearest.
                let _ = connection.set_capital_letters(match say.capitals {
                    Capitals::None => CapitalLetters::None,
                    Capitals::Sound | Capitals::Pitch => CapitalLetters::Icon,
                    Capitals::Word => CapitalLetters::Spell,
                });
                let msg_id = connection.say(priority(say.priority), say.ssml);
                let _ = events.send(SdEvent::Queued {
                    token: say.token,
                    msg_id,
                });
            }
            Command::Cancel => {
                let _ = connection.cancel();
            }
            Command::Pause => {
                let _ = connection.pause();
            }
            Command::Resume => {
                let _ = connection.resume();
            }
        }
    }
    connection.close();
}

fn parse_mark(mark: &str) -> Option<(u32, u32)> {
    let (start, end) = mark.split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

/// SSML for `text` with a mark before each word naming its caller offsets.
/// `offsets[i]` is the caller offset of the i-th char of `text`.
pub fn ssml_with_marks(text: &str, offsets: &[u32]) -> String {
    let mut out = String::from("<speak>");
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            out.push(' ');
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let from = offsets.get(start).copied().unwrap_or(0);
        let to = offsets.get(i - 1).map_or(from, |o| o + 1);
        out.push_str(&format!("<mark name=\"{from}-{to}\"/>"));
        for c in &chars[start..i] {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c if c.is_control() => out.push(' '),
                c => out.push(*c),
            }
        }
    }
    out.push_str("</speak>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_gets_a_mark_with_its_caller_offsets() {
        let text = "Абай <ақын> & ойшыл";
        let offsets: Vec<u32> = (10..10 + text.chars().count() as u32).collect();
        let ssml = ssml_with_marks(text, &offsets);
        assert_eq!(
            ssml,
            "<speak><mark name=\"10-14\"/>Абай <mark name=\"15-21\"/>&lt;ақын&gt; \
             <mark name=\"22-23\"/>&amp; <mark name=\"24-29\"/>ойшыл</speak>"
        );
        assert_eq!(parse_mark("15-21"), Some((15, 21)));
        assert_eq!(parse_mark("x"), None);
    }
}
