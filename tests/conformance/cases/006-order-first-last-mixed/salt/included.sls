inc-plain:
  test.nop: []
inc-num-five:
  test.nop:
    - order: 5
inc-last:
  test.nop:
    - order: last
