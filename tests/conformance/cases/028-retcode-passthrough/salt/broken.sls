broken:
  test.nop:
    - name: {{ undefined_variable }}
