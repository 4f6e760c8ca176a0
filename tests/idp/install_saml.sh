#!/usr/bin/env bash
# Install the SAML 2.0 test IdP's system packages (Debian): PHP's CLI (built-in web server),
# php-xml (DOM/XML for SimpleSAMLphp), SimpleSAMLphp 1.19 and xmlsec1 (used by pysaml2 to
# check signatures). Idempotent: does nothing when all four are installed.
# tests/idp/saml.py configures SimpleSAMLphp in a temporary directory; nothing in /etc is edited.
set -euo pipefail

PACKAGES=(php-cli php-xml simplesamlphp xmlsec1)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

# Without apt-get or root we cannot install: warn and exit 0 (the SAML IdP tests skip with a
# reason); set SAML_IDP_REQUIRED=1 to make that an error instead.
cannot_install() {
  echo "install_saml.sh: WARNING: missing ${missing[*]}: $1." \
    "The SAML IdP tests will be skipped." >&2
  if [ "${SAML_IDP_REQUIRED:-0}" = "1" ]; then exit 1; fi
  exit 0
}
if ! command -v apt-get >/dev/null; then
  cannot_install "apt-get is not available; install them by hand"
fi
if [ "$(id -u)" -ne 0 ]; then
  cannot_install "not root; run: sudo apt-get install --no-install-recommends ${missing[*]}"
fi

echo "Installing ${missing[*]} for the SAML IdP tests..."
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent or stale on a fresh machine.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/install_saml.log 2>&1; then
  apt-get update >>/tmp/install_saml.log 2>&1
  apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/install_saml.log 2>&1 || {
    tail -20 /tmp/install_saml.log >&2
    echo "install_saml.sh: apt-get install ${missing[*]} failed (log: /tmp/install_saml.log)" >&2
    exit 1
  }
fi
echo "Installed ${missing[*]}."
