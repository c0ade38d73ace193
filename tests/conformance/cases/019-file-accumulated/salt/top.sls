base:
  '*':
    - accum
