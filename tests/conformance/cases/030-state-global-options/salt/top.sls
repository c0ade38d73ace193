base:
  '*':
    - options
