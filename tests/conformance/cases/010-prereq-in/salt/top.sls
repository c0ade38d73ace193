base:
  '*':
    - prereqin
