//! The audio pipeline: plays synthesised segments through cpal (ALSA), or
//! through a paced null output when there is no device, and reports when
//! each utterance's first sample and each word reach the output.
//!
//! The output callback takes samples from a short queue behind a mutex held
//! only for the copy; Stop empties the queue, so silence follows within one
//! device period. Events leave the callback through a non-blocking channel.

use std::collections::VecDeque;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

/// A word to announce when playback reaches `sample`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Sample index within the segment.
    pub sample: usize,
    /// Char offsets in the caller's text.
    pub start: u32,
    pub end: u32,
}

/// A piece of one utterance's audio, at the source sample rate.
#[derive(Debug, Clone, Default)]
pub struct Segment {
    pub utterance: u64,
    pub samples: Vec<i16>,
    pub marks: Vec<Mark>,
    /// The utterance's first segment: announce Started at its first sample.
    pub first: bool,
    /// The utterance's last segment: announce Finished at its end.
    pub last: bool,
}

/// What playback reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayerEvent {
    Started(u64),
    Word(u64, u32, u32),
    Finished(u64),
    /// The output failed (device unplugged, server gone).
    Lost(String),
}

#[derive(Default)]
struct Queue {
    segments: VecDeque<Segment>,
    /// Position in the front segment, in source samples (fractional for resampling).
    position: f64,
    /// Index of the next mark to announce in the front segment.
    next_mark: usize,
    started: bool,
    paused: bool,
}

impl Queue {
    fn buffered(&self) -> usize {
        let front = self.position as usize;
        self.segments
            .iter()
            .map(|s| s.samples.len())
            .sum::<usize>()
            .saturating_sub(front)
    }
}

/// Fills output frames from the queue; shared by every kind of output.
struct Feeder {
    queue: Arc<Mutex<Queue>>,
    events: Sender<PlayerEvent>,
    /// Source samples per output frame.
    step: f64,
}

