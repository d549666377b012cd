# SPDX-License-Identifier: EUPL-1.2
# Packaging test (issue 7): builds the .deb/.rpm packages, installs them into a debootstrap
# Debian 12 root and upgrades, removes and purges them there. Needs root (else skipped);
# the first run on a machine makes the Debian root (about a minute) and caches it in
# /var/cache/efterlev-test/debootstrap/ (per suite and mirror); later runs, from any clone
# or build tree, reuse it.
add_test(NAME integration.packaging COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/packaging.sh)
set_tests_properties(integration.packaging PROPERTIES
  LABELS "integration;packaging" TIMEOUT 600 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
  ENVIRONMENT "EF_SOURCE_DIR=${CMAKE_SOURCE_DIR};EF_BUILD_DIR=${CMAKE_BINARY_DIR}")
