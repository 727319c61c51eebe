//! oqu: the command a person or a script uses to reach oqud. A thin client
//! of the D-Bus API: every subcommand is one call.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use oqu::client::{
    BrailleProxy, Dict, LibraryProxy, ListenProxy, ReaderProxy, SpeechProviderProxy, SpeechProxy,
    StationProxy,
};
use oqu::i18n::{Label, Lang, Msg};
use serde_json::{json, Value as Json};
use zbus::zvariant::{OwnedValue, Value};
use zbus::Connection;

/// Talk to the oqu reading service (oqud).
#[derive(Parser, Debug)]
#[command(name = "oqu", version)]
struct Cli {
    /// Use the system bus (a station install) instead of the session bus.
    #[arg(long, global = true)]
    system: bool,
    /// Use this D-Bus address instead.
    #[arg(long, global = true, value_name = "ADDRESS")]
    address: Option<String>,
    /// Print results as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// Language of oqu's own words here: kk, ru or en (default from OQU_LANG or the locale).
    #[arg(long = "ui-lang", global = true, value_name = "LANG")]
    ui_lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the station: configuration, devices, voices and problems.
    Status,
    /// Re-read the station configuration (mentors).
    Reload,
    /// Speak text.
    Say {
        /// auto (default), kk, ru, en or a BCP-47 tag.
        #[arg(long)]
        lang: Option<String>,
        /// important, message (default), text, notification or progress.
        #[arg(long)]
        priority: Option<String>,
        /// A voice profile id.
        #[arg(long)]
        voice: Option<String>,
        /// Write the speech to this WAV file instead of playing it.
        #[arg(long, value_name = "FILE.wav")]
        to: Option<PathBuf>,
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// Stop this client's speech.
    Hush,
    /// List the station's voices.
    Voices,
    /// Show text on the braille display.
    Braille {
        /// Cursor position, a character offset.
        #[arg(long)]
        cursor: Option<i32>,
        /// Contracted braille.
        #[arg(long)]
        contracted: bool,
        /// Language of the text: auto (default), kk, ru, en.
        #[arg(long)]
        lang: Option<String>,
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// Listen for one spoken command.
    Listen {
        #[arg(long)]
        lang: Option<String>,
        /// Take dictation instead of a command.
        #[arg(long)]
        dictation: bool,
    },
    /// Search the catalogue.
    Search {
        #[arg(long)]
        limit: Option<u32>,
        /// Search one catalogue source only.
        #[arg(long)]
        source: Option<String>,
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Show a catalogue record.
    Details { id: String },
    /// Place a hold for the active reader.
    Reserve { id: String },
    /// Open a book (a file or a catalogue id) and read it aloud.
    Read { book: String },
    /// Manage the embedded catalogue.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Start or end a reader's session.
    Session {
        #[command(subcommand)]
        command: SessionCommand,
    },
    /// Stop every client's speech.
    Silence,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand, Debug)]
enum CatalogueCommand {
    /// Import MARC records (ISO 2709 or MARCXML) into the embedded catalogue (mentors).
    Import { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum SessionCommand {
    /// A reader starts, by library card.
    Begin { card: String },
    /// The reader leaves; nothing of theirs stays on the station.
    End,
}

/// Prints a line to stdout; a closed pipe (`oqu status | head`) is not an error.
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Exit codes: 0 done, 1 refused by oqud, 3 oqud or the bus unreachable.
const EXIT_REFUSED: u8 = 1;
const EXIT_UNREACHABLE: u8 = 3;

struct Failure {
    code: u8,
    /// D-Bus error name, for --json.
    name: String,
    message: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli
        .ui_lang
        .as_deref()
        .and_then(Lang::from_locale)
        .unwrap_or_else(Lang::from_env);

    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "oqu", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("oqu: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli, lang)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if cli.json {
                outln!(
                    "{}",
                    json!({"error": failure.name, "message": failure.message})
                );
            } else {
                eprintln!("oqu: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

fn bus_name(cli: &Cli) -> &'static str {
    if cli.system {
        "system"
    } else {
        "session"
    }
}

async fn connect(cli: &Cli, lang: Lang) -> Result<Connection, Failure> {
    let result = match &cli.address {
        Some(address) => match zbus::connection::Builder::address(address.as_str()) {
            Ok(builder) => builder.build().await,
            Err(e) => Err(e),
        },
        None if cli.system => Connection::system().await,
        None => Connection::session().await,
    };
    result.map_err(|e| Failure {
        code: EXIT_UNREACHABLE,
        name: "org.freedesktop.DBus.Error.NoServer".into(),
        message: Msg::BusUnreachable {
            bus: bus_name(cli).into(),
            detail: e.to_string(),
        }
        .render(lang),
    })
}

/// Turns a failed call into what the person needs to read.
fn refused(cli: &Cli, lang: Lang, error: zbus::Error) -> Failure {
    match error {
        zbus::Error::MethodError(name, detail, _) => {
            let name = name.to_string();
            let not_running = name == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name == "org.freedesktop.DBus.Error.NameHasNoOwner";
            if not_running {
                Failure {
                    code: EXIT_UNREACHABLE,
                    message: Msg::DaemonNotRunning {
                        bus: bus_name(cli).into(),
                    }
                    .render(lang),
                    name,
                }
            } else if name.starts_with("org.oqu.Oqu1.Error.") {
                // oqud's own words, already in the station's language.
                Failure {
                    code: EXIT_REFUSED,
                    message: detail.unwrap_or_default(),
                    name,
                }
            } else {
                Failure {
                    code: EXIT_REFUSED,
                    message: Msg::CallRefused {
                        name: name.clone(),
                        detail: detail.unwrap_or_default(),
                    }
                    .render(lang),
                    name,
                }
            }
        }
        other => Failure {
            code: EXIT_UNREACHABLE,
            name: "org.freedesktop.DBus.Error.Failed".into(),
            message: Msg::BusUnreachable {
                bus: bus_name(cli).into(),
                detail: other.to_string(),
            }
            .render(lang),
        },
    }
}

fn option<V: Into<Value<'static>>>(dict: &mut Dict, key: &str, value: Option<V>) {
    if let Some(value) = value {
        if let Ok(owned) = OwnedValue::try_from(value.into()) {
            dict.insert(key.to_owned(), owned);
        }
    }
}

async fn run(cli: &Cli, lang: Lang) -> Result<(), Failure> {
    let conn = connect(cli, lang).await?;
    let fail = |e: zbus::Error| refused(cli, lang, e);
    macro_rules! proxy {
        ($p:ident) => {
            $p::new(&conn).await.map_err(fail)?
        };
    }
    match &cli.command {
        Command::Status => {
            let status = proxy!(StationProxy).status().await.map_err(fail)?;
            if cli.json {
                outln!("{}", dict_to_json(&status));
            } else {
                print_status(&dict_to_json(&status), lang);
            }
        }
        Command::Reload => {
            proxy!(StationProxy).reload().await.map_err(fail)?;
            done(cli, Label::Reloaded.text(lang), json!({"reloaded": true}));
        }
        Command::Say {
            lang: text_lang,
            voice,
            to: Some(file),
            text,
            ..
        } => {
            let provider = proxy!(SpeechProviderProxy);
            let samples = say_to_file(&provider, &text.join(" "), voice, text_lang, file)
                .await
                .map_err(|e| match e {
                    SayToFile::Bus(e) => fail(e),
                    SayToFile::File(detail) => Failure {
                        code: EXIT_REFUSED,
                        name: "org.oqu.Oqu1.Error.Failed".into(),
                        message: Msg::FileRefused {
                            location: file.display().to_string(),
                            detail,
                        }
                        .render(lang),
                    },
                })?;
            done(
                cli,
                &file.display().to_string(),
                json!({"file": file.display().to_string(), "samples": samples}),
            );
        }
        Command::Say {
            lang: text_lang,
            priority,
            voice,
            text,
            to: None,
        } => {
            let mut options = Dict::new();
            option(&mut options, "language", text_lang.clone());
            option(&mut options, "priority", priority.clone());
            option(&mut options, "voice", voice.clone());
            let id = proxy!(SpeechProxy)
                .speak(&text.join(" "), options)
                .await
                .map_err(fail)?;
            done(
                cli,
                &format!("{}: {id}", Label::Queued.text(lang)),
                json!({"id": id}),
            );
        }
        Command::Hush => proxy!(SpeechProxy).stop().await.map_err(fail)?,
        Command::Voices => {
            let voices = proxy!(SpeechProxy).list_voices().await.map_err(fail)?;
            if cli.json {
                outln!("{}", json!(voices));
            } else {
                for (id, name, langs) in voices {
                    outln!("{id}\t{name}\t{}", langs.join(", "));
                }
            }
        }
        Command::Braille {
            cursor,
            contracted,
            lang: text_lang,
            text,
        } => {
            let mut options = Dict::new();
            option(&mut options, "cursor", *cursor);
            option(&mut options, "contracted", contracted.then_some(true));
            option(&mut options, "language", text_lang.clone());
            proxy!(BrailleProxy)
                .show(&text.join(" "), options)
                .await
                .map_err(fail)?;
        }
        Command::Listen {
            lang: speech_lang,
            dictation,
        } => {
            let mut options = Dict::new();
            option(&mut options, "language", speech_lang.clone());
            option(&mut options, "mode", dictation.then_some("dictation"));
            proxy!(ListenProxy).start(options).await.map_err(fail)?;
        }
        Command::Search {
            limit,
            source,
            query,
        } => {
            let mut options = Dict::new();
            option(&mut options, "limit", *limit);
            option(&mut options, "source", source.clone());
            let results = proxy!(LibraryProxy)
                .search(&query.join(" "), options)
                .await
                .map_err(fail)?;
            let results: Vec<Json> = results.iter().map(dict_to_json).collect();
            if cli.json {
                outln!("{}", Json::Array(results));
            } else {
                for result in results {
                    outln!(
                        "{}\t{}\t{}",
                        result["id"].as_str().unwrap_or_default(),
                        result["title"].as_str().unwrap_or_default(),
                        result["year"]
                    );
                }
            }
        }
        Command::Details { id } => {
            let record = proxy!(LibraryProxy).details(id).await.map_err(fail)?;
            outln!("{:#}", dict_to_json(&record));
        }
        Command::Reserve { id } => {
            let hold = proxy!(LibraryProxy).reserve(id).await.map_err(fail)?;
            outln!("{:#}", dict_to_json(&hold));
        }
        Command::Read { book } => {
            let reader = proxy!(ReaderProxy);
            let opened = reader.open(&absolute_if_file(book)).await.map_err(fail)?;
            outln!("{:#}", dict_to_json(&opened));
            reader.read().await.map_err(fail)?;
        }
        Command::Catalogue {
            command: CatalogueCommand::Import { file },
        } => {
            let path = absolute_if_file(&file.display().to_string());
            let count = proxy!(StationProxy)
                .import_catalogue(&path)
                .await
                .map_err(fail)?;
            done(cli, &count.to_string(), json!({"imported": count}));
        }
        Command::Session {
            command: SessionCommand::Begin { card },
        } => {
            let session = proxy!(StationProxy)
                .begin_session(card)
                .await
                .map_err(fail)?;
            outln!("{}", dict_to_json(&session));
        }
        Command::Session {
            command: SessionCommand::End,
        } => proxy!(StationProxy).end_session().await.map_err(fail)?,
        Command::Silence => proxy!(StationProxy).silence_all().await.map_err(fail)?,
        Command::Completions { .. } => {}
    }
    Ok(())
}

enum SayToFile {
    Bus(zbus::Error),
    File(String),
}

/// Speech into a WAV file, through the Spiel provider: oqud streams the audio
/// into a pipe and this process writes the file, so the file belongs to the
/// person who asked, not to the daemon.
async fn say_to_file(
    provider: &SpeechProviderProxy<'_>,
    text: &str,
    voice: &Option<String>,
    language: &Option<String>,
    file: &std::path::Path,
) -> Result<u64, SayToFile> {
    let voices = provider.voices().await.map_err(SayToFile::Bus)?;
    let format = voices
        .iter()
        .find(|v| Some(&v.1) == voice.as_ref())
        .or_else(|| voices.first())
        .map(|v| v.2.clone())
        .unwrap_or_default();
    let rate: u32 = format
        .split(',')
        .find_map(|part| part.strip_prefix("rate="))
        .and_then(|r| r.parse().ok())
        .unwrap_or(22050);
    let (read_end, write_end) = nix::unistd::pipe().map_err(|e| SayToFile::File(e.to_string()))?;
    let language = language.clone().filter(|l| l != "auto").unwrap_or_default();
    provider
        .synthesize(
            zbus::zvariant::Fd::from(&write_end),
            text,
            voice.as_deref().unwrap_or(""),
            1.0,
            1.0,
            false,
            &language,
        )
        .await
        .map_err(SayToFile::Bus)?;
    // Our copy of the write end must close, or the read never ends.
    drop(write_end);
    let stream = tokio::task::spawn_blocking(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::fs::File::from(read_end), &mut bytes).map(|_| bytes)
    })
    .await
    .map_err(|e| SayToFile::File(e.to_string()))?
    .map_err(|e| SayToFile::File(e.to_string()))?;
    let mut reader = spiel::Reader::from(stream);
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav =
        hound::WavWriter::create(file, spec).map_err(|e| SayToFile::File(e.to_string()))?;
    let mut samples = 0u64;
    while let Ok(message) = reader.try_read() {
        if let spiel::MessageOwned::Audio(bytes) = message {
            for pair in bytes.chunks_exact(2) {
                wav.write_sample(i16::from_le_bytes([pair[0], pair[1]]))
                    .map_err(|e| SayToFile::File(e.to_string()))?;
                samples += 1;
            }
        }
    }
    wav.finalize().map_err(|e| SayToFile::File(e.to_string()))?;
    Ok(samples)
}

/// oqud runs elsewhere with another working directory: send it absolute paths.
fn absolute_if_file(arg: &str) -> String {
    let path = std::path::Path::new(arg);
    if path.exists() {
        std::path::absolute(path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| arg.to_owned())
    } else {
        arg.to_owned()
    }
}

fn done(cli: &Cli, text: &str, json: Json) {
    if cli.json {
        outln!("{json}");
    } else {
        outln!("{text}");
    }
}

fn dict_to_json(dict: &Dict) -> Json {
    let mut keys: Vec<&String> = dict.keys().collect();
    keys.sort();
    Json::Object(
        keys.into_iter()
            .map(|k| (k.clone(), value_to_json(&dict[k])))
            .collect(),
    )
}

fn value_to_json(value: &Value<'_>) -> Json {
    match value {
        Value::U8(v) => json!(v),
        Value::Bool(v) => json!(v),
        Value::I16(v) => json!(v),
        Value::U16(v) => json!(v),
        Value::I32(v) => json!(v),
        Value::U32(v) => json!(v),
        Value::I64(v) => json!(v),
        Value::U64(v) => json!(v),
        Value::F64(v) => json!(v),
        Value::Str(v) => json!(v.as_str()),
        Value::Signature(v) => json!(v.to_string()),
        Value::ObjectPath(v) => json!(v.as_str()),
        Value::Value(v) => value_to_json(v),
        Value::Array(array) => Json::Array(array.inner().iter().map(value_to_json).collect()),
        Value::Dict(dict) => {
            let mut entries: Vec<(String, Json)> = dict
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::Str(s) => s.to_string(),
                        other => value_to_json(other).to_string(),
                    };
                    (key, value_to_json(v))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        Value::Structure(s) => Json::Array(s.fields().iter().map(value_to_json).collect()),
        other => json!(format!("{other:?}")),
    }
}

fn text<'a>(json: &'a Json, key: &str) -> &'a str {
    json.get(key).and_then(Json::as_str).unwrap_or_default()
}

fn state_word(state: &str, lang: Lang) -> String {
    Label::for_state(state)
        .map(|l| l.text(lang).to_owned())
        .unwrap_or_else(|| state.to_owned())
}

/// The readable status: the verdict first, then problems, then the details.
fn print_status(status: &Json, lang: Lang) {
    let mut out = String::new();
    let config = &status["config"];
    let ok = status["ok"].as_bool().unwrap_or(false);
    let problems: &[Json] = status["problems"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let verdict = if problems.is_empty() {
        Label::Ok
    } else {
        Label::ProblemsFound
    };
    out.push_str(&format!(
        "{}{}: {} — {}\n",
        if ok { "" } else { "! " },
        verdict.text(lang),
        Label::Station.text(lang),
        text(config, "name"),
    ));
    if !problems.is_empty() {
        out.push_str(&format!("\n{}\n", Label::Problems.text(lang)));
        for problem in problems {
            let severity = match text(problem, "severity") {
                "error" => Label::Error.text(lang),
                _ => Label::Warning.text(lang),
            };
            out.push_str(&format!("  {severity}: {}\n", text(problem, "reason")));
        }
    }
    let idle = config["idle_timeout_s"].as_u64().unwrap_or(0);
    let languages: Vec<&str> = config["languages"]
        .as_array()
        .map(|l| l.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    out.push_str(&format!(
        "\n{}: {} ({} {})\n  {}: {}\n  {}: {}\n  {}: {}\n",
        Label::Configuration.text(lang),
        text(config, "source"),
        Label::Loaded.text(lang),
        text(config, "loaded_at"),
        Label::Languages.text(lang),
        languages.join(", "),
        Label::IdleTimeout.text(lang),
        humantime::format_duration(std::time::Duration::from_secs(idle)),
        Label::Mentors.text(lang),
        text(config, "mentors_group"),
    ));
    for (label, key) in [
        (Label::Devices, "devices"),
        (Label::Voices, "voices"),
        (Label::Catalogue, "catalogue"),
        (Label::Recognition, "recognition"),
    ] {
        let items: &[Json] = status[key]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", label.text(lang)));
        for item in items {
            let language = text(item, "language");
            let prefix = if language.is_empty() {
                String::new()
            } else {
                format!("{language}: ")
            };
            let name = text(item, "name");
            let detail = text(item, "detail");
            out.push_str(&format!(
                "  {prefix}{} — {}{}{}\n    {}: {}\n",
                text(item, "id"),
                name,
                if name.is_empty() || detail.is_empty() {
                    ""
                } else {
                    ", "
                },
                detail,
                state_word(text(item, "state"), lang),
                text(item, "reason"),
            ));
        }
    }
    out.push_str(&format!("\n{}\n", Label::Subsystems.text(lang)));
    let subsystems: &[Json] = status["subsystems"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let by_state: HashMap<&str, Vec<&str>> =
        subsystems.iter().fold(HashMap::new(), |mut acc, s| {
            acc.entry(text(s, "state"))
                .or_default()
                .push(text(s, "name"));
            acc
        });
    let mut states: Vec<_> = by_state.into_iter().collect();
    states.sort();
    for (state, names) in states {
        out.push_str(&format!(
            "  {}: {}\n",
            state_word(state, lang),
            names.join(", ")
        ));
    }
    let reader = text(status, "active_reader");
    out.push_str(&format!(
        "\n{}: {}\n",
        Label::ActiveReader.text(lang),
        if reader.is_empty() {
            Label::Nobody.text(lang)
        } else {
            reader
        }
    ));
    let _ = std::io::stdout().write_all(out.as_bytes());
}
