@oracle
Feature: What the load waited for on Oracle, lined up with its latency
  The analysis reads the load's sessions' waits: ASH's samples where the Diagnostics Pack may
  be used (Oracle Free includes it), otherwise v$session_event polled every second, and the
  findings say which. It lines the wait mix up with each operation's p99 interval by
  interval. Eight workers on five counters queue on each other's row locks. Skips, with the
  reason, where no Oracle runs.

  Background:
    Given an Oracle database
    And the "hot-counter.yaml" dataset at scale 1

  Scenario: Row lock contention shows as the load's wait, and moves with its latency
    When the "hot-counter.yaml" workload runs with:
      | executor         | ramping-vus        |
      | startVUs         | 1                  |
      | stages           | 10s:1, 20s:8, 10s:8 |
      | gracefulRampDown | 5s                 |
    Then the thresholds hold:
      | metric     | condition  |
      | errors     | rate<0.01  |
      | iterations | count>500  |
    And the invariants of the workload hold
    And the analysis finds a wait-event "enq: TX - row lock contention" with at least 0.05 share_of_active
    And the analysis finds a wait-event "log file sync"
    And the metric "oracledb_wait_class_time_waited_seconds_total" increases by at least 1
