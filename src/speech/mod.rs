//! Speech: eSpeak NG in-process and Speech Dispatcher, the audio pipeline,
//! and text preparation (language runs, symbols, offsets).

pub mod text;
