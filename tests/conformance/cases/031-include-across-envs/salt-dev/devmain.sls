include:
  - devlib
devmain-state:
  test.succeed_without_changes:
    - name: devmain in {{ saltenv }}
