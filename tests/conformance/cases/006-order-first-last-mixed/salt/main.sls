include:
  - included

plain-one:
  test.nop: []
last-a:
  test.nop:
    - order: last
first-a:
  test.nop:
    - order: first
num-ten:
  test.nop:
    - order: 10
num-two:
  test.nop:
    - order: 2
first-b:
  test.nop:
    - order: first
last-b:
  test.nop:
    - order: last
needs-last-b:
  test.nop:
    - order: 1
    - require:
      - test: last-b
plain-two:
  test.nop: []
