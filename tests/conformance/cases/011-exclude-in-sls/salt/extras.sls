extra-one:
  test.succeed_without_changes: []
extra-two:
  test.succeed_with_changes: []
extra-three:
  test.nop: []
