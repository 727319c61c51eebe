# Shared by the set-up scripts: installing Debian packages and checking Rust.
# Sourced, not run.

# ensure_packages PKG...: installs the Debian packages that are missing.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "oqu: these Debian packages are needed: ${missing[*]}" >&2
    echo "oqu: run this script as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "== installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_rust: cargo must be new enough for the crates oqu uses.
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "oqu: Rust is missing. Install Rust 1.87 or newer with rustup (https://rustup.rs);" >&2
    echo "oqu: Debian 12's own rustc (1.63) is too old for oqu's dependencies." >&2
    exit 1
  fi
  local version
  version=$(rustc --version | awk '{print $2}')
  if [ "$(printf '%s\n1.87.0\n' "$version" | sort -V | head -n1)" != "1.87.0" ]; then
    echo "oqu: Rust $version is too old; oqu needs 1.87 or newer (rustup update)." >&2
    exit 1
  fi
}

# Packages oqud needs at run time, and the tests on top of them.
OQU_RUN_PACKAGES=(dbus-daemon dbus-bin espeak-ng espeak-ng-data libasound2-plugins)
OQU_BUILD_PACKAGES=(gcc pkg-config libasound2-dev libespeak-ng-dev libudev-dev liblouis-dev liblouis-data libspeechd-dev libclang-dev)
OQU_TEST_PACKAGES=(dbus-daemon dbus-bin util-linux espeak-ng-data pulseaudio pulseaudio-utils libasound2-plugins brltty python3-brlapi socat speech-dispatcher speech-dispatcher-espeak-ng)
