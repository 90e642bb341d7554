@oracle
Feature: Estimated and actual rows on Oracle, where row source statistics are kept
  With statistics_level = ALL, Oracle keeps what each plan row did in its last execution
  (DBMS_XPLAN's ALLSTATS LAST), and the analysis compares it with the optimizer's estimate.
  Setting a server parameter keeps the container from being reused by the next scenario.
  Skips, with the reason, where no Oracle runs.

  Scenario: Statistics that say the table is empty are found out
    Given an Oracle database with these settings:
      | statistics_level | ALL |
    And the "stale-stats.yaml" dataset at scale 1
    When the "stale-stats.yaml" workload runs 200 times shared by 2 workers
    Then the thresholds hold:
      | errors | rate==0 |
    And the analysis finds a misestimate "SELECT COUNT(*) FROM events WHERE kind = :1" with at least 100 ratio
    And the analysis finds a full-scan "EVENTS"