impl Feeder {
    /// Writes `frames` mono frames through `put(frame_index, sample)`.
    fn fill(&self, frames: usize, mut put: impl FnMut(usize, i16)) {
        let mut queue = match self.queue.lock() {
            Ok(queue) => queue,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut frame = 0;
        while frame < frames {
            if queue.paused {
                break;
            }
            let Some(segment) = queue.segments.front() else {
                break;
            };
            let index = queue.position as usize;
            if index >= segment.samples.len() {
                let done = queue.segments.pop_front();
                queue.position = 0.0;
                queue.next_mark = 0;
                queue.started = false;
                if let Some(done) = done {
                    if done.last {
                        let _ = self.events.send(PlayerEvent::Finished(done.utterance));
                    }
                }
                continue;
            }
            if segment.first && !queue.started {
                let _ = self.events.send(PlayerEvent::Started(segment.utterance));
            }
            let utterance = segment.utterance;
            let sample = segment.samples[index];
            let mut announce = Vec::new();
            let mut next_mark = queue.next_mark;
            while let Some(mark) = segment.marks.get(next_mark) {
                if mark.sample > index {
                    break;
                }
                announce.push(*mark);
                next_mark += 1;
            }
            queue.started = true;
            queue.next_mark = next_mark;
            for mark in announce {
                let _ = self
                    .events
                    .send(PlayerEvent::Word(utterance, mark.start, mark.end));
            }
            put(frame, sample);
            queue.position += self.step;
            frame += 1;
        }
        while frame < frames {
            put(frame, 0);
            frame += 1;
        }
    }
}

/// Where the audio goes.
enum Output {
    Device {
        // Kept alive: dropping the stream stops playback.
        _stream: cpal::Stream,
        name: String,
    },
    Null {
        stop: Arc<std::sync::atomic::AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
}

/// Plays segments in order. Lives on the speech thread (cpal streams are not `Send`).
pub struct Player {
    queue: Arc<Mutex<Queue>>,
    output: Output,
}

/// Which output to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputChoice {
    /// The system's default device (ALSA, usually routed to PulseAudio or PipeWire).
    Default,
    /// An ALSA device by name.
    Named(String),
    /// No device: paced silence, so events and queues behave as with a device.
    Null,
}

/// How long one device period lasts: short, so speech starts and Stop is
/// heard at once (two periods are buffered). Measured on a PulseAudio null
/// sink: 5 ms periods give ~10 ms to the first sound and ~6 ms from Stop to
/// silence, 20 ms periods ~35 ms for both; but under load 5 ms periods made
/// the ALSA PulseAudio plugin fail now and then, restarting the sentence.
/// 10 ms is the compromise. A device that refuses them gets its own default.
const PERIOD: Duration = Duration::from_millis(10);

/// The device period: [`PERIOD`], or `OQU_AUDIO_PERIOD_MS` (2..100), for a
/// station whose sound server needs longer periods.
fn device_period() -> Duration {
    std::env::var("OQU_AUDIO_PERIOD_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(|ms| Duration::from_millis(ms.clamp(2, 100)))
        .unwrap_or(PERIOD)
}

impl Player {
    /// Opens `choice`; when it cannot be opened, falls back to the null output
    /// and returns why beside the player.
    pub fn open(
        choice: &OutputChoice,
        source_rate: u32,
        events: Sender<PlayerEvent>,
    ) -> (Player, Option<String>) {
        let queue = Arc::new(Mutex::new(Queue::default()));
        if *choice != OutputChoice::Null {
            match open_device(choice, source_rate, Arc::clone(&queue), events.clone()) {
                Ok(output) => return (Player { queue, output }, None),
                Err(why) => {
                    tracing::warn!("audio output unavailable, using the null output: {why}");
                    let output = open_null(source_rate, Arc::clone(&queue), events);
                    return (Player { queue, output }, Some(why));
                }
            }
        }
        let output = open_null(source_rate, Arc::clone(&queue), events);
        (Player { queue, output }, None)
    }

    /// The output's name, for Status.
    pub fn output_name(&self) -> String {
        match &self.output {
            Output::Device { name, .. } => name.clone(),
            Output::Null { .. } => "null".into(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.output, Output::Null { .. })
    }

    pub fn push(&self, segment: Segment) {
        self.with_queue(|q| q.segments.push_back(segment));
    }

    /// Source samples queued and not yet played.
    pub fn buffered(&self) -> usize {
        self.with_queue(|q| q.buffered())
    }

    /// Drops everything queued; silence follows at the next device period.
    /// Returns the utterances that were cut.
    pub fn clear(&self) -> Vec<u64> {
        self.with_queue(|q| {
            let mut cut: Vec<u64> = q.segments.iter().map(|s| s.utterance).collect();
            cut.dedup();
            q.segments.clear();
            q.position = 0.0;
            q.next_mark = 0;
            q.started = false;
            cut
        })
    }

    /// Drops the queued audio of one utterance.
    pub fn drop_utterance(&self, utterance: u64) {
        self.with_queue(|q| {
            let playing_it = q.segments.front().is_some_and(|s| s.utterance == utterance);
            q.segments.retain(|s| s.utterance != utterance);
            if playing_it {
                q.position = 0.0;
                q.next_mark = 0;
                q.started = false;
            }
        });
    }

    pub fn set_paused(&self, paused: bool) {
        self.with_queue(|q| q.paused = paused);
    }

    fn with_queue<T>(&self, f: impl FnOnce(&mut Queue) -> T) -> T {
        let mut queue = match self.queue.lock() {
            Ok(queue) => queue,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut queue)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        if let Output::Null { stop, thread } = &mut self.output {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}

fn open_null(source_rate: u32, queue: Arc<Mutex<Queue>>, events: Sender<PlayerEvent>) -> Output {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let feeder = Feeder {
        queue,
        events,
        step: 1.0,
    };
    let thread = std::thread::Builder::new()
        .name("oqu-null-audio".into())
        .spawn(move || {
            // Paced by the clock: a period's worth of samples each period.
            let frames = (u128::from(source_rate) * PERIOD.as_millis() / 1000) as usize;
            let mut next = Instant::now();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                feeder.fill(frames, |_, _| {});
                next += PERIOD;
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                } else {
                    next = now;
                }
            }
        })
        .ok();
    Output::Null { stop, thread }
}

fn open_device(
    choice: &OutputChoice,
    source_rate: u32,
    queue: Arc<Mutex<Queue>>,
    events: Sender<PlayerEvent>,
) -> Result<Output, String> {
    let host = cpal::default_host();
    let device = match choice {
        OutputChoice::Named(name) => host
            .output_devices()
            .map_err(|e| e.to_string())?
            .find(|d| d.to_string() == *name)
            .ok_or_else(|| format!("no audio device named {name}"))?,
        _ => host
            .default_output_device()
            .ok_or_else(|| "no default audio device".to_string())?,
    };
    let name = device.to_string();
    // Prefer eSpeak's own rate in mono (the sound server converts); else the
    // device's default configuration, resampled here.
    let wanted = cpal::StreamConfig {
        channels: 1,
        sample_rate: source_rate,
        buffer_size: cpal::BufferSize::Fixed(
            source_rate * device_period().as_millis() as u32 / 1000,
        ),
    };
    let on_error = {
        let events = events.clone();
        move |e: cpal::Error| {
            use cpal::ErrorKind::*;
            match e.kind() {
                // cpal recovers from these itself; a busy machine causes them.
                Xrun | DeviceChanged | RealtimeDenied => tracing::debug!("audio: {e}"),
                _ => {
                    let _ = events.send(PlayerEvent::Lost(e.to_string()));
                }
            }
        }
    };
    let feeder = Feeder {
        queue: Arc::clone(&queue),
        events: events.clone(),
        step: 1.0,
    };
    let stream = device
        .build_output_stream::<i16, _, _>(
            wanted,
            move |out: &mut [i16], _| feeder.fill(out.len(), |i, s| out[i] = s),
            on_error.clone(),
            None,
        )
        .or_else(|first| {
            // Both attempts usually fail for the same reason: say it once.
            let both = |e: &dyn std::fmt::Display| {
                let (a, b) = (first.to_string(), e.to_string());
                if a == b {
                    a
                } else {
                    format!("{a}; {b}")
                }
            };
            let default = device.default_output_config().map_err(|e| both(&e))?;
            let config = default.config();
            let channels = usize::from(config.channels.max(1));
            let feeder = Feeder {
                queue,
                events,
                step: f64::from(source_rate) / f64::from(config.sample_rate.max(1)),
            };
            device
                .build_output_stream::<f32, _, _>(
                    config,
                    move |out: &mut [f32], _| {
                        let frames = out.len() / channels;
                        feeder.fill(frames, |i, s| {
                            let v = f32::from(s) / 32768.0;
                            for c in 0..channels {
                                out[i * channels + c] = v;
                            }
                        });
                    },
                    on_error,
                    None,
                )
                .map_err(|e| both(&e))
        })?;
    stream.play().map_err(|e| e.to_string())?;
    Ok(Output::Device {
        _stream: stream,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    fn segment(utterance: u64, len: usize, first: bool, last: bool, marks: Vec<Mark>) -> Segment {
        Segment {
            utterance,
            samples: vec![1000; len],
            marks,
            first,
            last,
        }
    }

    #[test]
    fn events_follow_playback_in_order() {
        let (tx, rx) = channel();
        let queue = Arc::new(Mutex::new(Queue::default()));
        let feeder = Feeder {
            queue: Arc::clone(&queue),
            events: tx,
            step: 1.0,
        };
        {
            let mut q = queue.lock().unwrap();
            let marks = [
                Mark {
                    sample: 0,
                    start: 0,
                    end: 4,
                },
                Mark {
                    sample: 150,
                    start: 5,
                    end: 9,
                },
            ];
            q.segments
                .push_back(segment(7, 100, true, false, marks[..1].to_vec()));
            q.segments.push_back(segment(
                7,
                200,
                false,
                true,
                vec![Mark {
                    sample: 50,
                    ..marks[1]
                }],
            ));
        }
        let mut out = vec![0i16; 120];
        feeder.fill(120, |i, s| out[i] = s);
        assert!(out.iter().all(|s| *s == 1000));
        assert_eq!(rx.try_recv(), Ok(PlayerEvent::Started(7)));
        assert_eq!(rx.try_recv(), Ok(PlayerEvent::Word(7, 0, 4)));
        assert!(rx.try_recv().is_err());
        feeder.fill(300, |_, _| {});
        assert_eq!(rx.try_recv(), Ok(PlayerEvent::Word(7, 5, 9)));
        assert_eq!(rx.try_recv(), Ok(PlayerEvent::Finished(7)));
        let mut tail = [1i16; 10];
        feeder.fill(10, |i, s| tail[i] = s);
        assert!(tail.iter().all(|s| *s == 0), "silence after the end");
    }

    #[test]
    fn null_output_is_paced_and_clear_cuts_at_once() {
        let (tx, rx) = channel();
        let (player, why) = Player::open(&OutputChoice::Null, 22050, tx);
        assert!(why.is_none());
        let start = Instant::now();
        player.push(segment(1, 22050 / 5, true, true, vec![]));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Ok(PlayerEvent::Started(1))
        );
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Ok(PlayerEvent::Finished(1))
        );
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(180), "{took:?}: not paced");
        player.push(segment(2, 22050 * 10, true, true, vec![]));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Ok(PlayerEvent::Started(2))
        );
        assert_eq!(player.clear(), vec![2]);
        assert_eq!(player.buffered(), 0);
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    }
}
