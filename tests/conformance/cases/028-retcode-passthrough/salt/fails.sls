bad-command:
  cmd.run:
    - name: exit 4
fine:
  test.succeed_without_changes: []
