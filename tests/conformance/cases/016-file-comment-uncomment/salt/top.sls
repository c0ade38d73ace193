base:
  '*':
    - comments
