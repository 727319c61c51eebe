//! oqud: the oqu daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use oqu::config::data::{default_search_path, search_path_from};
use oqu::daemon::{self, Settings};
use oqu::dbus::BusKind;
use oqu::i18n::Lang;
use oqu::station::{HostProbe, Running, Severity, Station};

/// The oqu reading service: braille, speech, voice commands and the library
/// catalogue for an inclusive-zone workstation, over D-Bus.
#[derive(Parser, Debug)]
#[command(name = "oqud", version)]
struct Args {
    /// Serve on the system bus (a station install) instead of the session bus.
    #[arg(long)]
    system: bool,
    /// Connect to this D-Bus address instead (for tests and private buses).
    #[arg(long, value_name = "ADDRESS")]
    address: Option<String>,
    /// The station configuration file; otherwise $XDG_CONFIG_HOME/oqu/station.toml,
    /// then /etc/oqu/station.toml, then the embedded defaults.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data roots holding devices/ and voices/, colon-separated, replacing the
    /// standard search path.
    #[arg(long, value_name = "DIRS", env = "OQU_DATA_PATH")]
    data_path: Option<String>,
    /// Where the station keeps its state (catalogue, positions).
    #[arg(long, value_name = "DIR", env = "OQU_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// Check the configuration and data files, print what is wrong, and exit.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OQU_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let bus = if args.system {
        BusKind::System
    } else {
        BusKind::Session
    };
    let settings = Settings {
        bus,
        config: args.config.clone(),
        data_path: args
            .data_path
            .as_deref()
            .map(search_path_from)
            .unwrap_or_else(default_search_path),
        state_dir: args
            .state_dir
            .clone()
            .unwrap_or_else(|| daemon::default_state_dir(bus)),
    };

    if args.check {
        return check(&settings);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("oqud: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let conn = daemon::connect(bus, args.address.as_deref()).await?;
        daemon::run(conn, settings, daemon::termination()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oqud: {}", e.msg().render(Lang::from_env()));
            ExitCode::from(2)
        }
    }
}

/// `oqud --check`: the same checks as Station.Status, without a bus.
fn check(settings: &Settings) -> ExitCode {
    let station = Station::start(settings.config_source());
    let report = station.status(&HostProbe, &Running::default());
    let lang = Lang::from_env();
    println!("{}", station.config.origin.describe());
    let mut errors = 0;
    for problem in &report.problems {
        if problem.severity == Severity::Error {
            errors += 1;
        }
        println!("{}: {}", problem.severity.id(), problem.reason.render(lang));
    }
    if report.problems.is_empty() {
        println!("ok");
    }
    if station.refused.is_some() || errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
