include:
  - dev: devlib
  - common

main-state:
  test.succeed_without_changes:
    - name: main in {{ saltenv }}
    - require:
      - test: devlib-state
