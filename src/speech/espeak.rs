//! eSpeak NG in-process, through a small FFI of our own.
//!
//! Why not `espeakng-sys`: it generates bindings with bindgen at build time,
//! which pulls libclang into every build for the dozen functions used here;
//! the `speak_lib.h` API they cover has been stable since eSpeak 1.48.
//!
//! eSpeak keeps global state, so every call goes through one process-wide
//! lock, and synthesis is synchronous (`AUDIO_OUTPUT_SYNCHRONOUS`): the
//! callback runs on the calling thread, which hands each chunk of PCM and its
//! word events to the caller's closure.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_short, c_uint, c_void, CStr, CString};
use std::sync::Mutex;

#[repr(C)]
#[derive(Clone, Copy)]
union EventId {
    number: c_int,
    name: *const c_char,
    string: [c_char; 8],
}

/// `espeak_EVENT` from speak_lib.h.
#[repr(C)]
struct RawEvent {
    kind: c_int,
    unique_identifier: c_uint,
    text_position: c_int,
    length: c_int,
    audio_position: c_int,
    sample: c_int,
    user_data: *mut c_void,
    id: EventId,
}

const EVENT_LIST_TERMINATED: c_int = 0;
const EVENT_WORD: c_int = 1;
const EVENT_SENTENCE: c_int = 2;

const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
const INITIALIZE_DONT_EXIT: c_int = 0x8000;
const POS_CHARACTER: c_int = 1;
const CHARS_UTF8: c_uint = 1;
const SSML: c_uint = 0x10;
const ENDPAUSE: c_uint = 0x1000;

const PARAM_RATE: c_int = 1;
const PARAM_VOLUME: c_int = 2;
const PARAM_PITCH: c_int = 3;
const PARAM_PUNCTUATION: c_int = 5;
const PARAM_CAPITALS: c_int = 6;

type Callback = unsafe extern "C" fn(*mut c_short, c_int, *mut RawEvent) -> c_int;

#[link(name = "espeak-ng")]
extern "C" {
    fn espeak_Initialize(
        output: c_int,
        buflength: c_int,
        path: *const c_char,
        options: c_int,
    ) -> c_int;
    fn espeak_SetSynthCallback(callback: Callback);
    fn espeak_SetVoiceByName(name: *const c_char) -> c_int;
    fn espeak_SetParameter(parameter: c_int, value: c_int, relative: c_int) -> c_int;
    #[allow(clippy::too_many_arguments)]
    fn espeak_Synth(
        text: *const c_void,
        size: usize,
        position: c_uint,
        position_type: c_int,
        end_position: c_uint,
        flags: c_uint,
        unique_identifier: *mut c_uint,
        user_data: *mut c_void,
    ) -> c_int;
    fn espeak_Info(path_data: *mut *const c_char) -> *const c_char;
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum EspeakError {
    #[error("eSpeak NG could not start (is espeak-ng-data installed?)")]
    Init,
    #[error("eSpeak NG has no voice \"{0}\"")]
    NoVoice(String),
    #[error("eSpeak NG failed to synthesise (code {0})")]
    Synth(i32),
    #[error("text contains a NUL character")]
    Nul,
}

/// A word being spoken: where it is in the text given to eSpeak, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordMark {
    /// 0-based char index in the synthesised text.
    pub start: usize,
    /// Length in chars.
    pub len: usize,
    /// Sample index from the start of this synthesis.
    pub sample: u64,
}

/// Voice and prosody for one synthesis, in eSpeak's own units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspeakVoice {
    pub name: String,
    /// Words per minute, 80..450.
    pub rate: i32,
    /// 0..100.
    pub pitch: i32,
    /// 0..200.
    pub volume: i32,
    /// Punctuation eSpeak itself names: none (0) or all (1). oqu names
    /// symbols itself in the reader's language, so this is normally 0.
    pub punctuation_all: bool,
    /// 0 none, 1 sound, 2 spell, 3+ pitch rise in Hz.
    pub capitals: i32,
}

impl EspeakVoice {
    /// From a voice profile's relative settings (-100..100 around the engine's normal).
    pub fn from_relative(name: &str, rate: i32, pitch: i32, volume: i32) -> EspeakVoice {
        let rate = (175.0 * 2f64.powf(f64::from(rate.clamp(-100, 100)) / 100.0)).round() as i32;
        EspeakVoice {
            name: name.to_owned(),
            rate: rate.clamp(80, 450),
            pitch: (50 + pitch.clamp(-100, 100) / 2).clamp(0, 100),
            volume: (100 + volume.clamp(-100, 100)).clamp(0, 200),
            punctuation_all: false,
            capitals: 0,
        }
    }
}

