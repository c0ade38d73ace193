fromdevtop:
  test.succeed_without_changes
