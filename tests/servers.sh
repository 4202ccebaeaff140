#!/usr/bin/env bash
# Starts or stops the Redis and RabbitMQ servers the tests use, on loopback, on ports of their own, with state under
# .test-servers/. Installs Debian's redis-server and rabbitmq-server when they are missing.
#   tests/servers.sh start   prints the export lines for NM_TEST_REDIS and NM_TEST_RABBITMQ
#   tests/servers.sh stop
#   tests/servers.sh install  only installs the servers (the fault tests start, kill and restart their own)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.test-servers"
redis_port="${NM_REDIS_PORT:-16379}"
amqp_port="${NM_AMQP_PORT:-17672}"
# Below the ephemeral port range (32768+), where an outgoing connection could hold the port.
dist_port=$((amqp_port + 1))
node="nmtest@localhost"
# The Debian wrappers in /usr/sbin switch to the rabbitmq user, who cannot write our state folder: call the real scripts.
rmq=/usr/lib/rabbitmq/bin

install_servers() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x "$rmq/rabbitmq-server" ] || missing+=(rabbitmq-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  fi
}

rabbit_env() {
  export RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_DIST_PORT="$dist_port" RABBITMQ_MNESIA_BASE="$state/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$state/rabbitmq/log" \
    RABBITMQ_PID_FILE="$state/rabbitmq/pid" RABBITMQ_ENABLED_PLUGINS_FILE="$state/rabbitmq/enabled_plugins" \
    RABBITMQ_CONFIG_FILE="$state/rabbitmq/rabbitmq" HOME="$state/rabbitmq"
}

start() {
  install_servers
  mkdir -p "$state/redis" "$state/rabbitmq/log"
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$state/redis" --appendonly yes --appendfsync everysec \
      --save "" --daemonize yes --logfile "$state/redis/redis.log" --pidfile "$state/redis/redis.pid" >&2
  fi
  (
    rabbit_env
    echo '[].' > "$state/rabbitmq/enabled_plugins"
    # loopback_users=none: the guest user may connect (it is loopback-only anyway).
    printf 'loopback_users = none\n' > "$state/rabbitmq/rabbitmq.conf"
    if ! "$rmq/rabbitmqctl" -q -n "$node" status >/dev/null 2>&1; then
      "$rmq/rabbitmq-server" -detached >&2 2>&1 || true
    fi
    for _ in $(seq 1 90); do
      "$rmq/rabbitmqctl" -q -n "$node" await_startup >/dev/null 2>&1 && break
      sleep 1
    done
    "$rmq/rabbitmqctl" -q -n "$node" await_startup >&2
  )
  for _ in $(seq 1 30); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -p "$redis_port" ping >/dev/null
  echo "export NM_TEST_REDIS=127.0.0.1:$redis_port"
  echo "export NM_TEST_RABBITMQ=amqp://guest:guest@127.0.0.1:$amqp_port/"
}

stop() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  ( rabbit_env; "$rmq/rabbitmqctl" -q -n "$node" stop >/dev/null 2>&1 || true )
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install_servers ;;
  *) echo "usage: $0 start|stop|install" >&2; exit 2 ;;
esac
