//! The liblouis C functions oqu uses, and the one lock every call goes through.
//!
//! Why a process-wide lock: liblouis 3.24 keeps its working state in C
//! statics — the compiled-table cache, the pass buffers, position maps and
//! typeform buffer that `lou_translate` and `lou_backTranslate` reuse (sized
//! and freed behind the caller's back), the log callback and level. Two
//! threads inside liblouis at once corrupt each other's translations or
//! free a buffer the other is writing. The lock is the only global state in
//! oqu's braille code, and it exists because liblouis's own state is global;
//! the functions here are reachable only through the guard it hands out.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr};
use std::sync::{Mutex, MutexGuard};

use super::LouisError;

/// liblouis's `widechar`: `unsigned int` on Debian (built with
/// `--enable-ucs4`); checked with `lou_charSize` before first use.
pub(super) type WideChar = u32;

/// `lou_charSize()` that the declarations below assume.
const WIDECHAR_BYTES: c_int = 4;

/// liblouis `logLevels`: collect warnings and errors only.
const LOG_WARN: c_int = 30000;

/// At most this many log lines are kept per call, each cut to
/// [`MAX_LOG_CHARS`]: a broken table can log one line per rule.
const MAX_LOG_LINES: usize = 8;
const MAX_LOG_CHARS: usize = 400;

type LogCallback = extern "C" fn(level: c_int, message: *const c_char);

#[link(name = "louis")]
extern "C" {
    fn lou_version() -> *const c_char;
    fn lou_charSize() -> c_int;
    fn lou_translate(
        table_list: *const c_char,
        inbuf: *const WideChar,
        inlen: *mut c_int,
        outbuf: *mut WideChar,
        outlen: *mut c_int,
        typeform: *mut u16,
        spacing: *mut c_char,
        output_pos: *mut c_int,
        input_pos: *mut c_int,
        cursor_pos: *mut c_int,
        mode: c_int,
    ) -> c_int;
    fn lou_backTranslate(
        table_list: *const c_char,
        inbuf: *const WideChar,
        inlen: *mut c_int,
        outbuf: *mut WideChar,
        outlen: *mut c_int,
        typeform: *mut u16,
        spacing: *mut c_char,
        output_pos: *mut c_int,
        input_pos: *mut c_int,
        cursor_pos: *mut c_int,
        mode: c_int,
    ) -> c_int;
    fn lou_checkTable(table_list: *const c_char) -> c_int;
    fn lou_registerLogCallback(callback: Option<LogCallback>);
    fn lou_setLogLevel(level: c_int);
    fn lou_free();
}

