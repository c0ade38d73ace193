base:
  '*':
    - sources
