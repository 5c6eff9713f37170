#!/usr/bin/env bash
# A folder of a current Flask for the bench (BENCH_FLASK_SITE), where PyPI is out of reach: Debian 13's
# pure-Python packages, downloaded from the mirror this machine's apt already uses and unpacked, without
# installing them (they would pull in Debian 13's Python). Elsewhere `python3 -m pip install --target DIR
# flask` makes the same kind of folder.
#
#   bash bench/flask-site.sh dist/flask-site && BENCH_FLASK_SITE=$PWD/dist/flask-site npm run bench
set -euo pipefail
site=${1:?usage: flask-site.sh DIR}
suite=trixie
packages=(python3-flask python3-werkzeug python3-jinja2 python3-markupsafe python3-itsdangerous python3-click python3-blinker)

mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "flask-site.sh: no Debian mirror in /etc/apt's sources" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$work/sources.list"
apt_options=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
apt-get "${apt_options[@]}" update -qq
(cd "$work/debs" && apt-get "${apt_options[@]}" download -qq "${packages[@]}")
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
rm -rf "$site"
mkdir -p "$site"
cp -r "$work"/root/usr/lib/python3/dist-packages/. "$site"/
ls "$site"
