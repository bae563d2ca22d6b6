#!/usr/bin/env bash
# System packages some tests drive for real: Chromium (web app), PostgreSQL (engine
# comparison), a Java runtime (Spark local mode) and LibreOffice Calc without a GUI
# (the spreadsheet that judges custodes' CSV exports, tests/test_csv_safety.py).
# Installed with apt when missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages (tests that need them will skip): ${need[*]}"
  fi
fi
