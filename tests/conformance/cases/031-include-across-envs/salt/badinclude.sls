include:
  - dev: nosuchsls
bad-main:
  test.nop: []
