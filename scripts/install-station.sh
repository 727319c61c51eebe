#!/usr/bin/env bash
# Installs oqud as a station service on the system bus (see README.md,
# "Installing on a station"). Run as root from a checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "oqu: run as root" >&2; exit 1; }

ensure_packages "${OQU_RUN_PACKAGES[@]}" "${OQU_BUILD_PACKAGES[@]}" dbus
ensure_rust
cargo build --release --locked --bins

install -m 0755 target/release/oqud target/release/oqu /usr/bin/
install -d /usr/share/oqu/devices/keys /usr/share/oqu/voices /etc/oqu/devices.d /etc/oqu/voices.d
install -m 0644 devices/*.toml /usr/share/oqu/devices/
install -m 0644 devices/keys/*.toml /usr/share/oqu/devices/keys/
install -m 0644 voices/*.toml /usr/share/oqu/voices/
[ -e /etc/oqu/station.toml ] || install -m 0644 data/station.default.toml /etc/oqu/station.toml
install -m 0644 dist/dbus/org.oqu.Oqu1.conf /usr/share/dbus-1/system.d/
install -m 0644 dist/dbus/system-services/org.oqu.Oqu1.service /usr/share/dbus-1/system-services/
install -m 0644 dist/systemd/oqud.service /lib/systemd/system/
install -d /usr/share/doc/oqu && install -m 0644 README.md /usr/share/doc/oqu/
install -d /usr/share/bash-completion/completions
/usr/bin/oqu completions bash >/usr/share/bash-completion/completions/oqu

getent group oqu-mentors >/dev/null || groupadd --system oqu-mentors
getent passwd oqu >/dev/null || useradd --system --home-dir /var/lib/oqu --no-create-home \
  --shell /usr/sbin/nologin --groups audio,dialout oqu

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl reload dbus 2>/dev/null || true
  systemctl enable --now oqud.service
  echo "oqud is running: oqu --system status"
else
  echo "installed; this machine has no systemd running: start with  oqud --system"
fi
echo "add mentors with: usermod -aG oqu-mentors NAME"
