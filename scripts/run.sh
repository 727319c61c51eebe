#!/usr/bin/env bash
# The README's run command: builds oqu, installs `oqu` and `oqud` into
# /usr/local/bin, and runs oqud in the foreground with its embedded defaults
# on the session bus (starting a session bus if this machine has none, as on
# a fresh server logged in as root). Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages "${OQU_RUN_PACKAGES[@]}" "${OQU_BUILD_PACKAGES[@]}"
ensure_rust
echo "== building oqu (release)"
cargo build --release --locked --bins
if [ -w /usr/local/bin ]; then
  install -m 0755 target/release/oqu target/release/oqud /usr/local/bin/
  bin=/usr/local/bin
else
  bin="$PWD/target/release"
fi

bus_alive() { dbus-send --bus="$1" --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null 2>&1; }

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || ! bus_alive "$DBUS_SESSION_BUS_ADDRESS"; then
  # The standard place: `oqu` and busctl --user find it without any variable.
  runtime=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
  mkdir -p "$runtime" && chmod 0700 "$runtime"
  address="unix:path=$runtime/bus"
  if ! bus_alive "$address"; then
    rm -f "$runtime/bus"
    dbus-daemon --session --address="$address" --fork --nosyslog >/dev/null
    echo "== started a session bus at $address"
  fi
  export DBUS_SESSION_BUS_ADDRESS="$address"
fi

cat <<TEXT
== oqud is starting on $DBUS_SESSION_BUS_ADDRESS
   In another terminal:
     $bin/oqu status
     $bin/oqu say "Сәлем, оқырман!"
     $bin/oqu search Абай
     busctl --address=$DBUS_SESSION_BUS_ADDRESS introspect org.oqu.Oqu1 /org/oqu/Oqu1
   (as another user, first: export DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS)
TEXT
exec "$bin/oqud"
