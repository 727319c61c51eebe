//! Synthesis into a Spiel stream (`audio/x-spiel`): the station's voices for
//! any Spiel client, and for `oqu say --to FILE.wav`.
//!
//! Runs on the caller's (blocking) thread: eSpeak's lock serialises it with
//! the speech thread, and it never touches the playback queue.

use std::io::Write;

use spiel::{Event, EventType, Message, Writer};

use super::espeak::{self, EspeakVoice, Flow};
use super::prepare::{self, PrepareOptions};
use super::service::{SpeechConfig, Voice, VoiceEngine};
use crate::i18n::Lang;

/// The format every oqu voice writes: eSpeak's own.
pub fn output_format(rate: u32) -> String {
    format!("audio/x-raw,format=S16LE,channels=1,rate={rate}")
}

/// Spiel's rate and pitch are factors around 1.0; oqu's are −100..100.
pub fn relative(factor: f64) -> i32 {
    if !factor.is_finite() || factor <= 0.0 {
        return 0;
    }
    (factor.log2() * 100.0).round().clamp(-100.0, 100.0) as i32
}

/// What to synthesise.
pub struct Request<'a> {
    pub text: &'a str,
    /// A voice profile id, or None to choose by language.
    pub voice: Option<&'a Voice>,
    /// A language tag, or empty for the text's own languages.
    pub language: &'a str,
    pub rate: f64,
    pub pitch: f64,
    pub ssml: bool,
}

/// Writes `request` as a Spiel stream to `out`. Returns the number of samples written.
pub fn synthesize(
    config: &SpeechConfig,
    request: &Request<'_>,
    out: impl Write,
) -> std::io::Result<u64> {
    let mut writer = Writer::new(out);
    let languages = config.languages();
    let forced = request
        .voice
        .map(|v| v.lang)
        .or_else(|| Lang::from_locale(request.language).filter(|l| languages.contains(l)));
    let chunks = prepare::prepare(
        request.text,
        &PrepareOptions {
            forced,
            default: languages.first().copied().unwrap_or(Lang::En),
            allowed: languages,
            punctuation: None,
            spell: false,
            capital_words: false,
            ssml: request.ssml,
        },
        &config.symbols,
    );
    let mut written = 0u64;
    let mut failure: Option<std::io::Error> = None;
    // The header goes out even for empty text, so a client sees a valid stream.
    writer.write_message(&Message::Audio(&[]))?;
    for chunk in &chunks {
        // Spiel streams audio back, so only in-process voices can serve it:
        // a Speech Dispatcher voice is replaced by its language's eSpeak NG voice.
        let chosen = request.voice.or_else(|| config.voice_for(chunk.lang));
        let voice = match chosen {
            Some(v) if v.engine == VoiceEngine::Espeak => Some(v),
            _ => config.fallback_for(chunk.lang),
        };
        let Some(voice) = voice else {
            continue;
        };
        let mut espeak_voice = EspeakVoice::from_relative(
            &voice.engine_voice,
            voice.rate + relative(request.rate),
            voice.pitch + relative(request.pitch),
            voice.volume,
        );
        espeak_voice.capitals = super::service::espeak_capitals(voice.capitals);
        let result = espeak::synthesize(
            &chunk.text,
            &espeak_voice,
            request.ssml,
            &mut |pcm, words| {
                for word in words {
                    let (start, end) = chunk.caller_range(word.start, word.len);
                    let event = Event {
                        typ: EventType::Word,
                        start,
                        end,
                        name: None,
                    };
                    if let Err(e) = writer.write_message(&Message::Event(event)) {
                        failure = Some(e);
                        return Flow::Abort;
                    }
                }
                let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
                if let Err(e) = writer.write_message(&Message::Audio(&bytes)) {
                    failure = Some(e);
                    return Flow::Abort;
                }
                written += pcm.len() as u64;
                Flow::Continue
            },
        );
        if let Some(e) = failure.take() {
            return Err(e);
        }
        if let Err(e) = result {
            return Err(std::io::Error::other(e.to_string()));
        }
    }
    writer.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_map_to_relative_settings() {
        assert_eq!(relative(1.0), 0);
        assert_eq!(relative(2.0), 100);
        assert_eq!(relative(0.5), -100);
        assert_eq!(relative(10.0), 100);
        assert_eq!(relative(0.0), 0);
        assert_eq!(relative(f64::NAN), 0);
    }

    #[test]
    fn a_stream_carries_audio_and_word_events() {
        let voice = Voice {
            id: "ru-espeak".into(),
            name: "Русский".into(),
            lang: Lang::Ru,
            engine: VoiceEngine::Espeak,
            capitals: crate::config::data::Capitals::None,
            engine_voice: "ru".into(),
            rate: 0,
            pitch: 0,
            volume: 0,
        };
        let config = SpeechConfig {
            voices: vec![voice.clone()],
            profiles: vec![voice.clone()],
            fallbacks: vec![voice.clone()],
            symbols: std::sync::Arc::new(super::super::text::SymbolTables::embedded()),
            output: super::super::player::OutputChoice::Null,
        };
        let mut stream = Vec::new();
        let request = Request {
            text: "Война и мир",
            voice: Some(&voice),
            language: "",
            rate: 1.0,
            pitch: 1.0,
            ssml: false,
        };
        let samples = synthesize(&config, &request, &mut stream).unwrap();
        assert!(samples > 10_000);
        let mut reader = spiel::Reader::from(stream);
        let mut audio = 0usize;
        let mut words = Vec::new();
        while let Ok(message) = reader.try_read() {
            match message {
                spiel::MessageOwned::Audio(bytes) => audio += bytes.len(),
                spiel::MessageOwned::Event(e) => words.push((e.start, e.end)),
                spiel::MessageOwned::Version(v) => assert_eq!(v, "0.01"),
            }
        }
        assert_eq!(audio as u64, samples * 2);
        assert_eq!(words, vec![(0, 5), (6, 7), (8, 11)]);
    }
}
