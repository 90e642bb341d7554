@oracle
Feature: The Segment Advisor says what space a load left behind on Oracle
  After the load, the analysis runs the Segment Advisor (a DBMS_ADVISOR task) on the user's
  largest tables and reports what it can reclaim, with the DDL it recommends. The journal
  loses nine tenths of its 40 MB. Skips, with the reason, where no Oracle runs.

  Scenario: Deleted rows leave space to reclaim
    Given an Oracle database
    And the "journal.yaml" dataset at scale 1
    When the "journal.yaml" workload runs 180 times shared by 1 workers
    Then the thresholds hold:
      | errors | rate==0 |
    And the analysis finds a segment "TABLE JOURNAL" with at least 10000000 reclaimable_bytes

  Scenario: The advisor's shrink, applied, gives the space back
    Given an Oracle database
    And the "journal.yaml" dataset at scale 1
    When the "journal.yaml" workload runs 180 times shared by 1 workers
    And the top segment finding is applied
    Then the analysis finds no segment "TABLE JOURNAL"
