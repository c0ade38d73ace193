base:
  '*':
    - runopts
