common-checks:
  test.nop:
    - names:
      - one
      - two
