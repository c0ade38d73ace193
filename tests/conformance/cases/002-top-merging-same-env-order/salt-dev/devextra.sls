devextra:
  test.succeed_without_changes:
    - name: extra in {{ saltenv }}
