@sqlserver
Feature: A deadlock on SQL Server is read from system_health with its graph
  The deadlocks workload moves money between the same two accounts in both directions, 10 ms
  between its two updates, so SQL Server keeps choosing deadlock victims (error 1205). The
  analysis reads the xml_deadlock_report events of the system_health session since the load
  started and writes each one's graph: the victim, the sessions, their statements (literals as
  ?) and the locks each held and wanted.

  Scenario: Transfers in opposite orders deadlock, and each deadlock's graph names the accounts
    Given a SQL Server database
    And the "bank" dataset at scale 1
    When the "deadlocks" workload runs for 3s with 4 workers
    Then the analysis finds a deadlock "dbo.accounts" with at least 1 victims
    And the analysis finds a deadlock "dbo.accounts" with at least 2 processes
    And the metric "sqlserver_deadlocks_total" increases by at least 1
    And the invariants of the workload hold