/// What the caller's closure says after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop synthesising now (returning 1 from the callback aborts eSpeak).
    Abort,
}

/// eSpeak's state behind the process-wide lock.
struct State {
    sample_rate: u32,
}

static ESPEAK: Mutex<Option<State>> = Mutex::new(None);

/// The closure receiving audio during one synthesis, plus where it is.
struct Receiver<'a> {
    deliver: &'a mut dyn FnMut(&[i16], &[WordMark]) -> Flow,
    samples_so_far: u64,
    sample_rate: u32,
    words: Vec<WordMark>,
}

thread_local! {
    // The callback runs synchronously inside espeak_Synth on this thread, so a
    // thread-local is enough to reach the current receiver.
    static RECEIVER: RefCell<Option<*mut Receiver<'static>>> = const { RefCell::new(None) };
}

unsafe extern "C" fn on_audio(wav: *mut c_short, count: c_int, events: *mut RawEvent) -> c_int {
    let Some(receiver) = RECEIVER.with(|r| *r.borrow()) else {
        return 1;
    };
    // SAFETY: the pointer was set by `synthesize` on this thread from a live
    // `&mut Receiver` that outlives the espeak_Synth call running this callback.
    let receiver = unsafe { &mut *receiver };
    receiver.words.clear();
    if !events.is_null() {
        let mut event = events;
        loop {
            // SAFETY: eSpeak passes an array terminated by EVENT_LIST_TERMINATED.
            let e = unsafe { &*event };
            if e.kind == EVENT_LIST_TERMINATED {
                break;
            }
            if e.kind == EVENT_WORD && e.text_position > 0 {
                let sample = u64::try_from(e.audio_position).unwrap_or(0)
                    * u64::from(receiver.sample_rate)
                    / 1000;
                receiver.words.push(WordMark {
                    start: (e.text_position - 1) as usize,
                    len: usize::try_from(e.length).unwrap_or(0),
                    sample,
                });
            }
            let _ = EVENT_SENTENCE;
            // SAFETY: still inside the terminated array.
            event = unsafe { event.add(1) };
        }
    }
    let samples: &[i16] = if wav.is_null() || count <= 0 {
        &[]
    } else {
        // SAFETY: eSpeak gives `count` valid 16-bit samples at `wav` for the duration of the call.
        unsafe { std::slice::from_raw_parts(wav, count as usize) }
    };
    receiver.samples_so_far += samples.len() as u64;
    let words = std::mem::take(&mut receiver.words);
    let flow = (receiver.deliver)(samples, &words);
    receiver.words = words;
    match flow {
        Flow::Continue => 0,
        Flow::Abort => 1,
    }
}

fn with_state<T>(f: impl FnOnce(&mut State) -> Result<T, EspeakError>) -> Result<T, EspeakError> {
    let mut guard = ESPEAK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if guard.is_none() {
        // SAFETY: plain C call; a null path means eSpeak's compiled-in data directory.
        let rate = unsafe {
            espeak_Initialize(
                AUDIO_OUTPUT_SYNCHRONOUS,
                20,
                std::ptr::null(),
                INITIALIZE_DONT_EXIT,
            )
        };
        if rate <= 0 {
            return Err(EspeakError::Init);
        }
        // SAFETY: `on_audio` matches t_espeak_callback and lives for the program.
        unsafe { espeak_SetSynthCallback(on_audio) };
        *guard = Some(State {
            sample_rate: rate as u32,
        });
    }
    match guard.as_mut() {
        Some(state) => f(state),
        None => Err(EspeakError::Init),
    }
}

/// eSpeak's sample rate (starting eSpeak if needed).
pub fn sample_rate() -> Result<u32, EspeakError> {
    with_state(|state| Ok(state.sample_rate))
}

/// eSpeak's version and data directory, for Status.
pub fn info() -> Result<(String, String), EspeakError> {
    with_state(|_| {
        let mut data: *const c_char = std::ptr::null();
        // SAFETY: eSpeak returns static strings.
        let version = unsafe { espeak_Info(&mut data) };
        let text = |p: *const c_char| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: non-null pointers from espeak_Info are NUL-terminated static strings.
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        Ok((text(version), text(data)))
    })
}

