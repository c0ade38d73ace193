optional-state:
  test.succeed_with_changes: []
