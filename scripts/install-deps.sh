#!/usr/bin/env bash
# Installs the Debian packages dioscope needs to build, test and demo. Idempotent.
set -euo pipefail
pkgs=(libbpf-dev libelf-dev zlib1g-dev bpftool xfsprogs e2fsprogs libaio-dev liburing-dev fio util-linux)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}" >&2
	if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The JSON export test validates against the JSON Schema with python's jsonschema.
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "installing: python jsonschema" >&2
	python3 -m pip install -q jsonschema
fi
