include:
  - base
extend:
  no-such-id:
    test.nop:
      - name: x
