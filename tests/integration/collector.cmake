# Collector protocol tests (curl + openssl against a real collector).
ef_integration_test(collector_protocol collector_protocol.sh)
