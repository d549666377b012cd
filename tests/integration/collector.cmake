# SPDX-License-Identifier: EUPL-1.2
# Collector protocol tests (curl + openssl against a real collector).
ef_integration_test(collector_protocol collector_protocol.sh)
# Issue 4: figures, acceptances, API, exports and the board report with real agents.
ef_integration_test(analytics_real_agents analytics_real_agents.sh)
# Issue 17: enrollment proves possession and cannot take machines over.
ef_integration_test(enroll_takeover enroll_takeover.sh)
# Issue 17's attacks and issue 16's access rules against a real collector.
ef_integration_test(collector_hardening collector_hardening.sh)
# /health stays fast while 50 logins hash passwords (slow under the sanitizers).
ef_integration_test(collector_login_load collector_login_load.sh)
set_tests_properties(integration.collector_login_load PROPERTIES TIMEOUT 600)
# Issue 17: exports hold against a database insider and a reinstalled machine; UNPINNED.
ef_integration_test(export_trust export_trust.sh)
# Issue 17: the per-agent ingest budget (429 with Retry-After; forged uploads spend nothing).
ef_integration_test(ingest_budget ingest_budget.sh)
# Issue 17: exports stream off the event loop, bounded memory, one snapshot, 200 MB seeded.
ef_integration_test(export_stream export_stream.sh)
set_tests_properties(integration.export_stream PROPERTIES TIMEOUT 600)
# Issue 17: only results of checks a host was assigned count, as the catalog maps them.
ef_integration_test(collector_counting collector_counting.sh)
ef_integration_test(systems_levels systems_levels.sh)
# Issue 12: Windows hosts shown and counted against the Windows catalog (policies_windows).
ef_integration_test(collector_windows collector_windows.sh)
# Issue 14: department names in NFC wherever they enter.
ef_integration_test(department_names department_names.sh)
# Issue 14: enrollment and API tokens rotated and revoked.
ef_integration_test(token_lifecycle token_lifecycle.sh)
# Issue 14: departments renamed and re-levelled, hosts retired, with a real agent.
ef_integration_test(department_lifecycle department_lifecycle.sh)
ef_integration_test(deviations deviations.sh)
# Issue 15: alerts by webhook and e-mail (a local HTTPS receiver, a STARTTLS SMTP sink).
ef_integration_test(alerts alerts.sh)
# Issue 13: two recorded Windows machines, the whole default Windows policy, on the collector.
ef_integration_test(collector_windows_catalog collector_windows_catalog.sh)
# Issue 14: coverage against the municipality's device list (excel-sv and Windows-1252 CSV).
ef_integration_test(inventory_coverage inventory_coverage.sh)
# Policies served by the collector, signed and pinned (issue 14).
ef_integration_test(policy_served policy_served.sh)

# PostgreSQL (issue 9). One throwaway cluster per ctest run (fixture "postgres": started by
# integration.postgres.start, stopped by integration.postgres.stop; pg_fixture.sh), in which
# every *.pg test makes its own database (lib.sh: EF_PG_FIXTURE).
if(EFTERLEV_POSTGRES)
  set(EF_PG_ENV ${CMAKE_BINARY_DIR}/pg-fixture.env)
  add_test(NAME integration.postgres.start
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pg_fixture.sh start ${EF_PG_ENV})
  set_tests_properties(integration.postgres.start PROPERTIES FIXTURES_SETUP postgres
    LABELS "integration;postgres" TIMEOUT 120 SKIP_RETURN_CODE 77)
  add_test(NAME integration.postgres.stop
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pg_fixture.sh stop ${EF_PG_ENV})
  set_tests_properties(integration.postgres.stop PROPERTIES FIXTURES_CLEANUP postgres
    LABELS "integration;postgres" TIMEOUT 60)
  # ef_integration_pg_test(NAME SCRIPT): SCRIPT with its collectors on PostgreSQL.
  function(ef_integration_pg_test name script)
    ef_integration_test(${name}.pg ${script})
    set_tests_properties(integration.${name}.pg PROPERTIES FIXTURES_REQUIRED postgres
      LABELS "integration;postgres")
    set_property(TEST integration.${name}.pg APPEND PROPERTY ENVIRONMENT
      "EF_PG_FIXTURE=${EF_PG_ENV}")
  endfunction()
  ef_integration_pg_test(collector_protocol collector_protocol.sh)
  ef_integration_pg_test(analytics_real_agents analytics_real_agents.sh)
  ef_integration_pg_test(enroll_takeover enroll_takeover.sh)
  ef_integration_pg_test(collector_hardening collector_hardening.sh)
  ef_integration_pg_test(export_trust export_trust.sh)
  ef_integration_pg_test(ingest_budget ingest_budget.sh)
  ef_integration_pg_test(export_stream export_stream.sh)
  set_tests_properties(integration.export_stream.pg PROPERTIES TIMEOUT 600)
  ef_integration_pg_test(collector_counting collector_counting.sh)
  ef_integration_pg_test(systems_levels systems_levels.sh)
  ef_integration_pg_test(collector_windows collector_windows.sh)
  ef_integration_pg_test(collector_windows_catalog collector_windows_catalog.sh)
  ef_integration_pg_test(department_names department_names.sh)
  ef_integration_pg_test(token_lifecycle token_lifecycle.sh)
  ef_integration_pg_test(department_lifecycle department_lifecycle.sh)
  ef_integration_pg_test(deviations deviations.sh)
  ef_integration_pg_test(alerts alerts.sh)
  ef_integration_pg_test(inventory_coverage inventory_coverage.sh)
  ef_integration_pg_test(policy_served policy_served.sh)
  ef_integration_pg_test(end_to_end end_to_end.sh)
  ef_integration_pg_test(resilience_kill9 resilience_kill9.sh)
  ef_integration_pg_test(agent_seq_catchup agent_seq_catchup.sh)
  # Two collectors on one database, many agents at once; figures recomputed; replays.
  ef_integration_pg_test(collectors_shared collectors_shared_pg.sh)
  # migrate --from sqlite: --to postgresql://, exports verified before and after.
  ef_integration_pg_test(migrate migrate_pg.sh)
endif()
