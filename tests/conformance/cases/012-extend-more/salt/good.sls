include:
  - base
extend:
  data-file:
    file.managed:
      - contents: data v2
  hook:
    cmd.run:
      - onchanges:
        - file: data-file
  checks:
    test.succeed_without_changes:
      - names:
        - check-c
