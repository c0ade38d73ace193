include:
  - extras
  - optional

exclude:
  - id: extra-two
  - sls: optional

main-state:
  test.succeed_without_changes:
    - require:
      - test: extra-one

needs-excluded:
  test.succeed_without_changes:
    - require:
      - test: extra-two
