@oracle
Feature: No regression of PL/SQL transfers on Oracle against the recorded baseline
  The baseline keeps each run's database metrics, and of the labelled ones the busiest label
  sets: the top SQL with its sql_id and plan_hash_value, so a report names the statement whose
  time moved and a plan that changed. Skips, with the reason, where no Oracle runs.

  Scenario: Transfers are as fast as the baseline's
    Given an Oracle database
    And the "bank" dataset at scale 1
    And the baseline comparison uses 3 runs per side
    When the "plsql-bank" workload runs for 10s with 4 workers
    Then there is no regression against the baseline "oracle/plsql-bank" or record it as the first baseline
