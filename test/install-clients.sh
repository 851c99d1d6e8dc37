#!/usr/bin/env bash
# Installs the system Kafka clients the tests use (Debian's kcat, python3-kafka and
# python3-confluent-kafka) and Debian's prometheus (the Grafana dashboards are proven against it),
# when they are missing and apt-get can be used. Elsewhere it only says what is missing; those
# tests then skip with a message (or fail, under CI=true).
set -u
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  exit $?
fi
echo "missing system packages: ${missing[*]} (apt-get install ${missing[*]}); their tests will skip" >&2
[ "${CI:-}" = true ] && exit 1
exit 0
