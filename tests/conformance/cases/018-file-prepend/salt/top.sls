base:
  '*':
    - prepend
