@postgresql @executors
Feature: Every k6 executor, in plain words, on PostgreSQL

  Background:
    Given a PostgreSQL database
    And the "pgbench" dataset at scale 1

  Scenario: The rate ramps up, open loop
    When the "point-select" workload ramps from 50 to 400 operations per second over 3s with up to 8 workers
    Then the thresholds hold:
      | metric                | condition   |
      | latency{op:select}    | p(95)<250ms |
      | errors                | rate<0.01   |
      | iterations            | count>300   |

  Scenario: The workers ramp up, closed loop
    When the "point-select" workload ramps from 1 to 4 workers over 2s
    Then the error rate is below 0.1%
    And the thresholds hold:
      | iterations | count>100 |

  Scenario: A fixed number of transfers, shared by the workers
    When the "tpcb" workload runs 400 times shared by 4 workers
    Then the thresholds hold:
      | iterations | count==400 |
      | errors     | rate==0    |
    And the metric "postgresql_tup_inserted_total" increases by at least 400

  Scenario: A fixed number of transfers per worker
    When each of 3 workers runs the "tpcb" workload 50 times
    Then the thresholds hold:
      | iterations | count==150 |

  Scenario: Any executor through k6's option names
    When the "point-select" workload runs with:
      | option          | value                   |
      | executor        | ramping-arrival-rate    |
      | startRate       | 100                     |
      | stages          | 1s:200, 1s:200, 1s:0    |
      | preAllocatedVUs | 2                       |
      | maxVUs          | 6                       |
    Then the thresholds hold:
      | latency            | p(99)<250ms |
      | dropped_iterations | count<100   |

  # Exists to fail: the load stops after a second because the threshold cannot hold.
  @expected-failure
  Scenario: A threshold that fails stops the load early
    Given the load stops early when these thresholds fail:
      | metric  | condition | delay |
      | latency | p(50)<1us | 1s    |
    When the "point-select" workload runs for 30s with 2 workers
