common-state:
  test.succeed_without_changes:
    - name: common in {{ saltenv }} from {{ sls }}
