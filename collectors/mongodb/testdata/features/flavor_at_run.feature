@mongodb
Feature: A MongoDB that turns out to be FerretDB fails the check with the catalog's reason

  Scenario: opcounters where MongoDB is FerretDB
    Given a MongoDB database
    Then the metric "mongodb_operation_count_total" is reported