/// Synthesises `text` with `voice`, handing each chunk of PCM (mono, 16-bit,
/// at [`sample_rate`]) and the words that start in it to `deliver`.
/// Returns the number of samples produced.
pub fn synthesize(
    text: &str,
    voice: &EspeakVoice,
    ssml: bool,
    deliver: &mut dyn FnMut(&[i16], &[WordMark]) -> Flow,
) -> Result<u64, EspeakError> {
    let c_text = CString::new(text).map_err(|_| EspeakError::Nul)?;
    let c_voice = CString::new(voice.name.as_str()).map_err(|_| EspeakError::Nul)?;
    with_state(|state| {
        // SAFETY: plain C calls with valid NUL-terminated strings.
        unsafe {
            if espeak_SetVoiceByName(c_voice.as_ptr()) != 0 {
                return Err(EspeakError::NoVoice(voice.name.clone()));
            }
            espeak_SetParameter(PARAM_RATE, voice.rate, 0);
            espeak_SetParameter(PARAM_PITCH, voice.pitch, 0);
            espeak_SetParameter(PARAM_VOLUME, voice.volume, 0);
            espeak_SetParameter(PARAM_PUNCTUATION, i32::from(voice.punctuation_all), 0);
            espeak_SetParameter(PARAM_CAPITALS, voice.capitals, 0);
        }
        let mut receiver = Receiver {
            deliver,
            samples_so_far: 0,
            sample_rate: state.sample_rate,
            words: Vec::new(),
        };
        let pointer: *mut Receiver<'_> = &mut receiver;
        // The thread-local holds a lifetime-erased pointer only for the duration of espeak_Synth.
        RECEIVER.with(|r| *r.borrow_mut() = Some(pointer.cast::<Receiver<'static>>()));
        let flags = CHARS_UTF8 | ENDPAUSE | if ssml { SSML } else { 0 };
        // SAFETY: c_text is NUL-terminated and outlives the synchronous call.
        let code = unsafe {
            espeak_Synth(
                c_text.as_ptr().cast(),
                c_text.as_bytes_with_nul().len(),
                0,
                POS_CHARACTER,
                0,
                flags,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        RECEIVER.with(|r| *r.borrow_mut() = None);
        // An abort from the callback is not an error: the caller asked for it.
        if code != 0 && code != 1 {
            return Err(EspeakError::Synth(code));
        }
        Ok(receiver.samples_so_far)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speak(text: &str, voice: &str) -> (Vec<i16>, Vec<WordMark>) {
        let mut pcm = Vec::new();
        let mut words = Vec::new();
        synthesize(
            text,
            &EspeakVoice::from_relative(voice, 0, 0, 0),
            false,
            &mut |s, w| {
                pcm.extend_from_slice(s);
                words.extend_from_slice(w);
                Flow::Continue
            },
        )
        .unwrap();
        (pcm, words)
    }

    #[test]
    fn kazakh_is_synthesised_with_word_positions() {
        let text = "Абай Құнанбайұлы ұлы ақын.";
        let (pcm, words) = speak(text, "kk");
        assert_eq!(sample_rate().unwrap(), 22050);
        // About two seconds of audible speech.
        assert!(pcm.len() > 22050, "{}", pcm.len());
        assert!(pcm.iter().any(|s| s.unsigned_abs() > 3000));
        let spoken: Vec<String> = words
            .iter()
            .map(|w| text.chars().skip(w.start).take(w.len).collect())
            .collect();
        assert_eq!(spoken, vec!["Абай", "Құнанбайұлы", "ұлы", "ақын"]);
        assert!(words.windows(2).all(|p| p[0].sample < p[1].sample));
    }

    #[test]
    fn abort_stops_synthesis_early() {
        let long = "Бұл өте ұзақ сөйлем. ".repeat(50);
        let mut chunks = 0;
        let produced = synthesize(
            &long,
            &EspeakVoice::from_relative("kk", 0, 0, 0),
            false,
            &mut |_, _| {
                chunks += 1;
                if chunks >= 3 {
                    Flow::Abort
                } else {
                    Flow::Continue
                }
            },
        )
        .unwrap();
        assert_eq!(chunks, 3);
        assert!(produced < 22050, "{produced}");
    }

    #[test]
    fn unknown_voice_is_an_error() {
        let err = synthesize(
            "x",
            &EspeakVoice::from_relative("no-such-voice", 0, 0, 0),
            false,
            &mut |_, _| Flow::Continue,
        );
        assert_eq!(err, Err(EspeakError::NoVoice("no-such-voice".into())));
    }

    #[test]
    fn relative_settings_map_to_espeak_units() {
        let v = EspeakVoice::from_relative("kk", 0, 0, 0);
        assert_eq!((v.rate, v.pitch, v.volume), (175, 50, 100));
        let v = EspeakVoice::from_relative("kk", 100, 100, 100);
        assert_eq!((v.rate, v.pitch, v.volume), (350, 100, 200));
        let v = EspeakVoice::from_relative("kk", -100, -100, -100);
        assert_eq!((v.rate, v.pitch, v.volume), (88, 0, 0));
    }
}
