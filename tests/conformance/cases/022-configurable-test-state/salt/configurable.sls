default-args:
  test.configurable_test_state: []
changes-true-result-true:
  test.configurable_test_state:
    - changes: true
    - result: true
    - comment: changed ok
changes-false-result-true:
  test.configurable_test_state:
    - changes: false
    - result: true
changes-true-result-false:
  test.configurable_test_state:
    - changes: true
    - result: false
    - comment: changed but failed
changes-false-result-false:
  test.configurable_test_state:
    - changes: false
    - result: false
with-warnings:
  test.configurable_test_state:
    - changes: false
    - warnings: be careful
with-warning-list:
  test.configurable_test_state:
    - changes: false
    - warnings:
      - first warning
      - second warning
