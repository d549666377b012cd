# Collector protocol tests (curl + openssl against a real collector).
ef_integration_test(collector_protocol collector_protocol.sh)
# Issue 4: figures, acceptances, API, exports and the board report with real agents.
ef_integration_test(analytics_real_agents analytics_real_agents.sh)
