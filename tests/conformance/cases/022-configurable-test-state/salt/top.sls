base:
  '*':
    - configurable
