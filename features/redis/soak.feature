@redis @soak
Feature: An hour of GET and SET on a Redis cluster
  Memory fragmentation, eviction and replication backlogs only show late. Every sample of
  the hour is in the run's TSDB folder (reports/out/tsdb); result.json keeps downsampled
  series. Not in the default run: select it with --tags @soak (docs/soak.md).

  Background:
    Given the collectors scrape every 1s
    And a Redis cluster with 3 primaries and 1 replica each
    And the "keys" dataset at scale 1

  Scenario: GET and SET for an hour at a fixed rate stay fast
    Given the load stops early when these thresholds fail:
      | metric           | condition   | delay |
      | latency{op:get}  | p(99)<100ms | 1m    |
      | errors           | rate<0.001  | 1m    |
    When the "get-set" workload runs for 1h at 1000 operations per second with 4 workers
    Then the p99 latency of "get" is below 50ms
    And the error rate is below 0.1%