thread_local! {
    /// liblouis's log lines for the call in progress. The callback runs on
    /// the calling thread, which holds the lock, so a thread-local is enough.
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Keeps liblouis's warnings and errors for the error we return, instead of
/// letting liblouis print them on oqud's stderr.
extern "C" fn collect_log(level: c_int, message: *const c_char) {
    // Never unwind into C: every step here is infallible or checked.
    if level < LOG_WARN || message.is_null() {
        return;
    }
    // SAFETY: liblouis passes a NUL-terminated string that lives for the
    // duration of the callback; it was checked for null above.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    let text: String = text.trim().chars().take(MAX_LOG_CHARS).collect();
    let _ = LOG.try_with(|log| {
        if let Ok(mut log) = log.try_borrow_mut() {
            if log.len() < MAX_LOG_LINES {
                log.push(text);
            }
        }
    });
}

fn clear_log() {
    let _ = LOG.try_with(|log| {
        if let Ok(mut log) = log.try_borrow_mut() {
            log.clear();
        }
    });
}

/// What liblouis logged since the call began, joined for an error message.
pub(super) fn take_log() -> Option<String> {
    let lines = LOG
        .try_with(|log| {
            log.try_borrow_mut()
                .map(|mut l| std::mem::take(&mut *l))
                .ok()
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    (!lines.is_empty()).then(|| lines.join("; "))
}

/// Set once the log callback is registered and `lou_charSize` checked.
pub(super) struct Liblouis {
    ready: bool,
}

static LIBLOUIS: Mutex<Liblouis> = Mutex::new(Liblouis { ready: false });

/// Takes the liblouis lock; on first use, checks the widechar size and
/// registers the log collector.
pub(super) fn lock() -> Result<MutexGuard<'static, Liblouis>, LouisError> {
    // A panic while the lock was held happened in Rust code between calls;
    // liblouis's own state is whole, so a poisoned lock is still usable.
    let mut guard = LIBLOUIS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !guard.ready {
        // SAFETY: no arguments; returns a constant.
        let size = unsafe { lou_charSize() };
        if size != WIDECHAR_BYTES {
            return Err(LouisError::WideCharSize { got: size });
        }
        // SAFETY: `collect_log` matches liblouis's `logcallback` signature
        // (its `logLevels` enum is an int), never unwinds, and is a plain
        // function that lives for the whole program.
        unsafe {
            lou_registerLogCallback(Some(collect_log));
            lou_setLogLevel(LOG_WARN);
        }
        guard.ready = true;
    }
    clear_log();
    Ok(guard)
}

/// What one call of `lou_translate` or `lou_backTranslate` reported.
pub(super) struct Outcome {
    /// liblouis returned non-zero.
    pub ok: bool,
    /// Input characters consumed (fewer than given when the output was full).
    pub consumed: usize,
    /// Output characters written.
    pub produced: usize,
    /// Output position of the cursor, when a cursor was given.
    pub cursor: Option<c_int>,
}

/// The buffers of one call. liblouis writes at most `output.len()`
/// characters, `output_pos` needs one entry per input character and
/// `input_pos` one per output character.
pub(super) struct Buffers<'a> {
    pub input: &'a [WideChar],
    pub output: &'a mut [WideChar],
    pub output_pos: Option<&'a mut [c_int]>,
    pub input_pos: Option<&'a mut [c_int]>,
}

#[derive(Clone, Copy)]
pub(super) enum Direction {
    Forward,
    Backward,
}

impl Liblouis {
    pub(super) fn version(&mut self) -> String {
        // SAFETY: returns a pointer to a static NUL-terminated string.
        let version = unsafe { lou_version() };
        if version.is_null() {
            return String::new();
        }
        // SAFETY: non-null, static and NUL-terminated (see above).
        unsafe { CStr::from_ptr(version) }
            .to_string_lossy()
            .into_owned()
    }

    /// `lou_checkTable`: compiles the tables (and caches them) or says why not.
    pub(super) fn check_table(&mut self, tables: &CStr) -> bool {
        // SAFETY: `tables` is a NUL-terminated string valid for the call;
        // liblouis only reads it.
        unsafe { lou_checkTable(tables.as_ptr()) != 0 }
    }

    /// `lou_free`: forgets every compiled table and working buffer.
    pub(super) fn free(&mut self) {
        // SAFETY: no liblouis call is in progress (we hold the lock) and
        // nothing of ours keeps pointers into liblouis's memory.
        unsafe { lou_free() }
    }

    /// One call of `lou_translate` or `lou_backTranslate`; `None` when the
    /// buffers are inconsistent (a bug of ours, reported rather than passed
    /// on to C).
    pub(super) fn call(
        &mut self,
        direction: Direction,
        tables: &CStr,
        buffers: Buffers<'_>,
        cursor: Option<usize>,
        mode: c_int,
    ) -> Option<Outcome> {
        let Buffers {
            input,
            output,
            output_pos,
            input_pos,
        } = buffers;
        // liblouis 3.24 writes a typeform buffer sized by the output length
        // over the whole input: the output must never be the shorter one.
        if output.is_empty() || output.len() < input.len() {
            return None;
        }
        if output_pos
            .as_ref()
            .is_some_and(|p| p.len() < input.len().max(1))
            || input_pos.as_ref().is_some_and(|p| p.len() < output.len())
        {
            return None;
        }
        // liblouis reads `outputPos[cursor]`: the cursor must be on a character.
        if cursor.is_some_and(|c| c >= input.len() || output_pos.is_none()) {
            return None;
        }
        let mut inlen = c_int::try_from(input.len()).ok()?;
        let mut outlen = c_int::try_from(output.len()).ok()?;
        let mut cursor_pos: c_int = match cursor {
            Some(c) => c_int::try_from(c).ok()?,
            None => -1,
        };
        let output_pos = output_pos.map_or(std::ptr::null_mut(), |p| p.as_mut_ptr());
        let input_pos = input_pos.map_or(std::ptr::null_mut(), |p| p.as_mut_ptr());
        let function = match direction {
            Direction::Forward => lou_translate,
            Direction::Backward => lou_backTranslate,
        };
        // SAFETY: `tables` is NUL-terminated; `input` holds `inlen` widechars
        // (liblouis only reads it; an empty slice gives a dangling but
        // non-null pointer that is never read); `output` has room for
        // `outlen` widechars, `output_pos` for `inlen` ints and `input_pos`
        // for `outlen` ints, or they are null, which liblouis accepts
        // (checked above). typeform and spacing are null. The cursor, when
        // given, is below `inlen`. We hold the liblouis lock.
        let ok = unsafe {
            function(
                tables.as_ptr(),
                input.as_ptr(),
                &mut inlen,
                output.as_mut_ptr(),
                &mut outlen,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                output_pos,
                input_pos,
                &mut cursor_pos,
                mode,
            )
        } != 0;
        Some(Outcome {
            ok,
            consumed: usize::try_from(inlen).unwrap_or(0).min(input.len()),
            produced: usize::try_from(outlen).unwrap_or(0).min(output.len()),
            cursor: cursor.map(|_| cursor_pos),
        })
    }
}
